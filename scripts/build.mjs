#!/usr/bin/env node
// `npm run build`: one self-contained ESM bundle per process under dist/, run with plain `node`
// (what the container images ship). Development and tests run the TypeScript through tsx instead.
import { resolve } from "node:path";
import { build } from "esbuild";
import { buildConsole } from "./console-build.mjs";

const entries = {
	api: "apps/api/src/main.ts",
	worker: "apps/worker/src/main.ts",
	// The worker's discovery threads load it from next to worker.mjs (packages/scanner/src/discovery-pool.ts).
	"discovery-thread": "packages/scanner/src/discovery-thread.ts",
	dispatcher: "apps/dispatcher/src/main.ts",
	exporter: "apps/exporter/src/main.ts",
	migrate: "packages/db/src/migrate-cli.ts",
};

const outdir = process.argv[2] ?? "dist";

await build({
	entryPoints: entries,
	outdir,
	outExtension: { ".js": ".mjs" },
	bundle: true,
	platform: "node",
	target: "node20",
	format: "esm",
	sourcemap: true,
	logLevel: "warning",
	// Optional accelerators and plugins stay optional: loaded at run time if installed, else skipped
	// (msgpackr and pg natives; the CycloneDX library's XML and schema-validation plugins).
	external: [
		"msgpackr-extract",
		"pg-native",
		"xmlbuilder2",
		"libxmljs2",
		"ajv",
		"ajv-formats",
		"ajv-formats-draft2019",
	],
	// Bundled CommonJS dependencies use require() and __dirname; give the ESM bundle both.
	banner: {
		js: [
			"import { createRequire as __sensoriumRequire } from 'node:module';",
			"import { fileURLToPath as __sensoriumPath } from 'node:url';",
			"import { dirname as __sensoriumDirname } from 'node:path';",
			"const require = __sensoriumRequire(import.meta.url);",
			"const __filename = __sensoriumPath(import.meta.url);",
			"const __dirname = __sensoriumDirname(__filename);",
		].join(" "),
	},
});
console.log(
	`built ${Object.keys(entries)
		.map((name) => `${outdir}/${name}.mjs`)
		.join(", ")}`,
);

// The web console, served by the API under /console: next to api.mjs, where the bundle looks for it.
if (!buildConsole(resolve(outdir, "console"))) process.exit(1);
console.log(`built ${outdir}/console`);
