import type { FileReport, ScanOptions } from "./file-scan.ts";
import type { PipelineSettings } from "./pipeline.ts";

/** workerData of a discovery thread. */
export interface ThreadSettings {
	pipeline: PipelineSettings;
	/** A module URL exporting `createPipeline(settings)` to run instead of the built-in pipeline. */
	pipelineModule?: string;
}

export interface ThreadRequest {
	id: number;
	path: string;
	/** The file's bytes, or where the thread reads them itself. */
	source: { bytes: Uint8Array } | { localPath: string };
	options: ScanOptions;
}

export type ThreadResponse = { id: number; report: FileReport } | { ready: true };
