export { SCAN_ERRORS } from "./errors.ts";
export { createExecutionWorker, type ExecutionWorkerOptions } from "./execution-worker.ts";
export { type RunResult, runExecution, type ScannerDeps, type ScanOptions } from "./run-execution.ts";
export { removeOrphanedWorkDirs } from "./work-dirs.ts";
