import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executions, findings } from "@sensorium/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rsaPrivateKeyPem, tempDir, waitFor } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

const dir = tempDir("resilience");
const tree = join(dir.path, "tree");
const KEYS = 20;
let h: ScanHarness;

beforeAll(async () => {
	h = await createScanHarness(dir.path);
	// Big enough that a scan is still running when the test interrupts it.
	const filler = `${"const value = 'lorem ipsum dolor sit amet';\n".repeat(1000)}`;
	const key = rsaPrivateKeyPem(1024);
	for (let i = 0; i < 3000; i++) {
		const sub = join(tree, `pkg${i % 30}`);
		mkdirSync(sub, { recursive: true });
		writeFileSync(join(sub, `file${i}.js`), i % 150 === 0 ? `${filler}\nconst k = \`${key}\`;\n` : filler);
	}
});

afterAll(async () => {
	await h.close();
	dir.remove();
});

async function submit(name: string): Promise<string> {
	const res = await h.api("POST", "/v3/scan/create", {
		sensorType: "Filesystem Sensor",
		sensorName: name,
		sensorConfig: { path: tree },
	});
	expect(res.status).toBe(200);
	return res.body.executionId as string;
}

const row = async (executionId: string) =>
	(await h.database.db.select().from(executions).where(eq(executions.id, executionId)))[0];

describe("a worker killed with SIGKILL mid-scan", { timeout: 90_000 }, () => {
	it("loses nothing: the execution is picked up again and ends successful without duplicate findings", async () => {
		const executionId = await submit("killed");
		// A short lease renews (and publishes progress) every 300 ms, well within the scan's duration.
		const first = h.startWorker({ EXECUTION_LEASE_MS: "900" });
		// Progress shows on the status endpoint while the scan runs (published with each lease renewal).
		const running = await waitFor(
			"progress of the running scan",
			async () => {
				const status = (await h.api("GET", `/v3/scan/${executionId}`)).body;
				const progress = status.progress as { filesScanned: number; bytesScanned: number };
				return status.status === "running" && progress.filesScanned > 0 ? progress : undefined;
			},
			20_000,
		);
		await first.stop("SIGKILL");
		expect(running.bytesScanned).toBeGreaterThan(0);
		expect(running.filesScanned).toBeLessThan(3000);
		const pid = first.child.pid;
		expect((await row(executionId))?.status).toBe("running");

		const second = h.startWorker();
		const status = await h.waitForFinish(executionId, 60_000);
		expect(status.status).toBe("successful");
		expect((await row(executionId))?.attempt).toBeGreaterThanOrEqual(2);
		const rows = await h.database.db
			.select()
			.from(findings)
			.where(eq(findings.sensorId, status.sensorId as string));
		expect(rows).toHaveLength(KEYS);
		expect(new Set(rows.map((r) => `${r.identity}|${r.path}|${r.line}`)).size).toBe(KEYS);
		expect(readdirSync(tmpdir()).filter((d) => d.startsWith(`sensorium-exec-${pid}-`))).toEqual([]);
		expect(await second.stop("SIGTERM")).toBe(0);
	});
});

describe("SIGTERM", () => {
	it("stops taking jobs, finishes or hands back the running scan, and exits 0", async () => {
		const executionId = await submit("terminated");
		const worker = h.startWorker({ SHUTDOWN_TIMEOUT_MS: "5200" });
		await waitFor(
			"the worker to claim the execution",
			async () => (await row(executionId))?.status === "running",
			30_000,
		);
		expect(await worker.stop("SIGTERM")).toBe(0);
		const after = await row(executionId);
		expect(["successful", "queued"]).toContain(after?.status);
		if (after?.status === "queued") {
			const next = h.startWorker();
			expect((await h.waitForFinish(executionId)).status).toBe("successful");
			await next.stop();
		}
	});

	it("a worker with nothing to do exits 0 at once", async () => {
		const worker = h.startWorker();
		await waitFor("the worker to start", async () => worker.output().includes("Sensorium worker started"), 20_000);
		const started = Date.now();
		expect(await worker.stop("SIGTERM")).toBe(0);
		expect(Date.now() - started).toBeLessThan(5_000);
	});
});

describe("the per-execution time limit", () => {
	it("ends a runaway scan with SCAN-1001 and removes its work directory", async () => {
		const executionId = await submit("runaway");
		const worker = h.startWorker({ EXECUTION_TIMEOUT_MS: "50" });
		const status = await h.waitForFinish(executionId);
		expect(status).toMatchObject({ status: "failed", errorCode: "SCAN-1001" });
		expect(status.message).toMatch(/time limit/);
		const pid = worker.child.pid;
		expect(readdirSync(tmpdir()).filter((d) => d.startsWith(`sensorium-exec-${pid}-`))).toEqual([]);
		await worker.stop();
	});
});

describe("the reconciler inside the worker", () => {
	it("enqueues an execution whose job Redis lost", async () => {
		const executionId = await submit("lost-job");
		await h.queue.removeJob(executionId);
		expect(await h.queue.jobState(executionId)).toBe("missing");
		const worker = h.startWorker({ RECONCILE_GRACE_MS: "1" });
		expect((await h.waitForFinish(executionId)).status).toBe("successful");
		await worker.stop();
	});
});
