import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
	createMigratedDatabase,
	createTestDatabase,
	type PgBouncer,
	type PrivatePostgres,
	startPgBouncer,
	startPrivatePostgres,
} from "@sensorium/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rsaPrivateKeyPem, tempDir } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

const dir = tempDir("postgres-outage");
writeFileSync(join(dir.path, "server.key"), rsaPrivateKeyPem(1024));
afterAll(() => dir.remove());

async function scan(h: ScanHarness, name: string, priority = "low"): Promise<string> {
	const res = await h.api("POST", "/v3/scan/create", {
		sensorType: "Filesystem Sensor",
		sensorName: name,
		sensorConfig: { path: dir.path },
		priority,
	});
	expect(res.status).toBe(200);
	return res.body.executionId as string;
}

describe("Postgres restarting under load", { timeout: 300_000 }, () => {
	let pg: PrivatePostgres;
	let h: ScanHarness;
	beforeAll(async () => {
		pg = await startPrivatePostgres();
		h = await createScanHarness(dir.path, { database: await createMigratedDatabase("outage", pg.url()) });
	}, 60_000);
	afterAll(async () => {
		await pg.start().catch(() => {});
		await h?.close();
		pg?.remove();
	});

	it("answers 503, never 500, while it is down, and every process recovers by itself", async () => {
		h.startWorker({ RECONCILE_INTERVAL_MS: "500" });
		const first = await scan(h, "before");
		expect((await h.waitForFinish(first)).status).toBe("successful");
		// Submitted just before the outage: these are running or queued while Postgres goes away. High priority, so
		// that once put back in the queue they do not wait behind the load's scans (what is checked is that none is lost).
		const inFlight = [await scan(h, "in-flight-1", "high"), await scan(h, "in-flight-2", "high")];

		const statuses: number[] = [];
		let load = true;
		let n = 0;
		const loop = (async () => {
			while (load) {
				const read = await h.api("GET", `/v3/scan/${first}`);
				const write = await h.api("POST", "/v3/scan/create", {
					sensorType: "Filesystem Sensor",
					sensorName: `during-${n++}`,
					sensorConfig: { path: dir.path },
				});
				statuses.push(read.status, write.status);
				if (read.status === 503) expect(read.body).toEqual({ status: "failed", message: expect.any(String) });
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
		})();
		await new Promise((resolve) => setTimeout(resolve, 500));
		pg.stop("immediate");
		await new Promise((resolve) => setTimeout(resolve, 3_000));
		const whileDown = statuses.length;
		await pg.start();
		await new Promise((resolve) => setTimeout(resolve, 3_000));
		load = false;
		await loop;

		expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([]);
		expect(statuses.slice(0, whileDown)).toContain(503);
		expect(statuses.slice(-4)).toEqual([200, 200, 200, 200]);
		for (const executionId of inFlight) expect((await h.waitForFinish(executionId, 120_000)).status).toBe("successful");
		const after = await scan(h, "after", "high");
		expect((await h.waitForFinish(after, 120_000)).status).toBe("successful");
	});
});

describe("behind PgBouncer in session mode", { timeout: 120_000 }, () => {
	let bouncer: PgBouncer;
	let h: ScanHarness;
	beforeAll(async () => {
		const testDb = await createTestDatabase();
		bouncer = await startPgBouncer(Number(new URL(testDb.url).port || 5432), "session");
		h = await createScanHarness(dir.path, { database: testDb, databaseUrl: bouncer.url(testDb.name) });
	}, 60_000);
	afterAll(async () => {
		await h?.close();
		await bouncer?.stop();
	});

	it("creates, runs and reads scans with the API's prepared statements", async () => {
		h.startWorker();
		const ids = [await scan(h, "pooled-1"), await scan(h, "pooled-2"), await scan(h, "pooled-3")];
		for (const executionId of ids) {
			const status = await h.waitForFinish(executionId);
			expect(status).toMatchObject({ status: "successful", message: expect.stringContaining("1 cryptographic") });
		}
	});
});
