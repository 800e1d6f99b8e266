// npm run soak — not part of npm test. Two API replicas, three workers, a dispatcher and a Redis Cluster
// (3 masters, 3 replicas); SOAK_EXECUTIONS executions (default 2,000) with mixed priorities and callbacks,
// workers SIGKILLed at random and replaced, and the master holding the queues killed once. Bounded by
// SOAK_TIMEOUT_MS. At the end: every execution is final, every execution's callback arrived exactly once
// under one webhook-id, and every execution of the same tree observed the same findings (none twice).
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executionFindings, executions, stagedObservations } from "@sensorium/db";
import { startRedisCluster } from "@sensorium/testing";
import { inArray, sql } from "drizzle-orm";
import { call, createStack, isFinal, type RoleProcess, startRole } from "./stack.ts";

const EXECUTIONS = Number(process.env.SOAK_EXECUTIONS ?? 2_000);
const TIMEOUT_MS = Number(process.env.SOAK_TIMEOUT_MS ?? 30 * 60_000);
const KILL_EVERY_MS = Number(process.env.SOAK_KILL_EVERY_MS ?? 10_000);
const TREES = 10;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

// Small trees for the Filesystem Sensor: each with its own keys, so each has its own expected findings.
const root = mkdtempSync(join(tmpdir(), "sensorium-soak-"));
const trees = Array.from({ length: TREES }, (_, i) => {
	const tree = join(root, `tree-${i}`);
	mkdirSync(join(tree, "conf"), { recursive: true });
	for (let k = 0; k <= i % 3; k++) {
		const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
		writeFileSync(join(tree, "conf", `key-${k}.pem`), key);
	}
	writeFileSync(
		join(tree, "app.py"),
		"import hashlib\n\ndef digest(data):\n    return hashlib.sha1(data).hexdigest()\n",
	);
	return tree;
});

// The callback receiver: every POST, with its webhook-id.
const received: { executionId: string; webhookId: string }[] = [];
const receiver = createServer((req, res) => {
	let body = "";
	req.on("data", (chunk) => {
		body += chunk;
	});
	req.on("end", () => {
		// Registration may probe the URL without a body: only completion events count.
		const executionId = body ? (JSON.parse(body) as { executionId?: string }).executionId : undefined;
		if (executionId) received.push({ executionId, webhookId: String(req.headers["webhook-id"]) });
		res.writeHead(204).end();
	});
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const cluster = await startRedisCluster(3, 1);
const stack = await createStack("soak", {
	REDIS_CLUSTER_NODES: cluster.nodes.map((node) => `${node.host}:${node.port}`).join(","),
	SENSOR_FS_ROOTS: root,
	// The receiver is on loopback: the API (registration) and the dispatcher (delivery) must allow it.
	CALLBACK_ALLOWED_NETWORKS: "127.0.0.0/8",
	RECONCILE_INTERVAL_MS: "1000",
	RECONCILE_GRACE_MS: "2000",
});
const workerEnv = {
	WORKER_THREADS: "1",
	WORKER_CONCURRENCY: "2",
	EXECUTION_LEASE_MS: "3000",
	WORKER_LOCK_DURATION_MS: "3000",
	WORKER_STALLED_INTERVAL_MS: "1000",
	SHUTDOWN_TIMEOUT_MS: "10000",
	LOG_LEVEL: "warn",
};
const failures: string[] = [];
let workers: RoleProcess[] = [];
let dispatcher: RoleProcess | undefined;
let chaos: NodeJS.Timeout | undefined;
const kills = { workers: 0, redisMaster: 0 };
const answers = new Map<number, number>();
try {
	const apis = [await stack.startApi({ LOG_LEVEL: "warn" }), await stack.startApi({ LOG_LEVEL: "warn" })];
	workers = await Promise.all([0, 1, 2].map(() => stack.startWorker({ ...workerEnv, LOG_LEVEL: "info" })));
	dispatcher = startRole("apps/dispatcher/src/main.ts", {
		...stack.env,
		CALLBACK_RETRY_SCHEDULE: "1,1,1,1,1",
		DISPATCHER_HEALTH_PORT: "0",
	});
	const registered = await call(apis[0]?.url as string, stack.token, "POST", "/v3/callbacks", {
		name: "soak",
		url: receiverUrl,
		authType: "none",
	});
	if (registered.status !== 201) throw new Error(`callback registration answered ${registered.status}`);
	const callbackId = registered.body.callbackId as string;

	// A worker SIGKILLed every KILL_EVERY_MS and a fresh one started in its place (one at a time: a replacement
	// that could not start, e.g. during the Redis failover, is retried at the next tick instead of a new kill).
	let replacing = false;
	const replace = async (index: number) => {
		replacing = true;
		try {
			workers[index] = await stack.startWorker({ ...workerEnv, LOG_LEVEL: "info" });
		} catch (error) {
			console.log(`${elapsed()}: a replacement worker did not start (${(error as Error).message}); retrying`);
		} finally {
			replacing = false;
		}
	};
	chaos = setInterval(() => {
		if (replacing) return;
		const dead = workers.findIndex((w) => w.child.exitCode !== null || w.child.signalCode !== null);
		if (dead !== -1) {
			void replace(dead);
			return;
		}
		const index = Math.floor(Math.random() * workers.length);
		kills.workers += 1;
		replacing = true;
		void (workers[index] as RoleProcess).stop("SIGKILL").then(() => replace(index));
	}, KILL_EVERY_MS);

	const priorities = ["high", "medium", "low"] as const;
	const submitted: { executionId: string; tree: number }[] = [];
	for (let i = 0; i < EXECUTIONS; i++) {
		if (i === Math.floor(EXECUTIONS / 3)) {
			const master = await cluster.masterOf(`{${stack.prefix}}`);
			cluster.kill(master.port);
			kills.redisMaster += 1;
			console.log(`${elapsed()}: killed the Redis master holding the queues (port ${master.port})`);
		}
		const api = apis[i % apis.length] as { url: string };
		for (;;) {
			const res = await call(api.url, stack.token, "POST", "/v3/scan/create", {
				sensorType: "Filesystem Sensor",
				sensorName: `soak-${i}`,
				sensorConfig: { path: trees[i % TREES] },
				priority: priorities[i % 3],
				callbackId,
			}).catch(() => ({ status: 0, body: {} as Record<string, unknown> }));
			answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
			if (res.status === 200) {
				submitted.push({ executionId: res.body.executionId as string, tree: i % TREES });
				break;
			}
			if (res.status !== 503 && res.status !== 0) {
				failures.push(`create ${i} answered ${res.status}`);
				break;
			}
			await new Promise((r) => setTimeout(r, 500));
		}
		if (i % 250 === 0) console.log(`${elapsed()}: ${i} submitted`);
	}
	console.log(`${elapsed()}: ${submitted.length} submitted; waiting for every execution to be final`);

	const ids = submitted.map((s) => s.executionId);
	const statuses = async () =>
		stack.database.db
			.select({ id: executions.id, status: executions.status, summary: executions.summary })
			.from(executions)
			.where(inArray(executions.id, ids));
	let rows = await statuses();
	while (!rows.every((row) => isFinal(row.status)) && Date.now() - started < TIMEOUT_MS) {
		await new Promise((r) => setTimeout(r, 1000));
		rows = await statuses();
	}
	clearInterval(chaos);
	const open = rows.filter((row) => !isFinal(row.status));
	if (open.length > 0) failures.push(`${open.length} executions not final after ${TIMEOUT_MS / 1000} s`);
	const failed = rows.filter((row) => row.status === "failed");
	if (failed.length > 0) failures.push(`${failed.length} executions failed`);
	console.log(`${elapsed()}: ${rows.length - open.length} final (${failed.length} failed)`);

	// Callbacks: one webhook-id per execution, each received exactly once.
	const deadline = Date.now() + 120_000;
	const arrived = () => new Set(received.map((r) => r.executionId));
	while (ids.some((id) => !arrived().has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
	const missing = ids.filter((id) => !arrived().has(id));
	if (missing.length > 0) failures.push(`${missing.length} callbacks never arrived`);
	const webhookIdsOf = new Map<string, Set<string>>();
	const receipts = new Map<string, number>();
	for (const r of received) {
		webhookIdsOf.set(r.executionId, (webhookIdsOf.get(r.executionId) ?? new Set()).add(r.webhookId));
		receipts.set(r.webhookId, (receipts.get(r.webhookId) ?? 0) + 1);
	}
	const twoIds = [...webhookIdsOf.values()].filter((set) => set.size > 1).length;
	if (twoIds > 0) failures.push(`${twoIds} executions had callbacks under more than one webhook-id`);
	const repeated = [...receipts.values()].filter((count) => count > 1).length;
	if (repeated > 0) failures.push(`${repeated} webhook-ids were delivered more than once`);

	// Findings: every execution of one tree observed the same findings, each once; nothing left staged.
	const observedBy = await stack.database.db
		.select({ executionId: executionFindings.executionId, count: sql<number>`count(*)::int` })
		.from(executionFindings)
		.where(inArray(executionFindings.executionId, ids))
		.groupBy(executionFindings.executionId);
	const countOf = new Map(observedBy.map((row) => [row.executionId, row.count]));
	const byTree = new Map<number, Set<string>>();
	const treeOf = new Map(submitted.map((s) => [s.executionId, s.tree]));
	for (const row of rows.filter((r) => r.status === "successful")) {
		const total = Object.values(row.summary ?? {}).reduce((a, b) => a + b, 0);
		if (total !== countOf.get(row.id))
			failures.push(`execution ${row.id}: summary ${total} ≠ ${countOf.get(row.id)} rows`);
		const tree = treeOf.get(row.id) as number;
		byTree.set(tree, (byTree.get(tree) ?? new Set()).add(JSON.stringify(row.summary)));
	}
	const inconsistent = [...byTree.values()].filter((set) => set.size > 1).length;
	if (inconsistent > 0) failures.push(`${inconsistent} trees observed different findings in different executions`);
	const [staged] = await stack.database.db.select({ n: sql<number>`count(*)::int` }).from(stagedObservations);
	if ((staged?.n ?? 0) > 0) failures.push(`${staged?.n} staged observations left behind`);

	console.log("\nSoak result");
	console.log(
		`  executions: ${submitted.length} submitted, ${rows.length - open.length} final, ${failed.length} failed`,
	);
	console.log(`  kills: ${kills.workers} workers (SIGKILL), ${kills.redisMaster} Redis master`);
	console.log(`  create answers: ${[...answers].map(([status, n]) => `${status || "no answer"}×${n}`).join(", ")}`);
	console.log(
		`  callbacks: ${received.length} received for ${arrived().size} executions, ${repeated} webhook-ids repeated, ${missing.length} missing`,
	);
	console.log(`  findings: ${byTree.size} trees, ${inconsistent} inconsistent, staged left ${staged?.n ?? 0}`);
	console.log(`  wall time: ${elapsed()}`);
	console.log(failures.length === 0 ? "  PASS" : `  FAIL\n    ${failures.join("\n    ")}`);
} finally {
	clearInterval(chaos);
	await Promise.all(workers.map((w) => w.stop("SIGKILL")));
	await dispatcher?.stop("SIGKILL");
	await stack.close();
	await cluster.stop();
	receiver.close();
	rmSync(root, { recursive: true, force: true });
}
process.exit(failures.length === 0 ? 0 : 1);
