import { OBJECT_ID_PATTERN } from "@sensorium/ids";
import { type JobsOptions, Queue } from "bullmq";
import { z } from "zod";
import { queueKeyPrefix, type RedisConnection } from "./connections.ts";

export const EXPORTS_QUEUE = "exports";

export const exportJobSchema = z.strictObject({ exportId: z.string().regex(OBJECT_ID_PATTERN) });
export type ExportJob = z.infer<typeof exportJobSchema>;

/** One job per attempt, like callback deliveries: re-adding the same attempt is a no-op. */
export function exportJobId(exportId: string, attempts: number): string {
	return `exp_${exportId}_${attempts}`;
}

// Retries are decided from the export row in Postgres; BullMQ's attempts only cover a crashed handler.
export const exportJobOptions: JobsOptions = {
	attempts: 3,
	backoff: { type: "exponential", delay: 2_000 },
	removeOnComplete: { age: 3600, count: 10_000 },
	removeOnFail: { age: 7 * 24 * 3600 },
};

export class ExportQueue {
	readonly queue: Queue<ExportJob>;

	constructor(connection: RedisConnection, prefix: string) {
		this.queue = new Queue<ExportJob>(EXPORTS_QUEUE, {
			connection,
			prefix: queueKeyPrefix(connection, prefix),
			defaultJobOptions: exportJobOptions,
		});
		this.queue.on("error", () => {});
	}

	async enqueueExport(exportId: string, attempts: number, delayMs = 0): Promise<void> {
		await this.queue.add("export", exportJobSchema.parse({ exportId }), {
			jobId: exportJobId(exportId, attempts),
			delay: Math.max(0, Math.round(delayMs)),
		});
	}

	async hasLiveJob(exportId: string, attempts: number): Promise<boolean> {
		const state = await this.queue.getJobState(exportJobId(exportId, attempts));
		return state === "waiting" || state === "active" || state === "delayed" || state === "prioritized";
	}

	async removeJob(exportId: string, attempts: number): Promise<void> {
		await this.queue.remove(exportJobId(exportId, attempts));
	}

	counts(): Promise<Record<string, number>> {
		return this.queue.getJobCounts("waiting", "active", "delayed", "failed");
	}

	close(): Promise<void> {
		return this.queue.close();
	}
}
