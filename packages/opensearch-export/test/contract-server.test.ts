import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@opensearch-project/opensearch";
import { type OpenSearchContractServer, startOpenSearchContractServer } from "@sensorium/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BulkRequestFailed, sendBulk } from "../src/bulk.ts";
import { createOpenSearchClient } from "../src/client.ts";
import type { BulkItem } from "../src/documents.ts";
import { findingIndexName, indexNameProblem, indexTemplate, organizationSegment } from "../src/indices.ts";
import { TemplateInstaller } from "../src/processor.ts";

let server: OpenSearchContractServer;
let client: Client;

beforeAll(async () => {
	server = await startOpenSearchContractServer();
	client = createOpenSearchClient({ nodes: [server.url], requestTimeoutMs: 5_000 });
});
afterAll(async () => {
	await client.close();
	await server.close();
});

/** A bulk item with a hand-written source. */
const item = (index: string, id: string, source: string): BulkItem => ({
	index,
	id,
	lines: `${JSON.stringify({ index: { _index: index, _id: id } })}\n${source}\n`,
});

const raw = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

describe("OpenSearch contract server, driven by the official client", () => {
	it("answers the banner, cluster health, index create/exists and templates", async () => {
		const info = await client.info();
		expect(info.body.version.distribution).toBe("opensearch");
		const health = await client.cluster.health();
		expect(health.body.status).toBe("green");

		expect((await client.indices.exists({ index: "books" })).body).toBe(false);
		const created = await client.indices.create({
			index: "books",
			body: { mappings: { properties: { n: { type: "integer" } } } },
		});
		expect(created.body).toMatchObject({ acknowledged: true, index: "books" });
		expect((await client.indices.exists({ index: "books" })).body).toBe(true);
		await expect(client.indices.create({ index: "books" })).rejects.toMatchObject({ meta: { statusCode: 400 } });
		await expect(client.indices.create({ index: "Books" })).rejects.toThrow(/invalid_index_name_exception/);

		await client.indices.putIndexTemplate({ name: "t", body: indexTemplate("agilesec") });
		const template = await client.indices.getIndexTemplate({ name: "t" });
		expect(template.body.index_templates[0]?.index_template.index_patterns).toEqual(["agilesec.*.v3.event-*"]);
	});

	it("indexes in request order, reports partial failures and serves _doc, _search and _refresh", async () => {
		const index = "agilesec.acme_example.v3.event-key";
		const items = ["a", "b", "c"].map((id) =>
			item(
				index,
				id,
				JSON.stringify({
					findingId: id,
					status: id === "b" ? "resolved" : "open",
					first_found: "2026-01-01T00:00:00Z",
				}),
			),
		);
		server.failMappingFor(["c"]);
		const results = await sendBulk(client, items);
		expect(results).toEqual([
			{ outcome: "indexed" },
			{ outcome: "indexed" },
			{ outcome: "rejected", status: 400, error: expect.stringContaining("mapper_parsing_exception") },
		]);
		const doc = await client.get({ index, id: "a" });
		expect(doc.body).toMatchObject({ found: true, _id: "a", _source: { findingId: "a" } });
		await expect(client.get({ index, id: "zz" })).rejects.toMatchObject({ meta: { statusCode: 404 } });

		await client.indices.refresh({ index });
		const all = await client.search({ index, body: { query: { match_all: {} }, from: 1, size: 5 } });
		expect(all.body.hits.total).toEqual({ value: 2, relation: "eq" });
		expect(all.body.hits.hits).toHaveLength(1);
		const resolved = await client.search({ index, body: { query: { term: { status: "resolved" } } } });
		expect(resolved.body.hits.hits.map((h) => h._id)).toEqual(["b"]);
	});

	it("applies the template's mappings to indices created by _bulk", async () => {
		const index = "agilesec.mapped.v3.event-x509";
		const results = await sendBulk(client, [
			item(index, "bad-date", JSON.stringify({ first_found: "yesterday" })),
			item(index, "ok", JSON.stringify({ first_found: "2026-01-01T00:00:00Z", labels: { team: "pki" } })),
		]);
		expect(results[0]).toMatchObject({ outcome: "rejected", status: 400 });
		expect(results[1]).toEqual({ outcome: "indexed" });
	});

	it("validates the NDJSON body as OpenSearch does", async () => {
		const headers = { "content-type": "application/x-ndjson" };
		const noNewline = await raw("/_bulk", { method: "POST", headers, body: '{"index":{"_index":"x","_id":"1"}}\n{}' });
		expect(noNewline.status).toBe(400);
		expect(JSON.stringify(await noNewline.json())).toContain("must be terminated by a newline");

		const unpaired = await raw("/_bulk", { method: "POST", headers, body: '{"index":{"_index":"x","_id":"1"}}\n' });
		expect(unpaired.status).toBe(400);

		const badAction = await raw("/_bulk", { method: "POST", headers, body: '{"upsert":{"_index":"x"}}\n{}\n' });
		expect(JSON.stringify(await badAction.json())).toContain("Malformed action/metadata line [1]");

		const longId = "x".repeat(513);
		const tooLong = await raw("/_bulk", {
			method: "POST",
			headers,
			body: `{"index":{"_index":"x","_id":"${longId}"}}\n{}\n`,
		});
		expect(tooLong.status).toBe(400);
		expect(JSON.stringify(await tooLong.json())).toContain("must be no longer than 512 bytes");

		const badIndex = await raw("/_bulk", {
			method: "POST",
			headers,
			body: '{"index":{"_index":"_bad","_id":"1"}}\n{}\n',
		});
		const body = (await badIndex.json()) as {
			errors: boolean;
			items: { index: { status: number; error: { type: string } } }[];
		};
		expect(body.errors).toBe(true);
		expect(body.items[0]?.index).toMatchObject({ status: 400, error: { type: "invalid_index_name_exception" } });

		const mixed = await raw("/_bulk?refresh=true", {
			method: "POST",
			headers,
			body: '{"delete":{"_index":"x","_id":"nope"}}\n{"create":{"_index":"x","_id":"1"}}\n{"a":1}\n{"create":{"_index":"x","_id":"1"}}\n{"a":2}\n{"update":{"_index":"x","_id":"2"}}\n{"doc":{"a":3}}\n',
		});
		const answer = (await mixed.json()) as { items: Record<string, { status: number; result?: string }>[] };
		expect(answer.items.map((i) => Object.values(i)[0]?.status)).toEqual([404, 201, 409, 404]);
		expect(answer.items.map((i) => Object.keys(i)[0])).toEqual(["delete", "create", "create", "update"]);
	});

	it("injects whole-request 429s, per-item 429s and connection resets", async () => {
		const index = "agilesec.faults.v3.event-token";
		const items = [0, 1, 2].map((n) => item(index, `f${n}`, "{}"));
		server.failNextRequests(429);
		await expect(sendBulk(client, items)).rejects.toMatchObject({ retryable: true, status: 429 });
		server.failNextRequests(503);
		await expect(sendBulk(client, items)).rejects.toBeInstanceOf(BulkRequestFailed);
		server.resetNextConnections(1);
		await expect(sendBulk(client, items)).rejects.toMatchObject({ retryable: true, status: null });
		server.rejectItemOnce(1);
		expect((await sendBulk(client, items)).map((r) => r.outcome)).toEqual(["indexed", "retry", "indexed"]);
	});

	it("refuses wrong credentials with 401 (not retryable) and accepts Basic auth and API keys", async () => {
		server.requireAuth({ username: "exporter", password: "s3cret" });
		const one = [item("agilesec.auth.v3.event-key", "1", "{}")];
		await expect(sendBulk(client, one)).rejects.toMatchObject({ retryable: false, status: 401 });
		const basic = createOpenSearchClient({
			nodes: [server.url],
			username: "exporter",
			password: "s3cret",
			requestTimeoutMs: 5_000,
		});
		expect(await sendBulk(basic, one)).toEqual([{ outcome: "indexed" }]);
		server.requireAuth({ apiKey: "a2V5OnNlY3JldA==" });
		const keyed = createOpenSearchClient({ nodes: [server.url], apiKey: "a2V5OnNlY3JldA==", requestTimeoutMs: 5_000 });
		expect(await sendBulk(keyed, one)).toEqual([{ outcome: "indexed" }]);
		await Promise.all([basic.close(), keyed.close()]);
		server.requireAuth(null);
	});
});

// Required fields copied from opensearch-project/opensearch-api-specification
// (spec/schemas/cluster.health.yaml HealthResponseBody, spec/schemas/_core.bulk.yaml ResponseItem).
const HEALTH_REQUIRED = [
	"active_primary_shards",
	"active_shards",
	"active_shards_percent_as_number",
	"cluster_name",
	"delayed_unassigned_shards",
	"initializing_shards",
	"number_of_data_nodes",
	"number_of_in_flight_fetch",
	"number_of_nodes",
	"number_of_pending_tasks",
	"relocating_shards",
	"status",
	"task_max_waiting_in_queue_millis",
	"timed_out",
	"unassigned_shards",
];
const BULK_ITEM_REQUIRED = ["_index", "status"];

describe("the index template", () => {
	it("is installed when the cluster answers, and tried again after a failure", async () => {
		const own = await startOpenSearchContractServer();
		const ownClient = createOpenSearchClient({ nodes: [own.url], requestTimeoutMs: 2_000 });
		try {
			await own.down();
			const templates = new TemplateInstaller(ownClient, "agilesec");
			await expect(templates.ensure()).rejects.toMatchObject({ retryable: true });
			await own.up();
			await Promise.all([templates.ensure(), templates.ensure()]);
			await templates.ensure();
			expect(own.templates.get("agilesec-findings")).toMatchObject({
				index_patterns: ["agilesec.*.v3.event-*"],
				template: { mappings: { properties: { labels: { type: "flat_object" }, first_found: { type: "date" } } } },
			});
		} finally {
			await ownClient.close();
			await own.close();
		}
	});
});

describe("TLS", () => {
	it("verifies the cluster's certificate against OPENSEARCH_CA_CERT, and never goes without verification", async () => {
		const dir = mkdtempSync(join(tmpdir(), "sensorium-os-tls-"));
		try {
			execFileSync(
				"openssl",
				["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"]
					.concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "ca.pem"), "-subj", "/CN=contract-node-1"])
					.concat(["-addext", "subjectAltName=IP:127.0.0.1"]),
				{ stdio: "ignore" },
			);
			const tls = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "ca.pem"), "utf8") };
			const secure = await startOpenSearchContractServer({ tls });
			const trusting = createOpenSearchClient({
				nodes: [secure.url],
				caCertFile: join(dir, "ca.pem"),
				requestTimeoutMs: 5_000,
			});
			const untrusting = createOpenSearchClient({ nodes: [secure.url], requestTimeoutMs: 5_000 });
			try {
				expect(secure.url).toMatch(/^https:/);
				expect(await sendBulk(trusting, [item("agilesec.tls.v3.event-key", "1", "{}")])).toEqual([
					{ outcome: "indexed" },
				]);
				await expect(sendBulk(untrusting, [item("agilesec.tls.v3.event-key", "2", "{}")])).rejects.toThrow(
					/self[- ]signed certificate/,
				);
				expect(secure.document("agilesec.tls.v3.event-key", "2")).toBeUndefined();
			} finally {
				await Promise.all([trusting.close(), untrusting.close(), secure.close()]);
			}
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});

describe("response shapes, against the OpenSearch API specification", () => {
	it("cluster health and bulk items carry every required field", async () => {
		const health = (await (await raw("/_cluster/health")).json()) as Record<string, unknown>;
		for (const field of HEALTH_REQUIRED) expect(health, field).toHaveProperty([field]);
		const res = await raw("/_bulk", {
			method: "POST",
			headers: { "content-type": "application/x-ndjson" },
			body: '{"index":{"_index":"shapes","_id":"1"}}\n{}\n{"index":{"_index":"_bad","_id":"2"}}\n{}\n',
		});
		const body = (await res.json()) as {
			took: number;
			errors: boolean;
			items: Record<string, Record<string, unknown>>[];
		};
		expect(typeof body.took).toBe("number");
		for (const entry of body.items) {
			const [action, item] = Object.entries(entry)[0] as [string, Record<string, unknown>];
			expect(["index", "create", "update", "delete"]).toContain(action);
			for (const field of BULK_ITEM_REQUIRED) expect(item, field).toHaveProperty([field]);
		}
		expect(body.items[0]?.index).toMatchObject({ _shards: { total: 2, successful: 1, failed: 0 }, result: "created" });
		expect(body.items[1]?.index?.error).toMatchObject({
			type: "invalid_index_name_exception",
			reason: expect.any(String),
		});
	});
});

describe("index names", () => {
	it("follow the vendor's v3.5 names and OpenSearch's rules", () => {
		expect(organizationSegment({ id: "abc", domain: "Acme.Example.com" })).toBe("acme_example_com");
		expect(organizationSegment({ id: "65f0c0ffee00000000000001", domain: null })).toBe("65f0c0ffee00000000000001");
		expect(findingIndexName("agilesec", { id: "o", domain: "acme.example" }, "private-key")).toBe(
			"agilesec.acme_example.v3.event-key",
		);
		expect(findingIndexName("agilesec", { id: "o", domain: "acme.example" }, "trusted-cert")).toBe(
			"agilesec.acme_example.v3.event-x509",
		);
		expect(() => findingIndexName("agilesec", { id: "o", domain: "bad domain#" }, "x509")).toThrow(
			/Invalid index name/,
		);
		expect(indexNameProblem("_x")).toMatch(/start/);
		expect(indexNameProblem("a".repeat(256))).toMatch(/255/);
		expect(indexNameProblem("ok.name-1")).toBeNull();
	});
});
