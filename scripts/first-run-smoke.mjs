#!/usr/bin/env node
// CI's test of the README's first command: clone this checkout afresh, `npm ci`, `npm start` in
// the background (own port, database and queue prefix, so it cannot collide with the tests), wait
// for /readyz, run `npx sensorium demo` (a real scan to successful through the API), stop the whole
// process group. Exits non-zero on any failure; runs unattended with no stdin.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "sensorium-first-run-"));
const clone = join(work, "sensorium");
const database = `sensorium_first_run_${process.pid}`;
const log = (line) => console.error(`[first-run] ${line}`);

async function freePort() {
	const server = createServer().listen(0, "127.0.0.1");
	await new Promise((r) => server.once("listening", r));
	const { port } = server.address();
	await new Promise((r) => server.close(r));
	return port;
}

const port = await freePort();
const apiUrl = `http://127.0.0.1:${port}`;
// A shell's environment: nothing CI or a test runner set that npm start would not see on a laptop.
const { NODE_ENV: _nodeEnv, SENSORIUM_API_TOKEN: _token, ...shellEnv } = process.env;
const env = {
	...shellEnv,
	PORT: String(port),
	HOST: "127.0.0.1",
	DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
	QUEUE_PREFIX: `first-run-${process.pid}`,
	WORKER_HEALTH_PORT: "0",
	DISPATCHER_HEALTH_PORT: "0",
	LOG_LEVEL: "warn",
};

let system;
let failed = false;
try {
	log(`git clone ${source} ${clone}`);
	execFileSync("git", ["clone", "-q", source, clone], { stdio: ["ignore", "inherit", "inherit"] });
	log("npm ci");
	execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
		cwd: clone,
		env,
		stdio: ["ignore", "inherit", "inherit"],
	});

	log(`npm start (PORT=${port}, database ${database})`);
	system = spawn("npm", ["start"], { cwd: clone, env, stdio: ["ignore", "inherit", "inherit"], detached: true });
	const exited = new Promise((r) => system.once("exit", (code) => r(code)));
	let ready = false;
	const deadline = Date.now() + 180_000;
	while (!ready && Date.now() < deadline && system.exitCode === null) {
		await new Promise((r) => setTimeout(r, 500));
		ready = await fetch(`${apiUrl}/readyz`).then(
			(r) => r.ok,
			() => false,
		);
	}
	if (!ready) {
		throw new Error(
			system.exitCode === null ? "/readyz did not answer 200 within 180 s" : `npm start exited (${await exited})`,
		);
	}

	log("npx sensorium demo");
	const output = execFileSync("npx", ["--no-install", "sensorium", "demo", "--api-url", apiUrl, "--json"], {
		cwd: clone,
		env,
		stdio: ["ignore", "pipe", "inherit"],
		timeout: 300_000,
	}).toString();
	const result = JSON.parse(output);
	if (result.status !== "successful") throw new Error(`the demo scan ended ${result.status}`);
	log(`scan ${result.executionId} successful: ${JSON.stringify(result.findings)}`);
} catch (error) {
	failed = true;
	log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
} finally {
	if (system?.pid) {
		const group = -system.pid;
		const alive = () => {
			try {
				process.kill(group, 0);
				return true;
			} catch {
				return false;
			}
		};
		if (alive()) process.kill(group, "SIGTERM");
		// The roles shut down gracefully after npm itself has gone; wait for the whole group.
		for (let i = 0; i < 300 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
		if (alive()) {
			log("processes were still running 30 s after SIGTERM; killing them");
			process.kill(group, "SIGKILL");
			failed = true;
		}
	}
	try {
		execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-qc", `drop database if exists ${database}`], {
			stdio: "ignore",
		});
	} catch {
		log(`could not drop database ${database}`);
	}
	rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
