#!/usr/bin/env node
// `npm run build`: one self-contained ESM bundle per process under dist/, run with plain `node`
// (what the container images ship). Development and tests run the TypeScript through tsx instead.
import { build } from "esbuild";

const entries = {
	api: "apps/api/src/main.ts",
	worker: "apps/worker/src/main.ts",
	dispatcher: "apps/dispatcher/src/main.ts",
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
	// Optional native accelerators stay optional: they are loaded at run time if installed.
	external: ["msgpackr-extract", "pg-native"],
	// Some bundled CommonJS dependencies call require(); give the ESM bundle one.
	banner: {
		js: "import { createRequire as __sensoriumRequire } from 'node:module'; const require = __sensoriumRequire(import.meta.url);",
	},
});
console.log(
	`built ${Object.keys(entries)
		.map((name) => `${outdir}/${name}.mjs`)
		.join(", ")}`,
);
