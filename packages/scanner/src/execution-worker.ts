import { createJobWorker, EXECUTIONS_QUEUE, executionJobSchema, type RedisConnection } from "@sensorium/queue";
import type { Worker } from "bullmq";
import { type RunResult, runExecution, type ScannerDeps } from "./run-execution.ts";

export interface ExecutionWorkerOptions {
	connection: RedisConnection;
	prefix: string;
	concurrency: number;
	/** BullMQ job lock; renewed at half this period while the event loop is free. */
	lockDurationMs: number;
	stalledIntervalMs: number;
	/** Raised from BullMQ's default of 1 so that a rolling deploy killing a worker twice loses nothing. */
	maxStalledCount: number;
	deps: ScannerDeps;
	/** Aborted when the process must hand running scans back (shutdown deadline). */
	shutdown: AbortSignal;
}

/** A BullMQ worker on the executions queue whose processor is runExecution. */
export function createExecutionWorker(options: ExecutionWorkerOptions): Worker {
	return createJobWorker({
		queueName: EXECUTIONS_QUEUE,
		schema: executionJobSchema,
		process: ({ executionId }): Promise<RunResult> => runExecution(options.deps, executionId, options.shutdown),
		// Back to the queue without spending an attempt; another worker (or this one) takes it later.
		delayOf: (result) => (result.outcome === "retry" ? result.afterMs : undefined),
		connection: options.connection,
		prefix: options.prefix,
		concurrency: options.concurrency,
		lockDurationMs: options.lockDurationMs,
		stalledIntervalMs: options.stalledIntervalMs,
		maxStalledCount: options.maxStalledCount,
		logger: options.deps.logger,
	});
}
