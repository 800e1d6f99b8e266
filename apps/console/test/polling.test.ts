import { describe, expect, it } from "vitest";
import { shouldPollExecution, shouldPollExecutions } from "../src/lib/polling.ts";
import type { Delivery } from "../src/lib/types.ts";

const NOW = Date.parse("2026-11-27T12:00:00Z");

function delivery(status: string, nextAttemptAt: string | null = null): Delivery {
	return { deliveryId: "d", callbackId: "c", status, attempts: 0, nextAttemptAt, attemptLog: [] };
}

describe("polling decisions", () => {
	it("refreshes the scans list while any scan is queued or running", () => {
		expect(shouldPollExecutions(["successful", "running"])).toBe(true);
		expect(shouldPollExecutions(["queued"])).toBe(true);
		expect(shouldPollExecutions(["successful", "failed"])).toBe(false);
		expect(shouldPollExecutions([])).toBe(false);
	});

	it("refreshes an execution while it runs", () => {
		expect(shouldPollExecution(undefined, [])).toBe(false);
		expect(shouldPollExecution("running", [], NOW)).toBe(true);
		expect(shouldPollExecution("successful", [], NOW)).toBe(false);
	});

	it("keeps refreshing a finished execution while a delivery is about to be sent", () => {
		expect(shouldPollExecution("failed", [delivery("pending")], NOW)).toBe(true);
		expect(shouldPollExecution("failed", [delivery("pending", new Date(NOW + 30_000).toISOString())], NOW)).toBe(true);
		expect(shouldPollExecution("failed", [delivery("pending", new Date(NOW + 3_600_000).toISOString())], NOW)).toBe(
			false,
		);
		expect(shouldPollExecution("successful", [delivery("succeeded"), delivery("failed")], NOW)).toBe(false);
	});
});
