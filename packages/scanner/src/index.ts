export { DiscoveryPool, type DiscoveryPoolOptions } from "./discovery-pool.ts";
export { SCAN_ERRORS } from "./errors.ts";
export { createExecutionWorker, type ExecutionWorkerOptions } from "./execution-worker.ts";
export type { DiscoveryService, Pipeline, ScanOptions } from "./file-scan.ts";
export { detectionFingerprint, LAYER_RETENTION_DAYS } from "./layer-cache.ts";
export { createPipeline, type PipelineSettings } from "./pipeline.ts";
export { type RunResult, runExecution, type ScannerDeps } from "./run-execution.ts";
export { removeOrphanedWorkDirs } from "./work-dirs.ts";
