import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rsaPrivateKeyPem, tempDir } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

const BIN = fileURLToPath(new URL("../../cli/bin/sensorium.mjs", import.meta.url));
const dir = tempDir("cli-scan");
let h: ScanHarness;
let apiUrl: string;
const healthPort = String(19_400 + Math.floor(Math.random() * 500));

beforeAll(async () => {
	h = await createScanHarness(dir.path);
	apiUrl = await h.listen();
	h.startWorker({ WORKER_HEALTH_PORT: healthPort });
	const { mkdirSync, writeFileSync } = await import("node:fs");
	mkdirSync(`${dir.path}/code`);
	writeFileSync(`${dir.path}/code/key.pem`, rsaPrivateKeyPem());
});
afterAll(async () => {
	await h.close();
	dir.remove();
});

function sensorium(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			[BIN, ...args],
			{ env: { ...process.env, SENSORIUM_API_URL: apiUrl, SENSORIUM_API_TOKEN: h.token } },
			(error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
		);
	});
}

// Each step runs the CLI as its own process (node + tsx start-up), several per test: on a loaded CI machine that
// alone takes longer than the default 30 s.
describe("sensorium scan … against a running API", { timeout: 120_000 }, () => {
	it("create, wait (exit 0), status and findings", async () => {
		const config = JSON.stringify({ path: `${dir.path}/code` });
		const created = await sensorium(
			"scan",
			"create",
			"--type",
			"Filesystem Sensor",
			"--name",
			"cli",
			"--config",
			config,
			"--labels",
			"team=pki,env=ci",
			"--json",
		);
		expect(created.code).toBe(0);
		const { executionId, sensorId } = JSON.parse(created.stdout);
		const waited = await sensorium("scan", "wait", "--execution", executionId, "--interval", "0.2");
		expect(waited.code).toBe(0);
		expect(waited.stderr).toContain("successful");
		const status = JSON.parse((await sensorium("scan", "status", "--execution", executionId, "--json")).stdout);
		expect(status).toMatchObject({ status: "successful", labels: [{ team: "pki" }, { env: "ci" }] });
		const findings = JSON.parse((await sensorium("scan", "findings", "--execution", executionId, "--json")).stdout);
		expect(findings.findings.map((f: { kind: string }) => f.kind)).toEqual(["key"]);
		const cbomFile = `${dir.path}/cbom.json`;
		const cbom = await sensorium("scan", "cbom", "--execution", executionId, "--output", cbomFile, "--json");
		expect(JSON.parse(cbom.stdout)).toMatchObject({ output: cbomFile, components: expect.any(Number) });
		const { readFileSync } = await import("node:fs");
		const { validateCbom } = await import("@sensorium/cbom");
		const document = JSON.parse(readFileSync(cbomFile, "utf8"));
		expect(document).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
		expect((await validateCbom(document)).errors).toEqual([]);
		const again = await sensorium("scan", "execute", "--sensor", sensorId, "--json");
		expect(JSON.parse(again.stdout).executionId).toMatch(/^[0-9a-f]{24}$/);
	});

	it("wait exits 1 when the execution fails, so a pipeline can gate on it", async () => {
		const created = await sensorium(
			"scan",
			"create",
			"--type",
			"Filesystem Sensor",
			"--name",
			"outside",
			"--config",
			'{"path":"/etc"}',
			"--json",
		);
		const { executionId } = JSON.parse(created.stdout);
		const waited = await sensorium("scan", "wait", "--execution", executionId, "--interval", "0.2", "--json");
		expect(waited.code).toBe(1);
		expect(JSON.parse(waited.stdout)).toMatchObject({ status: "failed", errorCode: "FS-1001" });
		// The path is not a secret: the message names it, so the user knows what to fix.
		expect(JSON.parse(waited.stdout).message).toMatch(/^Path \/etc is outside the roots/);
	});

	it("the worker's /metrics counts finished executions by status and findings by type", async () => {
		const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
		expect(text).toMatch(/sensorium_executions_finished_total\{status="successful",role="worker"\} [1-9]/);
		expect(text).toMatch(/sensorium_executions_finished_total\{status="failed",role="worker"\} [1-9]/);
		expect(text).toMatch(/sensorium_findings_observed_total\{type="key",role="worker"\} [1-9]/);
		expect(text).toContain("sensorium_execution_duration_seconds_bucket");
		expect((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status).toBe(200);
	});

	it("reports API errors and missing tokens clearly", async () => {
		const bad = await sensorium("scan", "create", "--type", "Nope Sensor", "--name", "x", "--config", "{}", "--json");
		expect(bad.code).toBe(1);
		expect(JSON.parse(bad.stdout).message).toBe("Unknown sensorType: no matching record found for Nope Sensor.");
		const noToken = await new Promise<{ code: number; stdout: string }>((resolve) =>
			execFile(
				process.execPath,
				[BIN, "scan", "status", "--execution", "x", "--json"],
				{ env: { ...process.env, SENSORIUM_API_TOKEN: "" } },
				(e, stdout) => resolve({ code: e ? (e.code as number) : 0, stdout }),
			),
		);
		expect(noToken.code).toBe(2);
	});
});
