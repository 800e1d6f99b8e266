import type { RedisTopology } from "@sensorium/config";
import {
	type RedisCluster,
	type RedisSentinelSetup,
	startRedisCluster,
	startRedisSentinels,
	uniqueQueuePrefix,
} from "@sensorium/testing";
import { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	type AuthInvalidation,
	createProducerConnection,
	createWorkerConnection,
	EXECUTIONS_QUEUE,
	ExecutionQueue,
	executionJobSchema,
	publishAuthInvalidation,
	queueKeyPrefix,
	type RedisConnection,
	subscribeAuthInvalidations,
} from "../src/index.ts";

const hex = (n: number) => n.toString(16).padStart(24, "0");

/** Enqueues `ids` (all high, then all low interleaved) and returns the order one worker ran them in. */
async function runThroughQueue(target: RedisTopology, ids: string[]): Promise<string[]> {
	const prefix = uniqueQueuePrefix("topology");
	const producer = createProducerConnection(target);
	const consumer = createWorkerConnection(target);
	const queue = new ExecutionQueue(producer, prefix);
	const order: string[] = [];
	try {
		await waitReady(producer);
		for (const [i, id] of ids.entries()) await queue.enqueueExecution(id, i % 2 === 0 ? "low" : "high");
		const done = new Promise<void>((resolve) => {
			const worker = new Worker(
				EXECUTIONS_QUEUE,
				async (job) => {
					order.push(executionJobSchema.parse(job.data).executionId);
					if (order.length === ids.length) setImmediate(() => worker.close().then(resolve));
				},
				{ connection: consumer, prefix: queueKeyPrefix(consumer, prefix), concurrency: 1 },
			);
		});
		await done;
		await queue.queue.obliterate({ force: true });
		return order;
	} finally {
		await queue.close();
		producer.disconnect();
		consumer.disconnect();
	}
}

async function waitReady(connection: RedisConnection): Promise<void> {
	const deadline = Date.now() + 20_000;
	for (;;) {
		try {
			if ((await connection.ping()) === "PONG") return;
		} catch (error) {
			if (Date.now() > deadline) throw error;
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

const ids = Array.from({ length: 8 }, (_, i) => hex(i + 1));
// Odd positions were enqueued high: they run first, each priority in arrival order.
const expectedOrder = [...ids.filter((_, i) => i % 2 === 1), ...ids.filter((_, i) => i % 2 === 0)];

describe("Redis Cluster (3 masters, 3 replicas)", () => {
	let cluster: RedisCluster;
	let topology: Extract<RedisTopology, { mode: "cluster" }>;
	beforeAll(async () => {
		cluster = await startRedisCluster(3, 1);
		topology = { mode: "cluster", nodes: cluster.nodes.slice(0, 2), tls: false };
	}, 60_000);
	afterAll(() => cluster?.stop());

	it("hash-tags every BullMQ key so multi-key scripts run, keeping priority and FIFO order", async () => {
		const connection = createProducerConnection(topology);
		expect(queueKeyPrefix(connection, "sensorium")).toBe("{sensorium}");
		connection.disconnect();
		expect(await runThroughQueue(topology, ids)).toEqual(expectedOrder);
	});

	it("carries auth invalidations between connections to different nodes", async () => {
		const prefix = uniqueQueuePrefix("cluster-pubsub");
		const [first, , third] = cluster.nodes;
		if (!first || !third) throw new Error("the cluster has fewer nodes than started");
		const subscriber = createWorkerConnection({ ...topology, nodes: [third] });
		const publisher = createProducerConnection({ ...topology, nodes: [first] });
		try {
			const received: AuthInvalidation[] = [];
			await subscribeAuthInvalidations(subscriber, prefix, {
				onInvalidation: (message) => received.push(message),
				onResubscribed: () => {},
			});
			await waitReady(publisher);
			await publishAuthInvalidation(publisher, prefix, { scope: "token", tokenId: "t1" });
			await expect.poll(() => received, { timeout: 5_000 }).toEqual([{ scope: "token", tokenId: "t1" }]);
		} finally {
			subscriber.disconnect();
			publisher.disconnect();
		}
	});
});

describe("Redis Sentinel (master, replica, 3 sentinels)", () => {
	let setup: RedisSentinelSetup;
	let topology: RedisTopology;
	beforeAll(async () => {
		setup = await startRedisSentinels();
		topology = { mode: "sentinel", sentinels: setup.sentinels, masterName: setup.masterName, tls: false };
	}, 60_000);
	afterAll(() => setup?.stop());

	it("finds the master through the sentinels and keeps queueing after the master is killed", async () => {
		expect(await runThroughQueue(topology, ids)).toEqual(expectedOrder);
		const before = await setup.currentMaster();
		setup.kill(before.port);
		await expect
			.poll(async () => (await setup.currentMaster()).port, { timeout: 30_000, interval: 250 })
			.not.toBe(before.port);
		expect(await runThroughQueue(topology, ids)).toEqual(expectedOrder);
	}, 60_000);
});
