import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "sensorium-data-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it("npm start on a fresh checkout builds the console without leaking NODE_ENV to the roles, starts private Postgres and Redis under the data folder, and serves the API", async () => {
	const port = 19_500 + Math.floor(Math.random() * 400);
	const pgPort = 55_000 + Math.floor(Math.random() * 400);
	const redisPort = 56_000 + Math.floor(Math.random() * 400);
	let output = "";
	// As in a shell: no NODE_ENV, which Vite's build would set to production for its own process.
	const { NODE_ENV: _unset, ...shellEnv } = process.env;
	const consoleDir = join(dataDir, "console");
	const child = spawn(process.execPath, [join(root, "scripts/start-all.mjs")], {
		cwd: root,
		env: {
			...shellEnv,
			CONSOLE_DIST_DIR: consoleDir,
			SENSORIUM_DATA_DIR: dataDir,
			DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/sensorium`,
			REDIS_URL: `redis://127.0.0.1:${redisPort}`,
			PORT: String(port),
			HOST: "127.0.0.1",
			WORKER_HEALTH_PORT: "0",
			DISPATCHER_HEALTH_PORT: "0",
			LOG_LEVEL: "warn",
		},
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	child.stdout?.on("data", (d) => {
		output += d;
	});
	child.stderr?.on("data", (d) => {
		output += d;
	});
	try {
		let status = 0;
		for (let i = 0; i < 450 && status !== 200; i++) {
			await new Promise((r) => setTimeout(r, 200));
			status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
				(r) => r.status,
				() => 0,
			);
		}
		expect(status, output).toBe(200);
		expect(output).toContain(`creating a private cluster in ${join(dataDir, "postgres")}`);
		expect(output).toContain(`starting a private one on port ${redisPort}`);
		expect(existsSync(join(dataDir, "postgres", "PG_VERSION"))).toBe(true);
		expect(output).toContain(`the Filesystem Sensor may read ${join(dataDir, "demo")}`);
		const index = await fetch(`http://127.0.0.1:${port}/console/`);
		expect(index.status).toBe(200);
		expect(await index.text()).toContain("<div id=");
		// Let the dispatcher and the worker finish starting: they used to exit on the leaked NODE_ENV.
		await new Promise((r) => setTimeout(r, 3000));
		expect(output).not.toMatch(/exited|SENSORIUM_SECRET_KEY: required/);
	} finally {
		const exited = new Promise((r) => child.once("exit", r));
		process.kill(-(child.pid as number), "SIGTERM");
		await exited;
		// Let the private Postgres finish its shutdown before the folder goes.
		for (let i = 0; i < 50 && existsSync(join(dataDir, "postgres", "postmaster.pid")); i++)
			await new Promise((r) => setTimeout(r, 100));
	}
}, 150_000);
