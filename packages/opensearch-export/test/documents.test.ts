import type { FindingView } from "@sensorium/findings";
import { describe, expect, it } from "vitest";
import { bulkItem, ndjsonBody, ndjsonLines } from "../src/documents.ts";
import { chunkBySize } from "../src/processor.ts";
import { backoffDelay, isRetryableStatus } from "../src/retry.ts";

const view: FindingView = {
	version: 1,
	findingId: "65f0c0ffee00000000000001",
	kind: "private-key",
	identity: "key:ab",
	status: "resolved",
	observation: { sensorId: "65f0c0ffee00000000000002", file: { path: "deploy/id_rsa", line: 1 } },
	crypto: { key: { type: "private-key", algorithm: "RSA", size: 2048 } },
	analysis: { priority: "high" },
	labels: [{ team: "pki" }, { env: "prod" }],
	firstSeenExecutionId: "65f0c0ffee00000000000003",
	lastSeenExecutionId: "65f0c0ffee00000000000004",
	firstSeenAt: "2026-11-01T00:00:00.000Z",
	lastSeenAt: "2026-11-02T00:00:00.000Z",
	resolvedAt: "2026-12-01T00:00:00.000Z",
};

describe("finding documents", () => {
	it("carry the finding, its labels as one object, @timestamp, first_found and the last execution", () => {
		const item = bulkItem("agilesec", { id: "o1", domain: "acme.example" }, view, new Date("2026-12-04T10:00:00Z"));
		expect(item.index).toBe("agilesec.acme_example.v3.event-key");
		expect(item.id).toBe(view.findingId);
		expect(JSON.parse(item.source)).toEqual({
			...view,
			labels: { team: "pki", env: "prod" },
			"@timestamp": "2026-12-04T10:00:00.000Z",
			first_found: "2026-11-01T00:00:00.000Z",
			executionId: "65f0c0ffee00000000000004",
			orgId: "o1",
		});
		const lines = ndjsonBody([item, item]).split("\n");
		expect(lines).toHaveLength(5);
		expect(lines.at(-1)).toBe("");
		expect(JSON.parse(lines[0] as string)).toEqual({
			index: { _index: "agilesec.acme_example.v3.event-key", _id: view.findingId },
		});
	});

	it("are cut into requests of at most maxBytes, an oversized one alone", () => {
		const make = (id: string, size: number) => ({ index: "i", id, source: JSON.stringify({ pad: "x".repeat(size) }) });
		const items = [make("a", 100), make("b", 100), make("c", 1000), make("d", 10)];
		const size = (id: string) => Buffer.byteLength(ndjsonLines(items.find((i) => i.id === id) as (typeof items)[0]));
		const chunks = chunkBySize(items, size("a") + size("b"));
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
