// The one place the web console is built to: dist/console of the checkout. `npm start`,
// `npm run start:api`, `npm run build` and the container images all serve it from there.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export const CONSOLE_DIST_DIR = `${root}dist/console`;

/**
 * Runs `vite build` in a child process: Vite sets NODE_ENV=production in the process that builds,
 * and that must not leak into the caller (or the roles it starts). Returns whether it succeeded.
 */
export function buildConsole(outDir = CONSOLE_DIST_DIR) {
	const vite = `${root}node_modules/vite/bin/vite.js`;
	const result = spawnSync(
		process.execPath,
		[vite, "build", "--logLevel", "warn", "--outDir", outDir, "--emptyOutDir"],
		{ cwd: `${root}apps/console`, stdio: "inherit" },
	);
	return result.status === 0;
}
