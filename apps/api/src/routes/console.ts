import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";

export const CONSOLE_PATH = "/console";

/**
 * Serves the built web console (apps/console/dist) under /console, so one deployment serves both;
 * any other path below it gets index.html, where the console's own router takes over.
 */
export function registerConsole(app: Hono<AppEnv>, dir: string) {
	if (!existsSync(join(dir, "index.html"))) return;
	app.get(CONSOLE_PATH, (c) => c.redirect(`${CONSOLE_PATH}/`));
	app.use(
		`${CONSOLE_PATH}/*`,
		serveStatic({ root: dir, rewriteRequestPath: (path) => path.slice(CONSOLE_PATH.length) || "/" }),
	);
	app.get(`${CONSOLE_PATH}/*`, serveStatic({ path: join(dir, "index.html") }));
}
