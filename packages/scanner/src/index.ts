export { SCAN_ERRORS } from "./errors.ts";
export { createExecutionWorker, type ExecutionWorkerOptions } from "./execution-worker.ts";
export {
	type Analyzer,
	createDetector,
	type Detector,
	type FileScan,
	type ScanOptions,
	scanFile,
} from "./file-scan.ts";
export { detectionFingerprint, LAYER_RETENTION_DAYS } from "./layer-cache.ts";
export { type RunResult, runExecution, type ScannerDeps } from "./run-execution.ts";
export { removeOrphanedWorkDirs } from "./work-dirs.ts";
