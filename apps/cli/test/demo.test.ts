import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase, uniqueQueuePrefix } from "@sensorium/testing";
import { afterAll, beforeAll, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = join(root, "apps/cli/bin/sensorium.mjs");
const dataDir = mkdtempSync(join(tmpdir(), "sensorium-demo-"));
let testDb: TestDatabase;
let system: ReturnType<typeof spawn>;
let env: NodeJS.ProcessEnv;
let apiUrl: string;
let output = "";

async function freePort(): Promise<number> {
	const server = createServer().listen(0, "127.0.0.1");
	await new Promise((r) => server.once("listening", r));
	const { port } = server.address() as { port: number };
	await new Promise((r) => server.close(r));
	return port;
}

// The system started the way `npm start` starts it (single-machine mode), on private resources.
beforeAll(async () => {
	testDb = await createTestDatabase();
	const port = await freePort();
	apiUrl = `http://127.0.0.1:${port}`;
	const consoleDir = join(dataDir, "console");
	mkdirSync(consoleDir);
	writeFileSync(join(consoleDir, "index.html"), "<!doctype html><title>console</title>");
	env = {
		...process.env,
		SENSORIUM_DATA_DIR: dataDir,
		DATABASE_URL: testDb.url,
		REDIS_URL: TEST_REDIS_URL,
		QUEUE_PREFIX: uniqueQueuePrefix("demo"),
		CONSOLE_DIST_DIR: consoleDir,
		PORT: String(port),
		HOST: "127.0.0.1",
		WORKER_HEALTH_PORT: "0",
		DISPATCHER_HEALTH_PORT: "0",
		LOG_LEVEL: "warn",
		SENSORIUM_API_TOKEN: "",
	};
	system = spawn(process.execPath, [join(root, "scripts/start-all.mjs")], {
		cwd: root,
		env,
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	system.stdout?.on("data", (d) => {
		output += d;
	});
	system.stderr?.on("data", (d) => {
		output += d;
	});
	let status = 0;
	for (let i = 0; i < 300 && status !== 200; i++) {
		await new Promise((r) => setTimeout(r, 200));
		status = await fetch(`${apiUrl}/readyz`).then(
			(r) => r.status,
			() => 0,
		);
	}
	expect(status, output).toBe(200);
}, 90_000);

afterAll(async () => {
	if (system?.pid) {
		const exited = new Promise((r) => system.once("exit", r));
		process.kill(-system.pid, "SIGTERM");
		await exited;
	}
	await testDb?.drop();
	rmSync(dataDir, { recursive: true, force: true });
});

async function sensorium(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	try {
		const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env });
		return { code: 0, stdout, stderr };
	} catch (error) {
		const failed = error as { code: number; stdout: string; stderr: string };
		return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
	}
}

it("demo bootstraps a demo organisation, scans a planted repository to successful and reports what it found", async () => {
	const res = await sensorium("demo", "--api-url", apiUrl, "--json");
	expect(res.code, res.stdout + res.stderr + output).toBe(0);
	expect(res.stdout.trim().split("\n")).toHaveLength(1);
	const result = JSON.parse(res.stdout);
	expect(result).toMatchObject({ status: "successful", consoleUrl: `${apiUrl}/console/scans/${result.executionId}` });
	for (const kind of ["x509", "key", "keystore", "algorithm"]) expect(result.findings[kind], kind).toBeGreaterThan(0);
	const status = await fetch(`${apiUrl}/v3/scan/${result.executionId}`, {
		headers: {
			"isg-api-token": readFileSync(join(dataDir, "demo", "admin-token"), "utf8").trim(),
		},
	}).then((r) => r.json() as Promise<{ status: string }>);
	expect(status.status).toBe("successful");
}, 90_000);

it("runs again with the saved token and prints a table by kind and priority with the console URL", async () => {
	const res = await sensorium("demo", "--api-url", apiUrl);
	expect(res.code, res.stderr).toBe(0);
	expect(res.stdout).toMatch(/kind\s+critical\s+high\s+medium\s+low\s+info\s+total/);
	expect(res.stdout).toMatch(/^keystore\s+\d+/m);
	expect(res.stdout).toMatch(new RegExp(`${apiUrl}/console/scans/[0-9a-f]{24}`));
	// Not a terminal: plain progress lines, no carriage returns.
	expect(res.stderr).toMatch(/^successful \| \d+ files \| [\d.]+ MiB \| \d+ s$/m);
	expect(res.stderr).not.toContain("\r");
}, 90_000);

it("fails with exit 1 and says why when the token is refused", async () => {
	const res = await sensorium("demo", "--api-url", apiUrl, "--token", "isg_not_a_real_token", "--json");
	expect(res.code).toBe(1);
	expect(JSON.parse(res.stdout)).toMatchObject({ status: "failed" });
}, 60_000);
