// A pipeline for discovery threads that misbehaves on chosen files, the way a parser bug on hostile input
// would: throws, kills its thread, or never returns. Every other file goes through the real pipeline.
import { createPipeline as createRealPipeline, type Pipeline, type PipelineSettings } from "../src/index.ts";

export function createPipeline(settings: PipelineSettings): Pipeline {
	const real = createRealPipeline(settings);
	return {
		...real,
		detect(path, bytes, options) {
			if (path.endsWith("throws.pem")) throw new TypeError("Cannot read properties of undefined (reading 'split')");
			if (path.endsWith("exits.pem")) process.exit(70);
			if (path.endsWith("hangs.pem")) for (;;);
			return real.detect(path, bytes, options);
		},
	};
}
