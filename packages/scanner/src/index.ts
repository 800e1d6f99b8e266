export { DiscoveryPool, type DiscoveryPoolOptions } from "./discovery-pool.ts";
export { SCAN_ERRORS } from "./errors.ts";
export { createExecutionWorker, type ExecutionWorkerOptions } from "./execution-worker.ts";
export {
	type Analyzer,
	createDetector,
	type Detector,
	type Discovery,
	type DiscoveryService,
	type FileReport,
	type Pipeline,
	type ScanOptions,
} from "./file-scan.ts";
export { createPipeline, type PipelineSettings } from "./pipeline.ts";
export { type RunResult, runExecution, type ScannerDeps } from "./run-execution.ts";
export { removeOrphanedWorkDirs } from "./work-dirs.ts";
