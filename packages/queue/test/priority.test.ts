import { TEST_REDIS_URL, uniqueQueuePrefix } from "@sensorium/testing";
import { Worker } from "bullmq";
import { afterAll, expect, it } from "vitest";
import {
	createProducerConnection,
	createWorkerConnection,
	EXECUTIONS_QUEUE,
	ExecutionQueue,
	executionJobId,
	executionJobSchema,
	type Priority,
} from "../src/index.ts";

const prefix = uniqueQueuePrefix("priority");
const producer = createProducerConnection(TEST_REDIS_URL);
const queue = new ExecutionQueue(producer, prefix);
const workerConnection = createWorkerConnection(TEST_REDIS_URL);

afterAll(async () => {
	await queue.queue.obliterate({ force: true });
	await queue.close();
	producer.disconnect();
	workerConnection.disconnect();
});

const hex = (n: number) => n.toString(16).padStart(24, "0");

it("one worker at concurrency 1 runs high, then medium, then low, each first-in first-out", async () => {
	const plan: Priority[] = [
		"low",
		"medium",
		"high",
		"low",
		"high",
		"medium",
		"low",
		"high",
		"medium",
		"low",
		"high",
		"medium",
	];
	const submitted = plan.map((priority, i) => ({ executionId: hex(i + 1), priority }));
	for (const job of submitted) await queue.enqueueExecution(job.executionId, job.priority);

	expect(await queue.depthByPriority()).toEqual({ high: 4, medium: 4, low: 4 });

	const order: string[] = [];
	const worker = new Worker(
		EXECUTIONS_QUEUE,
		async (job) => {
			order.push(job.data.executionId);
		},
		{ connection: workerConnection, prefix, concurrency: 1 },
	);
	await new Promise<void>((resolve) => {
		worker.on("completed", () => order.length === submitted.length && resolve());
	});
	await worker.close();

	const expected = (["high", "medium", "low"] as const).flatMap((p) =>
		submitted.filter((s) => s.priority === p).map((s) => s.executionId),
	);
	expect(order).toEqual(expected);
});

it("adding the same execution twice keeps one job", async () => {
	await queue.enqueueExecution(hex(999), "low");
	await queue.enqueueExecution(hex(999), "low");
	expect(await queue.depthByPriority()).toMatchObject({ low: 1 });
	expect(await queue.jobState(hex(999))).toBe("prioritized");
	expect(await queue.jobState(hex(998))).toBe("missing");
});

it("job data is identifiers only", async () => {
	await expect(queue.enqueueExecution("not-an-id", "low")).rejects.toThrow();
	expect(executionJobSchema.safeParse({ executionId: hex(5), config: { password: "x" } }).success).toBe(false);
	await queue.enqueueExecution(hex(6), "medium");
	expect((await queue.queue.getJob(executionJobId(hex(6))))?.data).toEqual({ executionId: hex(6) });
});
