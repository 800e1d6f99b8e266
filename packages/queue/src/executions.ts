import { OBJECT_ID_PATTERN } from "@sensorium/ids";
import type { Priority } from "@sensorium/vocabulary";
import { type JobsOptions, Queue } from "bullmq";
import { z } from "zod";
import { queueKeyPrefix, type RedisConnection } from "./connections.ts";

export const EXECUTIONS_QUEUE = "executions";

export type { Priority } from "@sensorium/vocabulary";

/**
 * BullMQ runs lower numbers first and FIFO within one number; an unset priority would overtake
 * every prioritised job, so every add goes through this map.
 */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { high: 1, medium: 2, low: 3 };

/** Job data carries identifiers only: Redis is readable by whoever operates it. */
export const executionJobSchema = z.strictObject({ executionId: z.string().regex(OBJECT_ID_PATTERN) });
export type ExecutionJob = z.infer<typeof executionJobSchema>;

/** BullMQ job ids must not be all digits, which a hex ObjectId can be. */
export function executionJobId(executionId: string): string {
	return `exec_${executionId}`;
}

export const executionJobOptions: JobsOptions = {
	// Infrastructure failures (database down) are retried; scan failures are recorded, not thrown. A fixed step,
	// not an exponential one: once Postgres is back every waiting execution resumes within 5 s, not after a
	// backoff grown to 40 s by the outage. An outage longer than the attempts cover ends with failed jobs, and the
	// reconciler queues their executions again once Postgres answers.
	attempts: 12,
	backoff: { type: "fixed", delay: 5_000 },
	removeOnComplete: { age: 24 * 3600, count: 10_000 },
	removeOnFail: { age: 14 * 24 * 3600 },
};

export type ExecutionJobState =
	| "waiting"
	| "active"
	| "delayed"
	| "prioritized"
	| "waiting-children"
	| "completed"
	| "failed"
	| "missing";

export class ExecutionQueue {
	readonly queue: Queue<ExecutionJob>;

	constructor(connection: RedisConnection, prefix: string) {
		this.queue = new Queue<ExecutionJob>(EXECUTIONS_QUEUE, {
			connection,
			prefix: queueKeyPrefix(connection, prefix),
			defaultJobOptions: executionJobOptions,
		});
		this.queue.on("error", () => {});
	}

	/** Idempotent: while a job for this execution exists in Redis, adding it again does nothing. */
	async enqueueExecution(executionId: string, priority: Priority): Promise<void> {
		await this.queue.add("execution", executionJobSchema.parse({ executionId }), {
			jobId: executionJobId(executionId),
			priority: PRIORITY_RANK[priority],
		});
	}

	async jobState(executionId: string): Promise<ExecutionJobState> {
		const state = await this.queue.getJobState(executionJobId(executionId));
		return state === "unknown" ? "missing" : (state as ExecutionJobState);
	}

	/** Removes a finished job so the same id can be enqueued again. */
	async removeJob(executionId: string): Promise<void> {
		await this.queue.remove(executionJobId(executionId));
	}

	/** Waiting jobs by priority name, for metrics and the queue dashboard. */
	async depthByPriority(): Promise<Record<Priority, number>> {
		const counts = await this.queue.getCountsPerPriority(Object.values(PRIORITY_RANK));
		return {
			high: counts[String(PRIORITY_RANK.high)] ?? 0,
			medium: counts[String(PRIORITY_RANK.medium)] ?? 0,
			low: counts[String(PRIORITY_RANK.low)] ?? 0,
		};
	}

	/** Jobs per state, for metrics and autoscaling. */
	counts(): Promise<Record<string, number>> {
		return this.queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed");
	}

	close(): Promise<void> {
		return this.queue.close();
	}
}
