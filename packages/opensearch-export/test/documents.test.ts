import { findingView } from "@sensorium/findings";
import { describe, expect, it } from "vitest";
import { type BulkItem, bulkItem, type ExportedFinding, ndjsonBody } from "../src/documents.ts";
import { chunkBySize } from "../src/processor.ts";
import { backoffDelay, isRetryableStatus } from "../src/retry.ts";

const crypto = { key: { type: "private-key", algorithm: "RSA", size: 2048, note: 'quote " and \\ and ü' } };
const analysis = { priority: "high", reasons: [{ rule: "quantum-vulnerable", priority: "high" }] };

const row = {
	id: "65f0c0ffee00000000000001",
	orgId: "o1",
	sensorId: "65f0c0ffee00000000000002",
	kind: "private-key",
	identity: "key:ab",
	path: "deploy/id_rsa",
	line: 1,
	status: "resolved" as const,
	labels: [{ team: "pki" }, { env: "prod" }] as Record<string, string>[],
	firstSeenExecutionId: "65f0c0ffee00000000000003",
	lastSeenExecutionId: "65f0c0ffee00000000000004",
	firstSeenAt: new Date("2026-11-01T00:00:00.000Z"),
	lastSeenAt: new Date("2026-11-02T00:00:00.000Z"),
	resolvedAt: new Date("2026-12-01T00:00:00.000Z"),
	layerDigest: null,
};

// What Postgres hands the export: the JSON columns as text (jsonb's output is one line).
const exported: ExportedFinding = {
	...row,
	cryptoJson: JSON.stringify(crypto),
	analysisJson: JSON.stringify(analysis),
	org: { id: "o1", domain: "acme.example" },
};

describe("finding documents", () => {
	it("are the findings API's view plus labels as one object, @timestamp, first_found and the last execution", () => {
		const item = bulkItem("agilesec", exported, new Date("2026-12-04T10:00:00Z"));
		expect(item.index).toBe("agilesec.acme_example.v3.event-key");
		expect(item.id).toBe(row.id);
		const [action, source, rest] = item.lines.split("\n");
		expect(rest).toBe("");
		expect(JSON.parse(action as string)).toEqual({
			index: { _index: "agilesec.acme_example.v3.event-key", _id: row.id },
		});
		const view = findingView({ ...row, crypto, analysis });
		expect(JSON.parse(source as string)).toEqual({
			...view,
			labels: { team: "pki", env: "prod" },
			"@timestamp": "2026-12-04T10:00:00.000Z",
			first_found: "2026-11-01T00:00:00.000Z",
			executionId: "65f0c0ffee00000000000004",
			orgId: "o1",
		});
	});

	it("have analysis null when no evaluator ran, and a null line for binary files", () => {
		const item = bulkItem("agilesec", { ...exported, analysisJson: null, line: 0 }, new Date());
		const source = JSON.parse(item.lines.split("\n")[1] as string);
		expect(source.analysis).toBeNull();
		expect(source.observation.file.line).toBeNull();
		expect(ndjsonBody([item, item])).toBe(item.lines + item.lines);
	});

	it("are cut into requests of at most maxBytes, an oversized one alone", () => {
		const make = (id: string, size: number): BulkItem => ({ index: "i", id, lines: `${"x".repeat(size)}\n` });
		const items = [make("a", 100), make("b", 100), make("c", 1000), make("d", 10)];
		const chunks = chunkBySize(items, 202);
		expect(chunks.map((c) => c.map((i) => i.id))).toEqual([["a", "b"], ["c"], ["d"]]);
	});
});

describe("retry decisions", () => {
	it("retries overload and proxy failures only", () => {
		expect([429, 502, 503, 504].every(isRetryableStatus)).toBe(true);
		expect([400, 401, 403, 404, 413, 500].some(isRetryableStatus)).toBe(false);
	});

	it("backs off exponentially up to the cap, with jitter in the upper half of each step", () => {
		const backoff = { baseMs: 1_000, maxMs: 60_000 };
		expect(backoffDelay(backoff, 1, () => 0)).toBe(500);
		expect(backoffDelay(backoff, 1, () => 1)).toBe(1_000);
		expect(backoffDelay(backoff, 4, () => 0.5)).toBe(6_000);
		expect(backoffDelay(backoff, 30, () => 1)).toBe(60_000);
		expect(backoffDelay(backoff, 30, () => 0)).toBe(30_000);
	});
});
