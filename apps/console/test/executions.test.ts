import { describe, expect, it } from "vitest";
import {
	appendPage,
	MAX_PAGE_SIZE,
	mergeRefreshed,
	PAGE_SIZE,
	parseStatus,
	refreshLimit,
} from "../src/lib/executions.ts";
import type { ExecutionPage, ExecutionSummary } from "../src/lib/types.ts";

function execution(id: string, status: ExecutionSummary["status"] = "successful"): ExecutionSummary {
	return {
		executionId: id,
		sensorId: "s",
		sensorName: "n",
		sensorType: "GIT Sensor",
		status,
		priority: "medium",
		labels: [],
		ranBy: "a@b.c",
		ranAt: "2026-11-27T12:00:00.000Z",
		startedAt: null,
		finishedAt: null,
		durationMs: null,
		message: "",
	};
}

const page = (ids: string[], nextCursor: string | null = null): ExecutionPage => ({
	executions: ids.map((id) => execution(id)),
	nextCursor,
});

describe("scans list paging", () => {
	it("accepts only the API's statuses as a filter", () => {
		expect(parseStatus("running")).toBe("running");
		expect(parseStatus("bogus")).toBeUndefined();
		expect(parseStatus(null)).toBeUndefined();
	});

	it("refreshes as many as are shown, within one request", () => {
		expect(refreshLimit(0)).toBe(PAGE_SIZE);
		expect(refreshLimit(120)).toBe(120);
		expect(refreshLimit(900)).toBe(MAX_PAGE_SIZE);
	});

	it("takes the refreshed page when it covers everything shown", () => {
		const fresh = page(["09", "08", "07"], "07");
		expect(mergeRefreshed(page(["08", "07"], "07"), fresh)).toBe(fresh);
		expect(mergeRefreshed(page(["08"]), page(["09", "08"]))).toEqual(page(["09", "08"]));
	});

	it("keeps older executions beyond a refresh that could not cover them", () => {
		const current = page(["08", "07", "06", "05"], "05");
		const fresh = page(["09", "08"], "08");
		expect(mergeRefreshed(current, fresh)).toEqual(page(["09", "08", "07", "06", "05"], "05"));
	});

	it("appends an older page without repeating executions already shown", () => {
		expect(appendPage(page(["09", "08"], "08"), page(["08", "07"], null))).toEqual(page(["09", "08", "07"], null));
	});
});
