// npm run bench:callbacks — callback deliveries per second to 100 loopback endpoints, and the time
// from an execution's final status being committed to its callback arriving (p50, p99).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { bootstrapOrganization } from "@sensorium/accounts";
import { insertEndpoint } from "@sensorium/callback-store";
import { generateSigningSecret } from "@sensorium/callbacks";
import { createDatabase, executions, sensors } from "@sensorium/db";
import { finishExecution } from "@sensorium/executions";
import { newObjectId } from "@sensorium/ids";
import { CallbackQueue, createProducerConnection } from "@sensorium/queue";
import { SecretBox } from "@sensorium/secrets";
import { createMigratedDatabase } from "@sensorium/testing";

const ENDPOINTS = 100;
const BURST = Number(process.env.BENCH_BURST ?? 3000);
const PACED = Number(process.env.BENCH_PACED ?? 300);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 50);
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const root = fileURLToPath(new URL("../../..", import.meta.url));
const key = randomBytes(32);

const prefix = `sensorium-bench-${randomBytes(4).toString("hex")}`;

const scratch = await createMigratedDatabase("bench_cb", ADMIN_URL);
const database = createDatabase(scratch.url, { max: 10 });
const redis = createProducerConnection(REDIS_URL);
const queue = new CallbackQueue(redis, prefix);
const box = new SecretBox(key);
const boot = await bootstrapOrganization(database.db, { orgName: "Bench", email: "bench@bench.test" });

const received = new Map<string, number>();
const server = createServer((req, res) => {
	let body = "";
	req.on("data", (c) => {
		body += c;
	});
	req.on("end", () => {
		if (req.method === "POST") received.set(JSON.parse(body).executionId, performance.timeOrigin + performance.now());
		res.writeHead(204).end();
	});
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = (server.address() as AddressInfo).port;

const sensorIds: string[] = [];
for (let i = 0; i < ENDPOINTS; i++) {
	const endpoint = await insertEndpoint(database.db, box, {
		orgId: boot.orgId,
		name: `ep-${i}`,
		url: `http://127.0.0.1:${port}/hook/${i}`,
		authType: "bearer",
		headerName: null,
		tokenValue: `token-${i}`,
		signingSecret: generateSigningSecret(),
	});
	const sensorId = newObjectId();
	await database.db.insert(sensors).values({
		id: sensorId,
		orgId: boot.orgId,
		name: `s-${i}`,
		type: "GIT Sensor",
		config: { url: "https://x.test/r.git" },
		priority: "low",
		callbackEndpointId: endpoint.callbackId,
		createdBy: boot.userId,
	});
	sensorIds.push(sensorId);
}

/** Finishes an execution the way a worker does and returns when its final status was committed. */
async function finishOne(i: number): Promise<{ executionId: string; finishedAt: number }> {
	const executionId = newObjectId();
	await database.db.insert(executions).values({
		id: executionId,
		sensorId: sensorIds[i % ENDPOINTS] as string,
		orgId: boot.orgId,
		status: "running",
		message: "",
		priority: "low",
		ranBy: boot.userId,
		workerId: "bench",
		leaseExpiresAt: new Date(Date.now() + 600_000),
	});
	const result = await finishExecution(database.db, {
		executionId,
		workerId: "bench",
		outcome: { status: "successful", message: "done", filesScanned: 1, bytesScanned: 1 },
	});
	const finishedAt = performance.timeOrigin + performance.now();
	if (result.delivery) await queue.enqueueDelivery(result.delivery.deliveryId, result.delivery.attempts);
	return { executionId, finishedAt };
}

async function waitForAll(ids: string[], timeoutMs: number) {
	const deadline = Date.now() + timeoutMs;
	while (ids.some((id) => !received.has(id))) {
		if (Date.now() > deadline)
			throw new Error(`only ${ids.filter((id) => received.has(id)).length}/${ids.length} delivered`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

// Burst: everything finished before the dispatcher starts, so it drains a full queue.
const burst: string[] = [];
for (let i = 0; i < BURST; i++) burst.push((await finishOne(i)).executionId);

const dispatcher = spawn(process.execPath, ["--import", "tsx", "apps/dispatcher/src/main.ts"], {
	cwd: root,
	env: {
		...process.env,
		DATABASE_URL: scratch.url,
		QUEUE_PREFIX: prefix,
		SENSORIUM_SECRET_KEY: key.toString("base64"),
		CALLBACK_ALLOWED_NETWORKS: "127.0.0.0/8",
		DISPATCHER_CONCURRENCY: "100",
		DISPATCHER_HEALTH_PORT: "0",
		LOG_LEVEL: "error",
	},
	stdio: ["ignore", "inherit", "inherit"],
});

try {
	await waitForAll(burst, 300_000);
	const times = burst.map((id) => received.get(id) as number);
	const rate = (BURST - 1) / ((Math.max(...times) - Math.min(...times)) / 1000);

	// Paced: executions finishing at a steady rate, as in production; latency finished → received.
	const paced: { executionId: string; finishedAt: number }[] = [];
	for (let i = 0; i < PACED; i++) {
		paced.push(await finishOne(i));
		await new Promise((r) => setTimeout(r, 1000 / PACED_RATE));
	}
	await waitForAll(
		paced.map((p) => p.executionId),
		120_000,
	);
	const latencies = paced.map((p) => (received.get(p.executionId) as number) - p.finishedAt).sort((a, b) => a - b);
	const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(1);

	console.log("\nResults");
	console.log(`  burst: ${BURST} deliveries to ${ENDPOINTS} endpoints drained at ${rate.toFixed(0)} deliveries/s`);
	console.log(`  paced (${PACED_RATE}/s): finished → received  p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms`);
} finally {
	dispatcher.kill("SIGTERM");
	await new Promise((r) => dispatcher.once("exit", r));
	server.close();
	await queue.queue.obliterate({ force: true }).catch(() => {});
	await queue.close();
	redis.disconnect();
	await database.close();
	await scratch.drop();
}
