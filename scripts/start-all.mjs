#!/usr/bin/env node
// `npm start`: migrate, then run every Sensorium process of this checkout in the foreground, the
// way a laptop or a single VM runs it. Production deploys the roles separately (npm run start:api,
// start:worker, start:dispatcher, or the compose file).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildConsole, CONSOLE_DIST_DIR } from "./console-build.mjs";
import { ensureLocalServices } from "./local-services.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
// The OpenSearch exporter runs only where a cluster is configured (it exits at once without one).
const roles = ["api", "worker", "dispatcher", ...(process.env.OPENSEARCH_URL ? ["exporter"] : [])].filter((role) =>
	existsSync(`${root}apps/${role}/src/main.ts`),
);
const log = (line) => console.error(`[start] ${line}`);

// Taken before anything else runs, so no build step can change what the roles see (Vite's build
// sets NODE_ENV=production in the process that calls it, which made the roles demand a secret key).
const roleEnv = { ...process.env };

// Single-machine mode: the Filesystem Sensor may read the demo's directory (`npx sensorium demo`);
// separately started workers read nothing unless SENSOR_FS_ROOTS says so.
const demoRoot = resolve(root, process.env.SENSORIUM_DATA_DIR ?? ".data", "demo");
mkdirSync(demoRoot, { recursive: true });
roleEnv.SENSOR_FS_ROOTS = [roleEnv.SENSOR_FS_ROOTS, demoRoot].filter(Boolean).join(",");

const consoleDir = roleEnv.CONSOLE_DIST_DIR || CONSOLE_DIST_DIR;
if (!existsSync(`${consoleDir}/index.html`)) {
	log(`building the web console into ${consoleDir}`);
	if (!buildConsole(consoleDir)) log("the console did not build; the API answers /console with how to build it");
}

const services = await ensureLocalServices({ root, log });

const migrate = spawnSync(process.execPath, ["--import", "tsx", "packages/db/src/migrate-cli.ts"], {
	cwd: root,
	env: roleEnv,
	stdio: "inherit",
});
if (migrate.status !== 0) {
	for (const service of services) service.kill("SIGTERM");
	process.exit(migrate.status ?? 1);
}

const children = roles.map((role) => {
	const child = spawn(process.execPath, ["--import", "tsx", `apps/${role}/src/main.ts`], {
		cwd: root,
		env: roleEnv,
		stdio: ["ignore", "inherit", "inherit"],
	});
	child.on("exit", (code, signal) => {
		if (!stopping) {
			log(`${role} exited (${signal ?? code}); stopping the others`);
			stop("SIGTERM");
			process.exitCode = code ?? 1;
		}
	});
	return child;
});
log(`single-machine mode: the Filesystem Sensor may read ${demoRoot} (for \`npx sensorium demo\`)`);
log(`running ${roles.join(", ")} on http://localhost:${roleEnv.PORT ?? 8080}; Ctrl-C stops them all`);

let stopping = false;
function stop(signal) {
	stopping = true;
	for (const child of children) if (child.exitCode === null) child.kill(signal);
	// Private Postgres/Redis go last, once the apps have closed their connections.
	Promise.all(
		children.map((child) => (child.exitCode === null ? new Promise((r) => child.once("exit", r)) : null)),
	).then(() => {
		for (const service of services) service.kill("SIGTERM");
	});
}
process.on("SIGINT", () => stop("SIGTERM"));
process.on("SIGTERM", () => stop("SIGTERM"));
