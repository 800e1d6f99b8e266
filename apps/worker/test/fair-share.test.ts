import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bootstrapOrganization } from "@sensorium/accounts";
import { executions } from "@sensorium/db";
import { organizationLoads } from "@sensorium/executions";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rsaPrivateKeyPem, tempDir, waitFor } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

// ORG_MAX_RUNNING_EXECUTIONS=1 on a worker with two slots: organisation A floods the queue with
// high-priority scans; organisation B's one low-priority scan must not wait behind them.
const dir = tempDir("fair-share");
const tree = join(dir.path, "tree");
const FLOOD = 24;
let h: ScanHarness;

beforeAll(async () => {
	const filler = "const value = 'lorem ipsum dolor sit amet';\n".repeat(200);
	for (let i = 0; i < 300; i++) {
		const sub = join(tree, `pkg${i % 10}`);
		mkdirSync(sub, { recursive: true });
		writeFileSync(join(sub, `file${i}.js`), filler);
	}
	writeFileSync(join(tree, "server.key"), rsaPrivateKeyPem(1024));
	h = await createScanHarness(dir.path);
});

afterAll(async () => {
	await h.close();
	dir.remove();
});

describe("fair sharing between organisations", { timeout: 180_000 }, () => {
	it("caps an organisation's running executions, keeps its order, and lets another organisation through", async () => {
		const base = await h.listen();
		const other = await bootstrapOrganization(h.database.db, { orgName: "Other", email: "other@example.test" });
		const submit = async (token: string, name: string, priority: string) => {
			const res = await fetch(`${base}/v3/scan/create`, {
				method: "POST",
				headers: { "isg-api-token": token, "content-type": "application/json" },
				body: JSON.stringify({
					sensorType: "Filesystem Sensor",
					sensorName: name,
					sensorConfig: { path: tree },
					priority,
				}),
			});
			expect(res.status).toBe(200);
			return ((await res.json()) as { executionId: string }).executionId;
		};

		// Mostly high, with a few medium and low ones in between, all before any worker runs.
		const floodPriorities = Array.from({ length: FLOOD }, (_, i) =>
			i % 8 === 3 ? "medium" : i % 8 === 6 ? "low" : "high",
		);
		const flood: string[] = [];
		for (const [i, priority] of floodPriorities.entries()) flood.push(await submit(h.token, `flood-${i}`, priority));
		const lone = await submit(other.token, "lone", "low");
		const loads = await organizationLoads(h.database.db);
		expect(loads.map((load) => load.queued).sort((a, b) => a - b)).toEqual([1, FLOOD]);

		h.startWorker({ ORG_MAX_RUNNING_EXECUTIONS: "1", WORKER_CONCURRENCY: "2" });
		const rows = await waitFor(
			"every execution to finish",
			async () => {
				const found = await h.database.db
					.select()
					.from(executions)
					.where(inArray(executions.id, [...flood, lone]));
				return found.every((row) => row.status === "successful") ? found : undefined;
			},
			150_000,
		);
		const byId = new Map(rows.map((row) => [row.id, row]));
		const started = (id: string) => byId.get(id)?.startedAt?.getTime() ?? Number.NaN;
		const finished = (id: string) => byId.get(id)?.finishedAt?.getTime() ?? Number.NaN;

		// Never two of A's at once: each starts after the one before it finished.
		const inStartOrder = [...flood].sort((a, b) => started(a) - started(b));
		for (let i = 1; i < inStartOrder.length; i++) {
			expect(started(inStartOrder[i] as string)).toBeGreaterThanOrEqual(finished(inStartOrder[i - 1] as string));
		}
		// A's own order is the spec's: priority first, then submission.
		const rank = { high: 1, medium: 2, low: 3 } as const;
		const expected = flood
			.map((id, i) => ({ id, i, rank: rank[floodPriorities[i] as keyof typeof rank] }))
			.sort((a, b) => a.rank - b.rank || a.i - b.i)
			.map((entry) => entry.id);
		expect(inStartOrder).toEqual(expected);
		// B's low-priority scan took the free slot while A's flood was still being worked through.
		expect(started(lone)).toBeLessThan(started(inStartOrder[3] as string));
	});
});
