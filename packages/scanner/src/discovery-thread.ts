// Entry of each discovery thread (see discovery-pool.ts): builds the pipeline once, then inspects one file per
// message. Bundled on its own as dist/discovery-thread.mjs; run from source through tsx.
import { parentPort, workerData } from "node:worker_threads";
import { inspectFile, type Pipeline } from "./file-scan.ts";
import { createPipeline, type PipelineSettings } from "./pipeline.ts";
import type { ThreadRequest, ThreadResponse, ThreadSettings } from "./thread-protocol.ts";

const settings = workerData as ThreadSettings;
const port = parentPort;
if (!port) throw new Error("discovery-thread.ts runs as a worker thread of a DiscoveryPool");

const pipeline: Pipeline = settings.pipelineModule
	? ((await import(settings.pipelineModule)) as { createPipeline(s: PipelineSettings): Pipeline }).createPipeline(
			settings.pipeline,
		)
	: createPipeline(settings.pipeline);

port.on("message", (request: ThreadRequest) => {
	const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
	const response: ThreadResponse = {
		id: request.id,
		report: inspectFile(request.path, bytes, pipeline, request.options),
	};
	port.postMessage(response);
});
port.postMessage({ ready: true });
