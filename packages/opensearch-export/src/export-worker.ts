import { createJobWorker, EXPORTS_QUEUE, exportJobSchema, type RedisConnection } from "@sensorium/queue";
import type { Worker } from "bullmq";
import { type ExporterDeps, runExport, type TemplateInstaller } from "./processor.ts";

export interface ExportWorkerOptions {
	connection: RedisConnection;
	prefix: string;
	concurrency: number;
	lockDurationMs: number;
	stalledIntervalMs: number;
	deps: ExporterDeps;
	templates: TemplateInstaller;
	/** Told when an export ends for good, either way. */
	onFinished?: (outcome: "done" | "failed") => void;
}

/** A BullMQ worker on the exports queue whose processor is runExport. */
export function createExportWorker(options: ExportWorkerOptions): Worker {
	return createJobWorker({
		queueName: EXPORTS_QUEUE,
		schema: exportJobSchema,
		process: async ({ exportId }) => {
			const result = await runExport(options.deps, options.templates, exportId);
			if (result.outcome === "done" || result.outcome === "failed") options.onFinished?.(result.outcome);
			return result;
		},
		connection: options.connection,
		prefix: options.prefix,
		concurrency: options.concurrency,
		lockDurationMs: options.lockDurationMs,
		stalledIntervalMs: options.stalledIntervalMs,
		// An exporter killed mid-export must not fail the export for good: the row decides.
		maxStalledCount: 10,
		logger: options.deps.logger,
	});
}
