import { DelayedError, type Job, Worker } from "bullmq";
import type { z } from "zod";
import { queueKeyPrefix, type RedisConnection } from "./connections.ts";

export interface JobWorkerOptions<Schema extends z.ZodType, Result> {
	queueName: string;
	/** The job's data: ids only (secrets never go to Redis); a job that does not match fails. */
	schema: Schema;
	process(data: z.infer<Schema>): Promise<Result>;
	/** A result that means "not now": the job goes back to the queue for this long without spending an attempt. */
	delayOf?(result: Result): number | undefined;
	connection: RedisConnection;
	prefix: string;
	concurrency: number;
	/** BullMQ job lock; renewed at half this period while the event loop is free. */
	lockDurationMs: number;
	stalledIntervalMs: number;
	/**
	 * A job whose process died is processed again this many times before BullMQ fails it for good: Postgres rows
	 * decide what a job does, so a redelivered job is harmless and a rolling deploy must lose nothing.
	 */
	maxStalledCount: number;
	logger: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * The BullMQ worker every Sensorium queue runs: validated job data, delayed re-delivery for "not now", and logged
 * failures and stalls. What a job does lives in its processor (scanner, callback-delivery, opensearch-export).
 */
export function createJobWorker<Schema extends z.ZodType, Result>(
	options: JobWorkerOptions<Schema, Result>,
): Worker<unknown, Result> {
	const worker = new Worker<unknown, Result>(
		options.queueName,
		async (job: Job<unknown, Result>, token?: string): Promise<Result> => {
			const result = await options.process(options.schema.parse(job.data));
			const delayMs = options.delayOf?.(result);
			if (delayMs !== undefined) {
				await job.moveToDelayed(Date.now() + delayMs, token);
				throw new DelayedError();
			}
			return result;
		},
		{
			connection: options.connection,
			prefix: queueKeyPrefix(options.connection, options.prefix),
			concurrency: options.concurrency,
			lockDuration: options.lockDurationMs,
			stalledInterval: options.stalledIntervalMs,
			maxStalledCount: options.maxStalledCount,
		},
	);
	worker.on("error", (error) => options.logger.error({ err: error }, "worker error"));
	worker.on("failed", (job, error) =>
		options.logger.warn({ queue: options.queueName, job: job?.data, err: error }, "job failed"),
	);
	worker.on("stalled", (jobId) =>
		options.logger.warn({ queue: options.queueName, jobId }, "job stalled; it will be processed again"),
	);
	return worker;
}
