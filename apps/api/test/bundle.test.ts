import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@sensorium/testing";
import { afterAll, beforeAll, expect, it } from "vitest";

// The container images run these bundles with plain node (no tsx, no node_modules).
const root = fileURLToPath(new URL("../../../", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "sensorium-bundle-"));
let testDb: TestDatabase;

beforeAll(async () => {
	testDb = await createTestDatabase();
	execFileSync(process.execPath, [join(root, "scripts/build.mjs"), out], { cwd: root });
});
afterAll(async () => {
	rmSync(out, { recursive: true, force: true });
	await testDb.drop();
});

it("the migrate and api bundles run with plain node, outside the repository", async () => {
	const env = {
		...process.env,
		DATABASE_URL: testDb.url,
		SENSORIUM_MIGRATIONS_DIR: join(root, "packages/db/drizzle"),
		NODE_PATH: "",
	};
	execFileSync(process.execPath, [join(out, "migrate.mjs")], { cwd: out, env });
	const port = String(19_000 + Math.floor(Math.random() * 1000));
	const api = spawn(process.execPath, [join(out, "api.mjs")], {
		cwd: out,
		env: { ...env, PORT: port, HOST: "127.0.0.1", LOG_LEVEL: "error" },
	});
	try {
		let status = 0;
		for (let i = 0; i < 50 && status !== 200; i++) {
			await new Promise((r) => setTimeout(r, 200));
			status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
				(r) => r.status,
				() => 0,
			);
		}
		expect(status).toBe(200);
		const unauthorized = await fetch(`http://127.0.0.1:${port}/v3/scan/6b09d8a7197f6b4c7e9999b1`);
		expect(unauthorized.status).toBe(401);
		// The console is built next to the bundle, where the API looks for it by default.
		const console = await fetch(`http://127.0.0.1:${port}/console/`);
		expect(console.status).toBe(200);
		expect(await console.text()).toContain('<div id="root">');
	} finally {
		api.kill("SIGTERM");
		expect(await new Promise((r) => api.once("exit", r))).toBe(0);
	}
});

it("the worker and dispatcher bundles start and report ready", async () => {
	const env = { ...process.env, DATABASE_URL: testDb.url, QUEUE_PREFIX: `bundle-${process.pid}`, LOG_LEVEL: "error" };
	for (const [bundle, portVariable] of [
		["worker.mjs", "WORKER_HEALTH_PORT"],
		["dispatcher.mjs", "DISPATCHER_HEALTH_PORT"],
	] as const) {
		const port = String(19_000 + Math.floor(Math.random() * 1000));
		const child = spawn(process.execPath, [join(out, bundle)], { cwd: out, env: { ...env, [portVariable]: port } });
		try {
			let status = 0;
			for (let i = 0; i < 50 && status !== 200; i++) {
				await new Promise((r) => setTimeout(r, 200));
				status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
					(r) => r.status,
					() => 0,
				);
			}
			expect(status, bundle).toBe(200);
		} finally {
			child.kill("SIGTERM");
			expect(await new Promise((r) => child.once("exit", r)), bundle).toBe(0);
		}
	}
});
