import { CALLBACKS_QUEUE, createJobWorker, deliveryJobSchema, type RedisConnection } from "@sensorium/queue";
import type { Worker } from "bullmq";
import { type DeliveryDeps, deliverCallback } from "./deliver-callback.ts";

export interface DeliveryWorkerOptions {
	connection: RedisConnection;
	prefix: string;
	concurrency: number;
	lockDurationMs: number;
	stalledIntervalMs: number;
	deps: DeliveryDeps;
}

/** A BullMQ worker on the callbacks queue whose processor is deliverCallback. */
export function createDeliveryWorker(options: DeliveryWorkerOptions): Worker {
	return createJobWorker({
		queueName: CALLBACKS_QUEUE,
		schema: deliveryJobSchema,
		process: ({ deliveryId }) => deliverCallback(options.deps, deliveryId),
		delayOf: (result) => (result.outcome === "later" ? result.afterMs : undefined),
		connection: options.connection,
		prefix: options.prefix,
		concurrency: options.concurrency,
		lockDurationMs: options.lockDurationMs,
		stalledIntervalMs: options.stalledIntervalMs,
		// A dispatcher killed mid-delivery must not fail the delivery for good: the row decides.
		maxStalledCount: 10,
		logger: options.deps.logger,
	});
}
