// npm run bench:api — throughput and latency of the Scan API against its own floor: the same
// Postgres transaction and BullMQ add, called in a loop without HTTP, in the same run.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { bootstrapOrganization } from "@sensorium/accounts";
import { createDatabase } from "@sensorium/db";
import { createSensorAndExecute, SensorTypeRegistry } from "@sensorium/executions";
import { createProducerConnection, ExecutionQueue } from "@sensorium/queue";
import { SecretBox } from "@sensorium/secrets";
import { sensorTypeContracts } from "@sensorium/sensors";
import { CpuMeter, type CpuUsage, createMigratedDatabase } from "@sensorium/testing";
import autocannon from "autocannon";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 5);
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PORT = 18_000 + Math.floor(Math.random() * 1000);
const root = fileURLToPath(new URL("../../..", import.meta.url));

let floorSensor = 0;
const prefix = `sensorium-bench-${randomBytes(4).toString("hex")}`;

const scratch = await createMigratedDatabase("bench", ADMIN_URL);
const database = createDatabase(scratch.url, { max: 20 });
const redis = createProducerConnection(REDIS_URL);
const queue = new ExecutionQueue(redis, prefix);
const boot = await bootstrapOrganization(database.db, { orgName: "Bench", email: "bench@bench.test" });
const body = (name: string) => ({
	sensorType: "GIT Sensor",
	sensorName: name,
	sensorConfig: { url: "https://git.example.com/bench/repo.git", username: "ci", password: "s3cret" },
	priority: "medium",
	labels: [{ bench: "api" }],
});

const server = spawn(process.execPath, ["--import", "tsx", "apps/api/src/main.ts"], {
	cwd: root,
	env: {
		...process.env,
		PORT: String(PORT),
		HOST: "127.0.0.1",
		DATABASE_URL: scratch.url,
		QUEUE_PREFIX: prefix,
		LOG_LEVEL: "error",
		// The benchmark is one client hammering the API on purpose: measure the API, not its rate limits.
		API_RATE_LIMIT_PER_TOKEN: "0",
		API_RATE_LIMIT_PER_ADDRESS: "0",
	},
	stdio: ["ignore", "inherit", "inherit"],
});

try {
	await waitForServer(`http://127.0.0.1:${PORT}/healthz`);
	const meter = new CpuMeter({ api: server.pid ?? -1, bench: process.pid });
	let n = 0;
	await run({
		path: "/v3/scan/create",
		method: "POST",
		duration: WARMUP_S,
		setup: () => JSON.stringify(body(`warm-${n++}`)),
	});
	const floorDeps = await floorDependencies();
	await measureFloor(floorDeps, WARMUP_S);
	// The floor is measured just before and just after the create run and averaged, so drift
	// during the run (table growth, autovacuum, neighbours on the host) does not favour either side.
	const before = await meter.measure(() => measureFloor(floorDeps, DURATION_S / 2));
	const { result: create, cpu: createCpu } = await meter.measure(() =>
		run({ path: "/v3/scan/create", method: "POST", setup: () => JSON.stringify(body(`c-${n++}`)) }),
	);
	const after = await meter.measure(() => measureFloor(floorDeps, DURATION_S / 2));
	const floor = mergeFloors(before.result, after.result);
	const floorCpu = before.cpu && after.cpu ? mergeCpu(before.cpu, after.cpu) : null;

	const seed = await fetch(`http://127.0.0.1:${PORT}/v3/scan/create`, {
		method: "POST",
		headers: { "content-type": "application/json", "isg-api-token": boot.token },
		body: JSON.stringify(body("status-target")),
	});
	const { executionId } = (await seed.json()) as { executionId: string };
	const status = await run({ path: `/v3/scan/${executionId}`, method: "GET" });

	const ratio = create.rps / floor.ops;
	console.log("\nResults");
	console.log(
		`  POST /v3/scan/create   ${create.rps.toFixed(0)} req/s  p50 ${create.p50} ms  p99 ${create.p99} ms  (non-2xx: ${create.errors})`,
	);
	console.log(
		`  GET  /v3/scan/{id}     ${status.rps.toFixed(0)} req/s  p50 ${status.p50} ms  p99 ${status.p99} ms  (non-2xx: ${status.errors})`,
	);
	console.log(
		`  floor (transaction + BullMQ add, ${CONNECTIONS} concurrent, no HTTP)  ${floor.ops.toFixed(0)} ops/s  p50 ${floor.p50} ms  p99 ${floor.p99} ms`,
	);
	console.log(
		`  create / floor = ${(ratio * 100).toFixed(0)}%  (target >= 60%)   create p99 ${create.p99} ms (target < 50 ms)`,
	);
	if (createCpu && floorCpu) {
		console.log("\nCPU per operation (ms), and how idle the machine was");
		console.log(`  create  ${cpuLine(createCpu, create.rps, { api: "API", bench: "autocannon" })}`);
		console.log(`  floor   ${cpuLine(floorCpu, floor.ops, { bench: "floor loop" })}`);
	}
} finally {
	server.kill("SIGTERM");
	await new Promise((r) => server.once("exit", r));
	await queue.queue.obliterate({ force: true }).catch(() => {});
	await queue.close();
	redis.disconnect();
	await database.close();
	await scratch.drop();
}

async function run(opts: { path: string; method: "GET" | "POST"; duration?: number; setup?: () => string }) {
	const result = await autocannon({
		url: `http://127.0.0.1:${PORT}`,
		connections: CONNECTIONS,
		duration: opts.duration ?? DURATION_S,
		requests: [
			{
				method: opts.method,
				path: opts.path,
				headers: { "content-type": "application/json", "isg-api-token": boot.token },
				...(opts.setup ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: opts.setup?.() }) } : {}),
			},
		],
	});
	return {
		rps: result.requests.average,
		p50: result.latency.p50,
		p99: result.latency.p99,
		errors: result.non2xx + result.errors,
	};
}

async function floorDependencies() {
	return {
		db: database.db,
		queue,
		secretBox: new SecretBox(Buffer.alloc(32, 3)),
		sensorTypes: await SensorTypeRegistry.load(database.db, sensorTypeContracts({ allowGitFileUrls: false })),
	};
}

interface Floor {
	ops: number;
	latencies: number[];
	p50: number;
	p99: number;
}

/** createSensorAndExecute from CONNECTIONS concurrent callers: what the API does, without HTTP. */
async function measureFloor(deps: Awaited<ReturnType<typeof floorDependencies>>, seconds: number): Promise<Floor> {
	const requester = { orgId: boot.orgId, userId: boot.userId };
	const latencies: number[] = [];
	const deadline = Date.now() + seconds * 1000;
	await Promise.all(
		Array.from({ length: CONNECTIONS }, async () => {
			while (Date.now() < deadline) {
				const started = performance.now();
				await createSensorAndExecute(deps, requester, {
					sensorType: "GIT Sensor",
					sensorName: `floor-${floorSensor++}`,
					sensorConfig: body("x").sensorConfig,
					priority: "medium",
					callbackId: null,
					incrementalScan: false,
					autoResolutionInterval: null,
					labels: [{ bench: "api" }],
				});
				latencies.push(performance.now() - started);
			}
		}),
	);
	return summarise(latencies, seconds);
}

function summarise(latencies: number[], seconds: number): Floor {
	const sorted = [...latencies].sort((a, b) => a - b);
	const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
	return { ops: latencies.length / seconds, latencies, p50: at(0.5), p99: at(0.99) };
}

function mergeFloors(a: Floor, b: Floor): Floor {
	return summarise([...a.latencies, ...b.latencies], DURATION_S);
}

function mergeCpu(a: CpuUsage, b: CpuUsage): CpuUsage {
	const named: Record<string, number> = {};
	for (const key of new Set([...Object.keys(a.named), ...Object.keys(b.named)]))
		named[key] = (a.named[key] ?? 0) + (b.named[key] ?? 0);
	return {
		seconds: a.seconds + b.seconds,
		named,
		postgres: a.postgres + b.postgres,
		redis: a.redis + b.redis,
		machineIdle: (a.machineIdle * a.seconds + b.machineIdle * b.seconds) / (a.seconds + b.seconds),
	};
}

function cpuLine(cpu: CpuUsage, perSecond: number, roles: Record<string, string>): string {
	const perOp = (seconds: number) => ((seconds / cpu.seconds / perSecond) * 1000).toFixed(2);
	const parts = Object.entries(roles).map(([key, label]) => `${label} ${perOp(cpu.named[key] ?? 0)}`);
	parts.push(`Postgres ${perOp(cpu.postgres)}`, `Redis ${perOp(cpu.redis)}`);
	return `${parts.join("  ")}   machine idle ${(cpu.machineIdle * 100).toFixed(0)}%`;
}

async function waitForServer(url: string) {
	for (let i = 0; i < 100; i++) {
		try {
			if ((await fetch(url)).ok) return;
		} catch {}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`API did not start at ${url}`);
}
