import { bootstrapOrganization } from "@sensorium/accounts";
import { createDatabase, type DatabaseHandle, executions } from "@sensorium/db";
import { newObjectId } from "@sensorium/ids";
import {
	createProducerConnection,
	createWorkerConnection,
	EXECUTIONS_QUEUE,
	ExecutionQueue,
	executionJobId,
	type RedisConnection,
} from "@sensorium/queue";
import { SecretBox } from "@sensorium/secrets";
import { sensorTypeContracts } from "@sensorium/sensors";
import { createTestDatabase, type TestDatabase, uniqueQueuePrefix } from "@sensorium/testing";
import { Worker } from "bullmq";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSensorAndExecute, reconcileQueuedExecutions, type ScanDeps, SensorTypeRegistry } from "../src/index.ts";

// This file really runs FLUSHDB, so it uses a Redis logical database no other test file touches.
const FLUSHABLE_REDIS_URL = process.env.TEST_REDIS_FLUSHABLE_URL ?? "redis://127.0.0.1:6379/11";

let testDb: TestDatabase;
let database: DatabaseHandle;
let redis: RedisConnection;
let queue: ExecutionQueue;
let deps: ScanDeps;
let requester: { orgId: string; userId: string };

beforeAll(async () => {
	testDb = await createTestDatabase();
	database = createDatabase(testDb.url, { max: 5 });
	redis = createProducerConnection(FLUSHABLE_REDIS_URL);
	queue = new ExecutionQueue(redis, uniqueQueuePrefix("reconciler"));
	deps = {
		db: database.db,
		queue,
		secretBox: new SecretBox(Buffer.alloc(32, 1)),
		sensorTypes: await SensorTypeRegistry.load(database.db, sensorTypeContracts({ allowGitFileUrls: false })),
	};
	const boot = await bootstrapOrganization(database.db, { orgName: "Recon", email: "ops@recon.test" });
	requester = { orgId: boot.orgId, userId: boot.userId };
});

afterAll(async () => {
	await redis.flushdb();
	await queue.close();
	redis.disconnect();
	await database.close();
	await testDb.drop();
});

const scan = (priority: "high" | "medium" | "low") =>
	createSensorAndExecute(deps, requester, {
		sensorType: "GIT Sensor",
		sensorName: `s-${newObjectId()}`,
		sensorConfig: { url: "https://git.example.com/r.git" },
		priority,
		callbackId: null,
		incrementalScan: false,
		autoResolutionInterval: null,
		labels: [],
	});

describe("reconcileQueuedExecutions", () => {
	it("re-enqueues every queued execution after a Redis FLUSHDB, with its priority, exactly once", async () => {
		const created = await Promise.all([scan("high"), scan("low"), scan("medium"), scan("low")]);
		await redis.flushdb();
		for (const { executionId } of created) expect(await queue.jobState(executionId)).toBe("missing");

		const first = await reconcileQueuedExecutions({ db: database.db, queue }, { graceMs: 0, batchSize: 100 });
		expect(first.ran).toBe(true);
		expect(new Set(first.reenqueued)).toEqual(new Set(created.map((c) => c.executionId)));
		for (const { executionId } of created) expect(await queue.jobState(executionId)).toBe("prioritized");
		expect(await queue.depthByPriority()).toEqual({ high: 1, medium: 1, low: 2 });

		const second = await reconcileQueuedExecutions({ db: database.db, queue }, { graceMs: 0, batchSize: 100 });
		expect(second.reenqueued).toEqual([]);
		expect(await queue.depthByPriority()).toEqual({ high: 1, medium: 1, low: 2 });
	});

	it("recovers an execution committed but never enqueued (crash between commit and add)", async () => {
		const { executionId } = await scan("high");
		await queue.removeJob(executionId);
		const orphan = newObjectId();
		const [template] = await database.db.select().from(executions).limit(1);
		if (!template) throw new Error("no execution");
		await database.db
			.insert(executions)
			.values({ ...template, id: orphan, status: "queued", ranAt: new Date(Date.now() - 120_000) });
		const result = await reconcileQueuedExecutions({ db: database.db, queue }, { graceMs: 60_000, batchSize: 100 });
		// The fresh one is inside the grace period: its enqueue may still be in flight.
		expect(result.reenqueued).toEqual([orphan]);
	});

	it("leaves finished executions alone and replaces a finished job whose row is still queued", async () => {
		await database.db.update(executions).set({ status: "successful" });
		const done = await scan("high");
		await database.db.update(executions).set({ status: "successful" }).where(eq(executions.id, done.executionId));
		const { executionId } = await scan("low");
		await redis.flushdb();
		await queue.queue.add(
			"execution",
			{ executionId },
			{ jobId: executionJobId(executionId), priority: 3, removeOnComplete: false },
		);
		const connection = createWorkerConnection(FLUSHABLE_REDIS_URL);
		const worker = new Worker(EXECUTIONS_QUEUE, async () => {}, { connection, prefix: queue.queue.opts.prefix });
		await new Promise<void>((resolve) => worker.once("completed", () => resolve()));
		await worker.close();
		connection.disconnect();
		expect(await queue.jobState(executionId)).toBe("completed");

		const result = await reconcileQueuedExecutions({ db: database.db, queue }, { graceMs: 0, batchSize: 100 });
		expect(result.reenqueued).toEqual([executionId]);
		expect(await queue.jobState(executionId)).toBe("prioritized");
		expect(await queue.jobState(done.executionId)).toBe("missing");
	});

	it("is safe on several hosts at once: concurrent rounds enqueue each execution once", async () => {
		await database.db.update(executions).set({ status: "successful" });
		const created = await Promise.all([scan("low"), scan("low"), scan("high")]);
		await redis.flushdb();
		const hosts = [
			{ db: createDatabase(testDb.url, { max: 2 }), redis: createProducerConnection(FLUSHABLE_REDIS_URL) },
			{ db: createDatabase(testDb.url, { max: 2 }), redis: createProducerConnection(FLUSHABLE_REDIS_URL) },
			{ db: createDatabase(testDb.url, { max: 2 }), redis: createProducerConnection(FLUSHABLE_REDIS_URL) },
		];
		const results = await Promise.all(
			hosts.map((host) =>
				reconcileQueuedExecutions(
					{ db: host.db.db, queue: new ExecutionQueue(host.redis, queue.queue.opts.prefix as string) },
					{ graceMs: 0, batchSize: 100 },
				),
			),
		);
		const all = results.flatMap((r) => r.reenqueued);
		expect(all.sort()).toEqual(created.map((c) => c.executionId).sort());
		expect((await queue.depthByPriority()).low + (await queue.depthByPriority()).high).toBe(3);
		for (const host of hosts) {
			host.redis.disconnect();
			await host.db.close();
		}
	});
});
