import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RedisTopology } from "@sensorium/config";
import { executions } from "@sensorium/db";
import {
	type RedisCluster,
	type RedisNodeAddress,
	type RedisSentinelSetup,
	startRedisCluster,
	startRedisSentinels,
} from "@sensorium/testing";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Receiver } from "../../dispatcher/test/receivers.ts";
import { rsaPrivateKeyPem, startRole, tempDir, type WorkerProcess, waitFor } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

// End to end on real topologies: API (in-process), two workers and a dispatcher (processes), a burst
// of executions with callbacks, and the Redis master that holds the queues killed in the middle.
const BURST = 200;
const dir = tempDir("redis-topologies");
const tree = join(dir.path, "tree");
mkdirSync(tree, { recursive: true });
writeFileSync(join(tree, "server.key"), rsaPrivateKeyPem(1024));

afterAll(() => dir.remove());

const nodes = (list: RedisNodeAddress[]) => list.map((node) => `${node.host}:${node.port}`).join(",");

interface Topology {
	target: RedisTopology;
	env: Record<string, string>;
	/** Kills the master that serves the queues' keys; resolves once it is dead. */
	killQueueMaster(prefix: string): Promise<void>;
}

async function burstThroughFailover(topology: Topology): Promise<void> {
	const h: ScanHarness = await createScanHarness(dir.path, { redis: { target: topology.target, env: topology.env } });
	const receiver = await new Receiver().start();
	const roles: WorkerProcess[] = [];
	try {
		const registered = await h.api("POST", "/v3/callbacks", { name: "hook", url: receiver.url, authType: "none" });
		expect(registered.status).toBe(201);
		const callbackId = registered.body.callbackId as string;
		roles.push(h.startWorker(), h.startWorker());
		roles.push(
			startRole("apps/dispatcher/src/main.ts", {
				...h.workerEnv(),
				CALLBACK_ALLOWED_NETWORKS: "127.0.0.0/8",
				CALLBACK_RETRY_SCHEDULE: "1,1,1,1,1",
				RECONCILE_INTERVAL_MS: "1000",
				RECONCILE_GRACE_MS: "2000",
				DISPATCHER_HEALTH_PORT: "0",
			}),
		);

		const priorities = ["high", "medium", "low"] as const;
		const executionIds: string[] = [];
		for (let i = 0; i < BURST; i++) {
			if (i === BURST / 4) await topology.killQueueMaster(h.prefix);
			const res = await h.api("POST", "/v3/scan/create", {
				sensorType: "Filesystem Sensor",
				sensorName: `burst-${i}`,
				sensorConfig: { path: tree },
				priority: priorities[i % 3],
				callbackId,
			});
			// While Redis fails over the row is committed and the reconciler enqueues it: never a 500.
			expect([200, 503]).toContain(res.status);
			if (res.status === 200) executionIds.push(res.body.executionId as string);
		}
		expect(executionIds.length).toBeGreaterThan(BURST / 2);

		await waitFor(
			`all ${executionIds.length} executions to finish`,
			async () => {
				const rows = await h.database.db
					.select({ status: executions.status })
					.from(executions)
					.where(inArray(executions.id, executionIds));
				return rows.every((row) => row.status === "successful" || row.status === "failed") ? rows : undefined;
			},
			150_000,
		).then((rows) => expect(rows.filter((row) => row.status !== "successful")).toEqual([]));

		// At least once per execution; a retry repeats the same webhook-id, so receivers can de-duplicate.
		await waitFor(
			"a callback for every execution",
			async () => {
				const seen = new Set(receiver.posts().map((post) => JSON.parse(post.body).executionId as string));
				return executionIds.every((id) => seen.has(id)) ? seen : undefined;
			},
			60_000,
		);
		const webhookIds = new Map<string, string>();
		for (const post of receiver.posts()) {
			const executionId = JSON.parse(post.body).executionId as string;
			const id = String(post.headers["webhook-id"]);
			expect(webhookIds.get(executionId) ?? id).toBe(id);
			webhookIds.set(executionId, id);
		}
	} finally {
		await Promise.all(roles.map((role) => role.stop("SIGKILL")));
		await receiver.stop();
		await h.close();
	}
}

describe("Redis Cluster: 3 masters, 3 replicas", { timeout: 240_000 }, () => {
	let cluster: RedisCluster;
	beforeAll(async () => {
		cluster = await startRedisCluster(3, 1);
	}, 60_000);
	afterAll(() => cluster?.stop());

	it("completes a burst of scans and callbacks while the master holding the queues is killed", async () => {
		await burstThroughFailover({
			target: { mode: "cluster", nodes: cluster.nodes, tls: false },
			env: { REDIS_CLUSTER_NODES: nodes(cluster.nodes) },
			async killQueueMaster(prefix) {
				cluster.kill((await cluster.masterOf(`{${prefix}}`)).port);
			},
		});
	});
});

describe("Redis Sentinel: master, replica, 3 sentinels", { timeout: 240_000 }, () => {
	let setup: RedisSentinelSetup;
	beforeAll(async () => {
		setup = await startRedisSentinels();
	}, 60_000);
	afterAll(() => setup?.stop());

	it("completes a burst of scans and callbacks while the master is killed and a replica promoted", async () => {
		await burstThroughFailover({
			target: { mode: "sentinel", sentinels: setup.sentinels, masterName: setup.masterName, tls: false },
			env: { REDIS_SENTINELS: nodes(setup.sentinels), REDIS_SENTINEL_NAME: setup.masterName },
			async killQueueMaster() {
				setup.kill((await setup.currentMaster()).port);
			},
		});
	});
});
