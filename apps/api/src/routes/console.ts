import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";

export const CONSOLE_PATH = "/console";

/**
 * Where the console is built to: `console/` next to the bundled api.mjs (`npm run build`, the
 * image), else the checkout's dist/console (`npm start`, `npm run start:api` from the sources).
 */
export function defaultConsoleDir(moduleUrl: string): string {
	const candidates = [new URL("./console", moduleUrl), new URL("../../../dist/console", moduleUrl)].map((url) =>
		fileURLToPath(url),
	);
	return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? (candidates[1] as string);
}

export const CONSOLE_NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sensorium console not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The web console has not been built</h1>
<p>Build it once from the checkout, then reload this page (no restart needed):</p>
<pre>npm run build -w @sensorium/console</pre>
<p><code>npm start</code> builds it on its first run; <code>npm run build</code> builds it with the bundles.
The API under <code>/v3</code> works without it.</p>
</body></html>
`;

/**
 * Serves the built web console under /console, so one deployment serves both; any other path
 * below it gets index.html, where the console's own router takes over. Until it is built, every
 * console path answers a short page saying how to build it; the check is repeated per request so
 * a build made while the API runs is picked up.
 */
export function registerConsole(app: Hono<AppEnv>, dir: string) {
	const index = join(dir, "index.html");
	let built = existsSync(index);
	const notBuilt = () => {
		if (!built) built = existsSync(index);
		return !built;
	};
	app.get(CONSOLE_PATH, (c) => (notBuilt() ? c.html(CONSOLE_NOT_BUILT_PAGE, 503) : c.redirect(`${CONSOLE_PATH}/`)));
	app.use(`${CONSOLE_PATH}/*`, async (c, next) => {
		if (notBuilt()) return c.html(CONSOLE_NOT_BUILT_PAGE, 503);
		await next();
	});
	app.use(
		`${CONSOLE_PATH}/*`,
		serveStatic({ root: dir, rewriteRequestPath: (path) => path.slice(CONSOLE_PATH.length) || "/" }),
	);
	app.get(`${CONSOLE_PATH}/*`, serveStatic({ path: index }));
}
