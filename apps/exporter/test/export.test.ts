import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ROUTES } from "@sensorium/api-contract";
import { findingExports, findings, organizations } from "@sensorium/db";
import { type OpenSearchContractServer, startOpenSearchContractServer } from "@sensorium/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfSignedCertificate, tempDir, type WorkerProcess, waitFor } from "../../worker/test/fixtures.ts";
import { createScanHarness, type ScanHarness } from "../../worker/test/harness.ts";
import { startExporter } from "./exporter-process.ts";

let h: ScanHarness;
let server: OpenSearchContractServer;
let exporter: WorkerProcess;
const dir = tempDir("export");
const run = promisify(execFile);
const healthPort = String(19_400 + Math.floor(Math.random() * 300));
const CLI = fileURLToPath(new URL("../../cli/bin/sensorium.mjs", import.meta.url));

beforeAll(async () => {
	server = await startOpenSearchContractServer();
	h = await createScanHarness(dir.path);
	h.startWorker();
	exporter = startExporter({
		...h.workerEnv(),
		OPENSEARCH_URL: server.url,
		OPENSEARCH_RETRY_BASE_MS: "200",
		OPENSEARCH_RETRY_MAX_MS: "1000",
		OPENSEARCH_BULK_MAX_DOCS: "2",
		RECONCILE_INTERVAL_MS: "500",
		RECONCILE_GRACE_MS: "1000",
		EXPORTER_HEALTH_PORT: healthPort,
	});
}, 60_000);

afterAll(async () => {
	await exporter?.stop();
	await h?.close();
	await server?.close();
	dir.remove();
});

/** A directory with `n` certificates (one finding each), scanned by a Filesystem Sensor. */
function tree(name: string, n: number): string {
	const path = join(dir.path, name);
	mkdirSync(path, { recursive: true });
	const scratch = join(dir.path, "scratch");
	mkdirSync(scratch, { recursive: true });
	for (let i = 0; i < n; i++)
		writeFileSync(join(path, `cert-${i}.pem`), selfSignedCertificate(scratch, `${name}-${i}`));
	return path;
}

async function scan(
	name: string,
	path: string,
	labels = [{ team: "pki" }],
): Promise<{ executionId: string; sensorId: string }> {
	const res = await h.api("POST", "/v3/scan/create", {
		sensorType: "Filesystem Sensor",
		sensorName: name,
		sensorConfig: { path },
		labels,
	});
	expect(res.status).toBe(200);
	return { executionId: res.body.executionId as string, sensorId: res.body.sensorId as string };
}

const exportOf = async (executionId: string) => (await h.api("GET", `/v3/scan/${executionId}/export`)).body;

const exportFinished = (executionId: string, timeoutMs = 60_000) =>
	waitFor(
		`export of ${executionId}`,
		async () => {
			const view = await exportOf(executionId);
			return view.state === "done" || view.state === "failed" ? view : undefined;
		},
		timeoutMs,
	);

async function findingIds(executionId: string): Promise<string[]> {
	const res = await h.api("GET", `/v3/scan/${executionId}/findings?limit=100`);
	return (res.body.findings as { findingId: string }[]).map((f) => f.findingId);
}

const docById = (id: string) => {
	for (const [name, index] of server.indices) {
		const doc = index.docs.get(id);
		if (doc) return { index: name, ...doc };
	}
	return undefined;
};

describe("findings flow into OpenSearch", { timeout: 120_000 }, () => {
	it("a scan with labels lands as one document per finding, with the finding's shape", async () => {
		const { executionId, sensorId } = await scan("labelled", tree("labelled", 3));
		expect((await h.waitForFinish(executionId)).status).toBe("successful");
		const view = await exportFinished(executionId);
		expect(view).toMatchObject({ state: "done", attempts: 1, documentsExported: 3, documentsFailed: 0 });
		const documented = ROUTES.find((r) => r.path === "/v3/scan/:executionId/export")?.responses[200]?.schema;
		expect(documented?.safeParse(view).success).toBe(true);

		const ids = await findingIds(executionId);
		expect(ids).toHaveLength(3);
		const orgId = (await h.database.db.select({ orgId: findings.orgId }).from(findings).limit(1))[0]?.orgId;
		for (const id of ids) {
			const doc = docById(id);
			expect(doc?.index).toBe(`agilesec.${orgId}.v3.event-x509`);
			expect(doc?.source).toMatchObject({
				version: 1,
				findingId: id,
				kind: "x509",
				status: "open",
				labels: { team: "pki" },
				executionId,
				orgId,
				observation: { sensorId, file: { path: expect.stringMatching(/cert-\d\.pem$/) } },
				crypto: expect.any(Object),
			});
			expect(Date.parse(doc?.source["@timestamp"] as string)).not.toBeNaN();
			expect(doc?.source.first_found).toBe(doc?.source.firstSeenAt);
		}
		// Each document is exactly the findings API's finding plus the export's fields.
		const api = (await h.api("GET", `/v3/scan/${executionId}/findings?limit=100`)).body.findings as Record<
			string,
			unknown
		>[];
		for (const finding of api) {
			const { labels, ...rest } = finding;
			expect(labels).toEqual([{ team: "pki" }]);
			expect(docById(finding.findingId as string)?.source).toEqual({
				...rest,
				labels: { team: "pki" },
				"@timestamp": expect.any(String),
				first_found: finding.firstSeenAt,
				executionId,
				orgId,
			});
		}
		// Bounded batches: OPENSEARCH_BULK_MAX_DOCS=2 makes 3 documents two requests.
		expect(server.bulkRequests.map((r) => r.length)).toEqual([2, 1]);
		expect(server.templates.get("agilesec-findings")?.index_patterns).toEqual(["agilesec.*.v3.event-*"]);

		await waitFor("documents searchable", async () => {
			const res = await fetch(`${server.url}/agilesec.*/_search`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ query: { term: { "labels.team": "pki" } } }),
			});
			return ((await res.json()) as { hits: { total: { value: number } } }).hits.total.value === 3;
		});
	});

	it("a cluster down during three executions receives all of them once it is back", async () => {
		await server.down();
		const runs = await Promise.all([1, 2, 3].map((n) => scan(`outage-${n}`, tree(`outage-${n}`, 1))));
		for (const { executionId } of runs) expect((await h.waitForFinish(executionId)).status).toBe("successful");
		await waitFor("failed attempts while the cluster is down", async () => {
			const views = await Promise.all(runs.map((r) => exportOf(r.executionId)));
			return views.every((v) => v.state === "pending" && (v.attempts as number) >= 2 && v.lastError);
		});
		await server.up();
		for (const { executionId } of runs) {
			const view = await exportFinished(executionId);
			expect(view.state).toBe("done");
			expect(view.documentsExported).toBe(1);
			for (const id of await findingIds(executionId)) expect(docById(id)?.source.status).toBe("open");
		}
	});

	it("a per-item 429 re-sends only that item", async () => {
		const before = server.bulkRequests.length;
		server.rejectItemOnce(1);
		const { executionId } = await scan("throttled", tree("throttled", 2));
		await h.waitForFinish(executionId);
		expect(await exportFinished(executionId)).toMatchObject({ state: "done", documentsExported: 2, attempts: 1 });
		const sent = server.bulkRequests.slice(before);
		expect(sent.map((r) => r.length)).toEqual([2, 1]);
		expect(sent[1]?.[0]?.id).toBe(sent[0]?.[1]?.id);
	});

	it("rejected documents are recorded with OpenSearch's error and the export carries on", async () => {
		const path = tree("mapping", 2);
		const first = await scan("mapping", path);
		await h.waitForFinish(first.executionId);
		await exportFinished(first.executionId);
		const [rejected] = await findingIds(first.executionId);
		server.failMappingFor([rejected as string]);
		const again = await h.api("POST", "/v3/scan/execute", { sensorId: first.sensorId });
		const executionId = again.body.executionId as string;
		await h.waitForFinish(executionId);
		const view = await exportFinished(executionId);
		expect(view).toMatchObject({ state: "failed", documentsExported: 1, documentsFailed: 1 });
		expect(view.itemErrors).toEqual([
			{ findingId: rejected, status: 400, error: expect.stringContaining("mapper_parsing_exception") },
		]);
	});

	it("a finding resolved later is updated in place", async () => {
		const path = tree("resolving", 2);
		const first = await scan("resolving", path);
		await h.waitForFinish(first.executionId);
		await exportFinished(first.executionId);
		const ids = await findingIds(first.executionId);
		const pathOf = (id: string) =>
			(docById(id)?.source.observation as { file: { path: string } } | undefined)?.file.path;
		const gone = ids.find((id) => pathOf(id)?.endsWith("cert-1.pem")) as string;
		const before = docById(gone);
		expect(before?.version).toBe(1);

		rmSync(join(path, "cert-1.pem"));
		// Unobserved for longer than the auto-resolution interval: the next scan resolves it.
		await h.database.db
			.update(findings)
			.set({ lastSeenAt: sql`now() - interval '400 days'` })
			.where(eq(findings.id, gone));
		const again = await h.api("POST", "/v3/scan/execute", { sensorId: first.sensorId });
		const executionId = again.body.executionId as string;
		await h.waitForFinish(executionId);
		expect(await exportFinished(executionId)).toMatchObject({ state: "done", documentsExported: 2 });

		const after = docById(gone);
		expect(after?.index).toBe(before?.index);
		expect(after?.version).toBe(2);
		expect(after?.source).toMatchObject({ findingId: gone, status: "resolved", resolvedAt: expect.any(String) });
		const docs = [...(server.indices.get(after?.index as string)?.docs.keys() ?? [])].filter((id) => id === gone);
		expect(docs).toHaveLength(1);
	});

	it("is ready while consuming its queue and counts documents, requests and exports on /metrics", async () => {
		expect((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status).toBe(200);
		const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
		expect(text).toMatch(/sensorium_export_documents_total\{outcome="exported",role="exporter"\} [1-9]/);
		expect(text).toMatch(/sensorium_export_documents_total\{outcome="failed",role="exporter"\} 1\b/);
		expect(text).toMatch(/sensorium_export_bulk_requests_total\{outcome="retry",role="exporter"\} [1-9]/);
		expect(text).toMatch(/sensorium_exports_total\{outcome="done",role="exporter"\} [1-9]/);
		expect(text).toMatch(/sensorium_queue_jobs\{queue="exports",state="waiting",role="exporter"\} 0/);
	});

	it("the reconciler re-enqueues an export Redis lost", async () => {
		// SIGTERM: stops taking jobs, closes the queue and the pool, exits 0.
		expect(await exporter.stop()).toBe(0);
		const { executionId } = await scan("lost", tree("lost", 1));
		await h.waitForFinish(executionId);
		const [row] = await h.database.db.select().from(findingExports).where(eq(findingExports.executionId, executionId));
		const { ExportQueue, createProducerConnection } = await import("@sensorium/queue");
		const redis = createProducerConnection(h.workerEnv().REDIS_URL as string);
		const queue = new ExportQueue(redis, h.prefix);
		await queue.removeJob(row?.id as string, 0);
		expect(await queue.hasLiveJob(row?.id as string, 0)).toBe(false);
		await queue.close();
		redis.disconnect();
		exporter = startExporter({
			...h.workerEnv(),
			OPENSEARCH_URL: server.url,
			RECONCILE_INTERVAL_MS: "300",
			RECONCILE_GRACE_MS: "500",
		});
		expect(await exportFinished(executionId)).toMatchObject({ state: "done", documentsExported: 1 });
		expect(exporter.output()).toContain("reconciler re-enqueued exports");
	});

	it("an exporter killed mid-export loses nothing: another takes over and resumes from the last batch", async () => {
		await exporter.stop();
		server.delayBulk(400);
		const { executionId } = await scan("killed", tree("killed", 12));
		await h.waitForFinish(executionId);
		const before = server.bulkRequests.length;
		const env = { ...h.workerEnv(), OPENSEARCH_URL: server.url, OPENSEARCH_BULK_MAX_DOCS: "2" };
		const doomed = startExporter({ ...env, EXPORTER_LEASE_MS: "1000" });
		await waitFor("two batches recorded", async () => (await exportOf(executionId)).documentsExported === 4, 20_000);
		doomed.child.kill("SIGKILL");
		await doomed.stop();
		server.delayBulk(0);
		exporter = startExporter({ ...env, RECONCILE_INTERVAL_MS: "300", RECONCILE_GRACE_MS: "300" });
		const view = await exportFinished(executionId);
		expect(view).toMatchObject({ state: "done", documentsExported: 12, attempts: 2 });
		const sent = server.bulkRequests
			.slice(before)
			.flat()
			.map((op) => op.id);
		// Every finding arrived; only the batch in flight when the exporter died may have been sent twice.
		expect(new Set(sent)).toEqual(new Set(await findingIds(executionId)));
		expect(sent.length).toBeLessThanOrEqual(14);
	});

	it("`sensorium export ndjson` writes the same bulk NDJSON, loadable with one _bulk request", async () => {
		const { executionId, sensorId } = await scan("offline", tree("offline", 2));
		await h.waitForFinish(executionId);
		const file = join(dir.path, "export.ndjson");
		const cli = await run(
			process.execPath,
			[CLI, "export", "ndjson", "--execution", executionId, "--output", file, "--json"],
			{
				env: { ...process.env, DATABASE_URL: h.testDb.url },
			},
		);
		expect(JSON.parse(cli.stdout)).toEqual({ output: file, documents: 2 });
		const body = readFileSync(file, "utf8");
		expect(body.endsWith("\n")).toBe(true);
		const loaded = await fetch(`${server.url}/_bulk`, {
			method: "POST",
			headers: { "content-type": "application/x-ndjson" },
			body,
		});
		const answer = (await loaded.json()) as { errors: boolean; items: { index: { _id: string } }[] };
		expect(answer.errors).toBe(false);
		expect(answer.items.map((i) => i.index._id).sort()).toEqual((await findingIds(executionId)).sort());

		const bySensor = await run(process.execPath, [CLI, "export", "ndjson", "--sensor", sensorId], {
			env: { ...process.env, DATABASE_URL: h.testDb.url },
		});
		expect(bySensor.stdout.trim().split("\n")).toHaveLength(4);
		await expect(
			run(process.execPath, [CLI, "export", "ndjson", "--execution", "000000000000000000000000", "--json"], {
				env: { ...process.env, DATABASE_URL: h.testDb.url },
			}),
		).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining("not found") });
	});

	it("a finding no index can take (an organisation domain OpenSearch refuses) is recorded, not retried forever", async () => {
		const [org] = await h.database.db.select({ id: organizations.id }).from(organizations);
		await h.database.db
			.update(organizations)
			.set({ domain: "legacy domain#1" })
			.where(eq(organizations.id, org?.id as string));
		try {
			const { executionId } = await scan("unindexable", tree("unindexable", 1));
			await h.waitForFinish(executionId);
			const view = await exportFinished(executionId);
			expect(view).toMatchObject({ state: "failed", attempts: 1, documentsExported: 0, documentsFailed: 1 });
			expect(view.itemErrors).toEqual([
				{
					findingId: (await findingIds(executionId))[0],
					status: 400,
					error: expect.stringContaining("Invalid index name"),
				},
			]);
		} finally {
			await h.database.db
				.update(organizations)
				.set({ domain: null })
				.where(eq(organizations.id, org?.id as string));
		}
	});

	it("credentials the cluster refuses end the export failed at once, without retries", async () => {
		server.requireAuth({ username: "someone", password: "else" });
		try {
			const { executionId } = await scan("refused", tree("refused", 1));
			await h.waitForFinish(executionId);
			const view = await exportFinished(executionId);
			expect(view).toMatchObject({ state: "failed", attempts: 1, documentsExported: 0 });
			expect(view.lastError).toMatch(/HTTP 401: Unauthorized$/);
		} finally {
			server.requireAuth(null);
		}
	});

	it("GET /v3/scan/{id}/export answers 404 for an unknown execution", async () => {
		const res = await h.api("GET", "/v3/scan/000000000000000000000000/export");
		expect(res.status).toBe(404);
		expect(res.body).toEqual({ status: "failed", message: expect.any(String) });
	});
});
