/**
 * Throughput of the Container Sensor (manifest, layer downloads through SHA-256 to scratch disk,
 * decompression, tar parsing and flattening) against the real distribution registry on loopback,
 * next to the Filesystem Sensor reading the same files from disk; then the re-scan of the same
 * reference after a new image that changes one layer was pushed under it, without and with the
 * layer cache (the scanner's, in a scratch Postgres database). Sensor and cache work only, no
 * discovery. Run: npm run bench:container (BENCH_CONTAINER_MB=40 for a quick check).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createDatabase, organizations } from "@sensorium/db";
import { createLogger } from "@sensorium/logger";
import { createNetworkPolicy } from "@sensorium/network-policy";
import {
	type ContainerSensorConfig,
	containerSensor,
	filesystemSensor,
	type Sensor,
	type SensorRunContext,
	type SensorSettings,
} from "@sensorium/sensors";
import {
	createMigratedDatabase,
	type PushedLayer,
	seededText,
	type TarEntrySpec,
	TestRegistry,
} from "@sensorium/testing";
import { detectionFingerprint } from "../src/index.ts";
import { PostgresLayerCache } from "../src/layer-cache.ts";

const TOTAL_MB = Number(process.env.BENCH_CONTAINER_MB ?? 200);
const LAYERS = 5;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MIB = 1024 * 1024;

const { between, phrase } = seededText(20_261_215);
const base = mkdtempSync(join(tmpdir(), "sensorium-bench-container-"));
const corpus = join(base, "corpus");

/** About `bytes` of files: source-like text (compresses well) and binaries (does not), as in an image. */
function layerFiles(layer: number, bytes: number, generation = 0): TarEntrySpec[] {
	const entries: TarEntrySpec[] = [];
	let written = 0;
	for (let i = 0; written < bytes; i += 1) {
		const size = i % 10 === 0 ? between(1, 4) * MIB : between(4, 256) * 1024;
		let content: Buffer;
		if (i % 2 === 0) {
			const lines: string[] = [];
			let length = 0;
			while (length < size) {
				const line = `${phrase()} ${generation}`;
				lines.push(line);
				length += line.length + 1;
			}
			content = Buffer.from(lines.join("\n"));
		} else {
			content = randomBytes(size);
		}
		entries.push({ path: `layer${layer}/dir${i % 16}/file-${i}.${i % 2 === 0 ? "txt" : "bin"}`, content });
		written += content.length;
	}
	return entries;
}

function writeCorpus(entries: TarEntrySpec[]) {
	for (const entry of entries) {
		const file = join(corpus, entry.path);
		mkdirSync(dirname(file), { recursive: true });
		writeFileSync(file, entry.content as Buffer);
	}
}

const settings: SensorSettings = {
	allowGitFileUrls: false,
	filesystemRoots: [{ orgId: null, path: base }],
	gitTimeoutMs: 60_000,
	networkPolicy: createNetworkPolicy(["127.0.0.0/8"]),
	artifactoryDownloadConcurrency: 4,
};

interface Measured {
	seconds: number;
	files: number;
	bytes: number;
	cursor: string | null;
	layersDownloaded: number;
}

const scratchDb = await createMigratedDatabase("bench_container");
const database = createDatabase(scratchDb.url, { max: 2 });
const orgId = "bench-org";
await database.db.insert(organizations).values({ id: orgId, name: "Bench" });
const scanOptions = { maxFileBytes: 8 * MIB, scanArchives: true };
const fingerprint = detectionFingerprint({ keystorePasswords: [] });
const silent = createLogger({ name: "bench", level: "silent" });

/**
 * Reads every file as the scanner does: with a layer cache, a file it has results for is taken from it,
 * any other is read and its (empty: no discovery here) result kept.
 */
async function measure<C>(
	sensor: Sensor<C>,
	config: C,
	previousCursor: string | null = null,
	cached = false,
): Promise<Measured> {
	const workDir = mkdtempSync(join(base, "work-"));
	const layerCache = cached
		? PostgresLayerCache.forExecution(database.db, orgId, fingerprint, scanOptions, silent)
		: undefined;
	const context: SensorRunContext = {
		workDir,
		signal: new AbortController().signal,
		previousCursor,
		incremental: previousCursor !== null,
		settings,
		orgId,
		sshHostKeys: { load: async () => null, pin: async () => {} },
		...(layerCache ? { layerCache } : {}),
	};
	const started = performance.now();
	const snapshot = await sensor.open(config, context);
	let files = 0;
	let bytes = 0;
	for await (const file of snapshot.files()) {
		const reused = layerCache?.take(file, undefined);
		const size = reused ? reused.bytes : (await file.read()).length;
		if (!reused) {
			const scan = { read: true, bytes: size, observations: [], warnings: [], diagnostics: [] };
			await layerCache?.remember(file, scan, scanOptions);
		}
		bytes += size;
		files += 1;
	}
	await layerCache?.flush();
	const seconds = (performance.now() - started) / 1000;
	rmSync(workDir, { recursive: true, force: true });
	if (snapshot.diagnostics?.length) throw new Error(JSON.stringify(snapshot.diagnostics));
	return { seconds, files, bytes, cursor: snapshot.cursor, layersDownloaded: snapshot.progress?.layersDownloaded ?? 0 };
}

const registry = await TestRegistry.start();
try {
	const layers: PushedLayer[] = [];
	const perLayer = Math.round((TOTAL_MB * MIB) / LAYERS);
	let fileCount = 0;
	let uncompressed = 0;
	for (let layer = 0; layer < LAYERS; layer += 1) {
		const entries = layerFiles(layer, perLayer);
		writeCorpus(entries);
		fileCount += entries.length;
		uncompressed += entries.reduce((sum, entry) => sum + (entry.content as Buffer).length, 0);
		layers.push(await registry.pushLayer("bench/app", entries, "gzip"));
	}
	await registry.pushImage("bench/app", "1", layers);
	const compressed = layers.reduce((sum, layer) => sum + layer.size, 0);
	const config: ContainerSensorConfig = {
		images: [`${registry.host}/bench/app:1`],
		insecure_registries: [registry.host],
		max_file_size_mb: 8,
	};
	const format = (r: Measured, withCompressed: boolean) =>
		`${withCompressed ? `${(compressed / MIB / r.seconds).toFixed(0).padStart(4)} compressed MB/s ` : ""}${(r.bytes / MIB / r.seconds).toFixed(0).padStart(4)} MB/s of files (${r.seconds.toFixed(2)} s)`;
	console.log(
		`${fileCount} files, ${(uncompressed / MIB).toFixed(0)} MiB in ${LAYERS} gzip layers of ${(compressed / MIB).toFixed(0)} MiB, ${RUNS} runs each (interleaved)`,
	);
	const best = { container: Number.POSITIVE_INFINITY, filesystem: Number.POSITIVE_INFINITY };
	let cursor: string | null = null;
	for (let run = 1; run <= RUNS; run += 1) {
		const image = await measure(containerSensor, config);
		const fs = await measure(filesystemSensor, { path: corpus, max_file_size_mb: 8 });
		if (image.files !== fileCount || fs.files !== fileCount)
			throw new Error(`read ${image.files} and ${fs.files} files`);
		console.log(`run ${run}  container ${format(image, true)}   filesystem ${format(fs, false)}`);
		best.container = Math.min(best.container, image.seconds);
		best.filesystem = Math.min(best.filesystem, fs.seconds);
		cursor = image.cursor;
	}
	console.log(
		`best: container ${(compressed / MIB / best.container).toFixed(0)} compressed MB/s (${(uncompressed / MIB / best.container).toFixed(0)} MB/s of files), filesystem ${(uncompressed / MIB / best.filesystem).toFixed(0)} MB/s, ratio ${(best.filesystem / best.container).toFixed(2)}`,
	);

	const unchanged = await measure(containerSensor, config, cursor);
	// A first scan with the layer cache: what it costs to fill it (entry lists and per-file results written).
	const filling = await measure(containerSensor, config, null, true);
	// The same reference, now an image whose top layer changed: what a new release of an application is.
	const changedTop = await registry.pushLayer("bench/app", layerFiles(LAYERS - 1, perLayer, 1), "gzip");
	await registry.pushImage("bench/app", "1", [...layers.slice(0, -1), changedTop]);
	const uncached = await measure(containerSensor, config, cursor);
	const changed = await measure(containerSensor, config, cursor, true);
	if (changed.files !== uncached.files || changed.bytes !== uncached.bytes) {
		throw new Error(`the cached re-scan offered ${changed.files} files, the uncached one ${uncached.files}`);
	}
	const ofFull = (r: Measured) => (r.seconds / best.container).toFixed(2);
	console.log(`re-scan, unchanged: ${unchanged.seconds.toFixed(2)} s, ${unchanged.layersDownloaded} layers downloaded`);
	console.log(
		`first scan filling the layer cache: ${filling.seconds.toFixed(2)} s (${ofFull(filling)} of the best full scan)`,
	);
	console.log(
		`new image changing one layer, no layer cache: ${uncached.seconds.toFixed(2)} s, ${uncached.layersDownloaded} layers downloaded (${ofFull(uncached)} of a full scan)`,
	);
	console.log(
		`new image changing one layer, layer cache: ${changed.seconds.toFixed(2)} s, ${changed.layersDownloaded} layers downloaded (${ofFull(changed)} of a full scan, ${(changed.seconds / uncached.seconds).toFixed(2)} of the uncached re-scan)`,
	);
} finally {
	await registry.stop();
	await database.close();
	await scratchDb.drop();
	rmSync(base, { recursive: true, force: true });
}
