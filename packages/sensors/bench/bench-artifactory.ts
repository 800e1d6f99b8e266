/**
 * Throughput of the Artifactory Sensor (AQL listing, downloads through SHA-256 to scratch disk, reads)
 * against the contract-test server on loopback, next to the Filesystem Sensor reading the same files
 * from disk. Sensor work only, no discovery. Run: npm run bench:artifactory
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createNetworkPolicy } from "@sensorium/network-policy";
import { seededText } from "@sensorium/testing";
import {
	artifactorySensor,
	filesystemSensor,
	type Sensor,
	type SensorRunContext,
	type SensorSettings,
} from "../src/index.ts";

const ARTIFACTS = Number(process.env.BENCH_ARTIFACTS ?? 400);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = Number(process.env.ARTIFACTORY_DOWNLOAD_CONCURRENCY ?? 4);
const TOKEN = randomBytes(24).toString("base64url");
const MIB = 1024 * 1024;

const { between } = seededText(20_261_204);
const base = mkdtempSync(join(tmpdir(), "sensorium-bench-artifactory-"));
const corpus = join(base, "corpus");
let totalBytes = 0;
for (let i = 0; i < ARTIFACTS; i += 1) {
	// Mostly small text and mid-sized binaries, a few large ones, as in a release repository.
	const size = i % 50 === 0 ? between(8, 20) * MIB : i % 4 === 0 ? between(64, 1024) * 1024 : between(1, 32) * 1024;
	const dir = join(corpus, `com/acme/module-${i % 20}/1.${i % 7}`);
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, `artifact-${i}.bin`), randomBytes(size));
	totalBytes += size;
}

const settings: SensorSettings = {
	allowGitFileUrls: false,
	filesystemRoots: [{ orgId: null, path: base }],
	gitTimeoutMs: 60_000,
	networkPolicy: createNetworkPolicy(["127.0.0.0/8"]),
	artifactoryDownloadConcurrency: CONCURRENCY,
};

const child = spawn(
	process.execPath,
	["--import", "tsx", fileURLToPath(new URL("./artifactory-server-process.ts", import.meta.url)), corpus, TOKEN],
	{ stdio: ["ignore", "pipe", "inherit"] },
);
const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once("line", resolve));
const { url } = JSON.parse(line) as { url: string };

async function measure<C>(sensor: Sensor<C>, config: C): Promise<{ seconds: number; files: number; bytes: number }> {
	const workDir = mkdtempSync(join(base, "work-"));
	const context: SensorRunContext = {
		workDir,
		signal: new AbortController().signal,
		previousCursor: null,
		incremental: false,
		settings,
		orgId: "bench",
		sshHostKeys: { load: async () => null, pin: async () => {} },
	};
	const started = performance.now();
	const snapshot = await sensor.open(config, context);
	let files = 0;
	let bytes = 0;
	for await (const file of snapshot.files()) {
		bytes += (await file.read()).length;
		files += 1;
	}
	const seconds = (performance.now() - started) / 1000;
	rmSync(workDir, { recursive: true, force: true });
	return { seconds, files, bytes };
}

const format = (r: { seconds: number; files: number; bytes: number }) =>
	`${(r.files / r.seconds).toFixed(0).padStart(6)} artifacts/s ${(r.bytes / MIB / r.seconds).toFixed(0).padStart(5)} MB/s (${r.seconds.toFixed(2)} s)`;

console.log(
	`${ARTIFACTS} artifacts, ${(totalBytes / MIB).toFixed(0)} MiB, download concurrency ${CONCURRENCY}, ${RUNS} runs each (interleaved)`,
);
const best = { artifactory: Number.POSITIVE_INFINITY, filesystem: Number.POSITIVE_INFINITY };
try {
	for (let run = 1; run <= RUNS; run += 1) {
		const art = await measure(artifactorySensor, { url, access_token: TOKEN, max_file_size_mb: 64 });
		const fs = await measure(filesystemSensor, { path: corpus, max_file_size_mb: 64 });
		if (art.files !== ARTIFACTS || fs.files !== ARTIFACTS) throw new Error(`read ${art.files} and ${fs.files} files`);
		console.log(`run ${run}  artifactory ${format(art)}   filesystem ${format(fs)}`);
		best.artifactory = Math.min(best.artifactory, art.seconds);
		best.filesystem = Math.min(best.filesystem, fs.seconds);
	}
	console.log(
		`best: artifactory ${(totalBytes / MIB / best.artifactory).toFixed(0)} MB/s, filesystem ${(totalBytes / MIB / best.filesystem).toFixed(0)} MB/s, ratio ${(best.filesystem / best.artifactory).toFixed(2)}`,
	);
} finally {
	child.kill("SIGTERM");
	rmSync(base, { recursive: true, force: true });
}
