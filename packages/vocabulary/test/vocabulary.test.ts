import { describe, expect, it } from "vitest";
import { ACTIVE_EXECUTION_STATUSES, EXECUTION_STATUSES, messages, PRIORITIES, SEVERITIES } from "../src/index.ts";

describe("vocabulary", () => {
	it("lists scan priorities in queue order and severities most serious first", () => {
		expect(PRIORITIES).toEqual(["high", "medium", "low"]);
		expect(SEVERITIES).toEqual(["critical", "high", "medium", "low", "info"]);
	});

	it("active statuses are statuses", () => {
		for (const status of ACTIVE_EXECUTION_STATUSES) expect(EXECUTION_STATUSES).toContain(status);
	});

	it("keeps the spec's wording to the character, curly quotes included", () => {
		expect(messages.invalidPriorityCreate).toBe(
			"Invalid type or value for priority: expected string [\u2018low\u2019, \u2018medium\u2019, \u2018high\u2019].",
		);
		expect(messages.createSuccess).toBe("Create new sensor and trigger scan successfully");
		expect(messages.invalidLimit(500)).toBe("Invalid value for limit: expected an integer from 1 to 500.");
	});
});
