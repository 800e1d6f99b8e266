#!/usr/bin/env node
// `npm start`: migrate, then run every Sensorium process of this checkout in the foreground, the
// way a laptop or a single VM runs it. Production deploys the roles separately (npm run start:api,
// start:worker, start:dispatcher, or the compose file).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ensureLocalServices } from "./local-services.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
// The OpenSearch exporter runs only where a cluster is configured (it exits at once without one).
const roles = ["api", "worker", "dispatcher", ...(process.env.OPENSEARCH_URL ? ["exporter"] : [])].filter((role) =>
	existsSync(`${root}apps/${role}/src/main.ts`),
);

// The API serves the web console from apps/console/dist; build it once for a fresh checkout.
if (!existsSync(`${root}apps/console/dist/index.html`)) {
	console.error("[start] building the web console (apps/console/dist)");
	const { build } = await import("vite");
	await build({ root: `${root}apps/console`, logLevel: "warn" });
}

const services = await ensureLocalServices({ root, log: (line) => console.error(`[start] ${line}`) });

const migrate = spawnSync(process.execPath, ["--import", "tsx", "packages/db/src/migrate-cli.ts"], {
	cwd: root,
	stdio: "inherit",
});
if (migrate.status !== 0) {
	for (const service of services) service.kill("SIGTERM");
	process.exit(migrate.status ?? 1);
}

const children = roles.map((role) => {
	const child = spawn(process.execPath, ["--import", "tsx", `apps/${role}/src/main.ts`], {
		cwd: root,
		stdio: ["ignore", "inherit", "inherit"],
	});
	child.on("exit", (code, signal) => {
		if (!stopping) {
			console.error(`[start] ${role} exited (${signal ?? code}); stopping the others`);
			stop("SIGTERM");
			process.exitCode = code ?? 1;
		}
	});
	return child;
});
console.error(`[start] running ${roles.join(", ")}; Ctrl-C stops them all`);

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
