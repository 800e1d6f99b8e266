import type { CallbackResponse } from "@sensorium/callbacks";
import { describe, expect, it } from "vitest";
import { EndpointSlots, judge, responseExcerpt } from "../src/index.ts";

const answer = (overrides: Partial<CallbackResponse>): CallbackResponse => ({
	ok: false,
	status: 500,
	latencyMs: 12,
	body: "",
	error: null,
	errorKind: "http",
	retryAfter: null,
	...overrides,
});

describe("judge", () => {
	const schedule = [5, 300];

	it("a 2xx succeeded", () => {
		expect(judge(schedule, 1, answer({ ok: true, status: 204 }))).toEqual({ kind: "succeeded" });
	});

	it("a 5xx is retried after the table's delay, and fails once the table is used up", () => {
		const before = Date.now();
		const verdict = judge(schedule, 1, answer({ status: 503 }));
		expect(verdict.kind).toBe("retry");
		const at = verdict.kind === "retry" ? verdict.nextAttemptAt.getTime() : 0;
		expect(at - before).toBeGreaterThanOrEqual(4_000);
		expect(judge(schedule, 3, answer({ status: 503 }))).toEqual({ kind: "failed" });
	});

	it("410 Gone is not retried: the receiver says the endpoint is gone for good", () => {
		expect(judge(schedule, 1, answer({ status: 410 }))).toEqual({ kind: "failed" });
	});
});

describe("responseExcerpt", () => {
	it("keeps 200 characters without control characters, and nothing of an empty answer", () => {
		expect(responseExcerpt("")).toBeNull();
		expect(responseExcerpt(" \n\t ")).toBeNull();
		expect(responseExcerpt("bad\u0000\u001bgateway\r\n")).toBe("bad gateway");
		const long = responseExcerpt("x".repeat(500));
		expect(long).toBe(`${"x".repeat(200)}…`);
	});
});

describe("EndpointSlots", () => {
	it("lets at most N deliveries to one endpoint be in flight, others unaffected", () => {
		const slots = new EndpointSlots(2);
		expect([slots.tryAcquire("a"), slots.tryAcquire("a"), slots.tryAcquire("a")]).toEqual([true, true, false]);
		expect(slots.tryAcquire("b")).toBe(true);
		slots.release("a");
		expect(slots.tryAcquire("a")).toBe(true);
	});
});
