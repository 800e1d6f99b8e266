export { BulkRequestFailed, type ItemResult, sendBulk } from "./bulk.ts";
export { createOpenSearchClient, type OpenSearchSettings } from "./client.ts";
export {
	type BulkItem,
	bulkItem,
	documentSource,
	type ExportedFinding,
	type FindingDocument,
	ndjsonBody,
} from "./documents.ts";
export {
	findingIndexName,
	INDEX_FAMILIES,
	InvalidIndexName,
	indexFamily,
	indexNameProblem,
	indexPrefixProblem,
	indexTemplate,
	indexTemplateName,
	organizationSegment,
} from "./indices.ts";
export { bulkNdjson } from "./ndjson-file.ts";
export {
	type ExportRow,
	type ExportView,
	exportTarget,
	getExecutionExport,
	getExport,
	reconcileExports,
} from "./outbox.ts";
export {
	chunkBySize,
	type ExporterDeps,
	type ExportMetricsSink,
	type ExportResult,
	runExport,
	TemplateInstaller,
} from "./processor.ts";
export { type Backoff, backoffDelay, isRetryableStatus } from "./retry.ts";
