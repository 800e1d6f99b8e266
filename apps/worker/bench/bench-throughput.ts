// npm run bench:throughput — executions per second for many small Git repositories through the API, with 1, 2
// and 3 worker processes: how far adding workers scales on this machine.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executions } from "@sensorium/db";
import { CpuMeter, seededText } from "@sensorium/testing";
import { inArray, sql } from "drizzle-orm";
import { call, createStack, median } from "./stack.ts";

const REPOSITORIES = Number(process.env.BENCH_REPOSITORIES ?? 40);
const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 160);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const WORKERS = (process.env.BENCH_WORKERS ?? "1,2,3").split(",").map(Number);
// Each worker: two executions at once on one discovery thread, so processes are what is being scaled.
const WORKER_ENV = { WORKER_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? "2", WORKER_THREADS: "1" };
const VERSION = 1;
const ROOT = join(tmpdir(), `sensorium-bench-throughput-${REPOSITORIES}-v${VERSION}`);

const repositories = ensureRepositories();
const stack = await createStack("bench_tp");
const api = await stack.startApi({ LOG_LEVEL: "warn" });
const results: { workers: number; perSecond: number; idle: number }[] = [];
try {
	let n = 0;
	for (let round = 0; round < RUNS; round++) {
		for (const count of WORKERS) {
			const workers = await Promise.all(Array.from({ length: count }, () => stack.startWorker(WORKER_ENV)));
			const meter = new CpuMeter(Object.fromEntries(workers.map((w, i) => [`worker${i}`, w.child.pid ?? -1])));
			const { result: seconds, cpu } = await meter.measure(async () => {
				const started = performance.now();
				const ids: string[] = [];
				for (let i = 0; i < EXECUTIONS; i++) {
					const created = await call(api.url, stack.token, "POST", "/v3/scan/create", {
						sensorType: "GIT Sensor",
						sensorName: `small-${n++}`,
						sensorConfig: { url: `file://${repositories[i % repositories.length]}` },
						priority: (["high", "medium", "low"] as const)[i % 3],
					});
					if (created.status !== 200) throw new Error(`create answered ${created.status}`);
					ids.push(created.body.executionId as string);
				}
				for (;;) {
					const [row] = await stack.database.db
						.select({ open: sql<number>`count(*) filter (where status in ('queued', 'running'))::int` })
						.from(executions)
						.where(inArray(executions.id, ids));
					if (row?.open === 0) break;
					await new Promise((r) => setTimeout(r, 50));
				}
				const failed = await stack.database.db
					.select({ id: executions.id })
					.from(executions)
					.where(sql`${inArray(executions.id, ids)} and status = 'failed'`);
				if (failed.length > 0) throw new Error(`${failed.length} executions failed`);
				return (performance.now() - started) / 1000;
			});
			const perSecond = EXECUTIONS / seconds;
			results.push({ workers: count, perSecond, idle: cpu?.machineIdle ?? Number.NaN });
			// Where one execution's time went inside the workers (median over this run's executions).
			const phases = workers
				.flatMap((w) => w.lines)
				.filter((line) => line.msg === "execution finished")
				.map((line) => line.phasesMs as { open: number; discovery: number; record: number });
			const phase = (key: "open" | "discovery" | "record") => median(phases.map((p) => p[key])).toFixed(0);
			console.log(
				`  ${count} worker${count > 1 ? "s" : " "}  ${EXECUTIONS} executions in ${seconds.toFixed(1)} s  ${perSecond.toFixed(2)} executions/s  ` +
					`per execution: clone ${phase("open")} ms, discovery ${phase("discovery")} ms, recording ${phase("record")} ms  ` +
					`machine idle ${((cpu?.machineIdle ?? Number.NaN) * 100).toFixed(0)} %`,
			);
			await Promise.all(workers.map((w) => w.stop()));
		}
	}
	console.log("\nMedians");
	console.log("| worker processes | executions/s | vs 1 worker |");
	const base = median(results.filter((r) => r.workers === WORKERS[0]).map((r) => r.perSecond));
	for (const count of WORKERS) {
		const rate = median(results.filter((r) => r.workers === count).map((r) => r.perSecond));
		console.log(`| ${count} | ${rate.toFixed(2)} | ${(rate / base).toFixed(2)}x |`);
	}
} finally {
	await stack.close();
}

/** Small service repositories: a few dozen source files, a certificate-free key or two, some crypto use. */
function ensureRepositories(): string[] {
	const paths = Array.from({ length: REPOSITORIES }, (_, i) => join(ROOT, `repo-${i}`));
	if (existsSync(join(ROOT, ".complete"))) return paths;
	rmSync(ROOT, { recursive: true, force: true });
	const { between, ident, phrase, pick } = seededText(4_242);
	for (const [i, repo] of paths.entries()) {
		mkdirSync(join(repo, "src"), { recursive: true });
		for (let f = 0; f < between(15, 40); f++) {
			const lines = Array.from({ length: between(20, 120) }, () => `# ${phrase()}\n${ident()} = ${between(0, 999)}`);
			if (f % 4 === 0) lines.push("import hashlib", `digest = hashlib.${pick(["md5", "sha1", "sha256"])}(data)`);
			writeFileSync(join(repo, "src", `${ident()}_${f}.py`), `${lines.join("\n")}\n`);
		}
		const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
		writeFileSync(join(repo, "deploy.pem"), key);
		const git = (...args: string[]) =>
			execFileSync(
				"git",
				["-c", "user.name=Bench", "-c", "user.email=bench@example.test", "-c", "commit.gpgsign=false", ...args],
				{ cwd: repo, stdio: "ignore" },
			);
		git("init", "-q", "-b", "main");
		git("add", "-A");
		git("commit", "-q", "-m", `service ${i}`);
	}
	writeFileSync(join(ROOT, ".complete"), "");
	return paths;
}
