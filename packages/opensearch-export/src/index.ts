export { createOpenSearchClient, type OpenSearchSettings } from "./client.ts";
export type { FindingDocument } from "./documents.ts";
export { createExportWorker, type ExportWorkerOptions } from "./export-worker.ts";
export { findingIndexName, indexPrefixProblem } from "./indices.ts";
export { bulkNdjson } from "./ndjson-file.ts";
export { type ExportView, getExecutionExport, reconcileExports } from "./outbox.ts";
export {
	type ExporterDeps,
	type ExportMetricsSink,
	type ExportResult,
	runExport,
	TemplateInstaller,
} from "./processor.ts";
export type { Backoff } from "./retry.ts";
