import { OBJECT_ID_PATTERN } from "@sensorium/ids";
import { type JobsOptions, Queue } from "bullmq";
import { z } from "zod";
import { queueKeyPrefix, type RedisConnection } from "./connections.ts";

export const CALLBACKS_QUEUE = "callbacks";

export const deliveryJobSchema = z.strictObject({ deliveryId: z.string().regex(OBJECT_ID_PATTERN) });
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

/**
 * One job per attempt: the id names the delivery and how many attempts it had, so re-adding the
 * same attempt (reconciler, duplicate finish) is a no-op while a later attempt gets a fresh job.
 */
export function deliveryJobId(deliveryId: string, attemptsMade: number): string {
	return `cb_${deliveryId}_${attemptsMade}`;
}

// The retry schedule lives in Postgres (the delivery row), not in BullMQ attempts: one retry layer.
export const deliveryJobOptions: JobsOptions = {
	attempts: 3,
	backoff: { type: "exponential", delay: 2_000 },
	removeOnComplete: { age: 3600, count: 10_000 },
	removeOnFail: { age: 7 * 24 * 3600 },
};

/** The "callbacks" queue: each job is one attempt of one delivery (a completion callback to one endpoint). */
export class CallbackQueue {
	readonly queue: Queue<DeliveryJob>;

	constructor(connection: RedisConnection, prefix: string) {
		this.queue = new Queue<DeliveryJob>(CALLBACKS_QUEUE, {
			connection,
			prefix: queueKeyPrefix(connection, prefix),
			defaultJobOptions: deliveryJobOptions,
		});
		this.queue.on("error", () => {});
	}

	async enqueueDelivery(deliveryId: string, attemptsMade: number, delayMs = 0): Promise<void> {
		await this.queue.add("delivery", deliveryJobSchema.parse({ deliveryId }), {
			jobId: deliveryJobId(deliveryId, attemptsMade),
			delay: Math.max(0, Math.round(delayMs)),
		});
	}

	async hasLiveJob(deliveryId: string, attemptsMade: number): Promise<boolean> {
		const state = await this.queue.getJobState(deliveryJobId(deliveryId, attemptsMade));
		return state === "waiting" || state === "active" || state === "delayed" || state === "prioritized";
	}

	async removeJob(deliveryId: string, attemptsMade: number): Promise<void> {
		await this.queue.remove(deliveryJobId(deliveryId, attemptsMade));
	}

	/** Jobs per state, for metrics. */
	counts(): Promise<Record<string, number>> {
		return this.queue.getJobCounts("waiting", "active", "delayed", "failed");
	}

	close(): Promise<void> {
		return this.queue.close();
	}
}
