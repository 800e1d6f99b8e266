// Entry of each discovery thread (see discovery-pool.ts): builds the pipeline once, then inspects one file per
// message. Bundled on its own as dist/discovery-thread.mjs; run from source through tsx.
import { parentPort, workerData } from "node:worker_threads";
import { inspectFile, type Pipeline, readLocalFile } from "./file-scan.ts";
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
	let bytes: Buffer;
	if ("localPath" in request.source) {
		const read = readLocalFile(request.path, request.source.localPath);
		if ("report" in read) return port.postMessage({ id: request.id, report: read.report } satisfies ThreadResponse);
		bytes = read.bytes;
	} else {
		const view = request.source.bytes;
		bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
	}
	const response: ThreadResponse = {
		id: request.id,
		report: inspectFile(request.path, bytes, pipeline, request.options),
	};
	port.postMessage(response);
});
port.postMessage({ ready: true });
