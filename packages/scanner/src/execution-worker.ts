import { EXECUTIONS_QUEUE, executionJobSchema, queueKeyPrefix, type RedisConnection } from "@sensorium/queue";
import { DelayedError, Worker } from "bullmq";
import { type RunResult, runExecution, type ScannerDeps } from "./run-execution.ts";

export interface ExecutionWorkerOptions {
	connection: RedisConnection;
	prefix: string;
	concurrency: number;
	/** BullMQ job lock; renewed at half this period while the event loop is free. */
	lockDurationMs: number;
	stalledIntervalMs: number;
	/**
	 * A job whose worker died is retried this many times before BullMQ fails it for good; raised
	 * from BullMQ's default of 1 so that a rolling deploy killing a worker twice loses nothing.
	 */
	maxStalledCount: number;
	deps: ScannerDeps;
	/** Aborted when the process must hand running scans back (shutdown deadline). */
	shutdown: AbortSignal;
}

/** A BullMQ worker on the executions queue whose processor is runExecution. */
export function createExecutionWorker(options: ExecutionWorkerOptions): Worker {
	const worker = new Worker(
		EXECUTIONS_QUEUE,
		async (job, token): Promise<RunResult> => {
			const { executionId } = executionJobSchema.parse(job.data);
			const result = await runExecution(options.deps, executionId, options.shutdown);
			if (result.outcome === "retry") {
				// Back to the queue without spending an attempt; another worker (or this one) takes it later.
				await job.moveToDelayed(Date.now() + result.afterMs, token);
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
	worker.on("error", (error) => options.deps.logger.error({ err: error }, "worker error"));
	worker.on("failed", (job, error) =>
		options.deps.logger.warn(
			{ executionId: job?.data.executionId, err: error },
			"execution job failed; the queue retries it",
		),
	);
	worker.on("stalled", (jobId) => options.deps.logger.warn({ jobId }, "job stalled; it will be processed again"));
	return worker;
}
