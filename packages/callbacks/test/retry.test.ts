import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE, decideRetry, parseRetrySchedule } from "../src/index.ts";

const schedule = DEFAULT_RETRY_SCHEDULE;
const noJitter = () => 0.5;

describe("decideRetry", () => {
	it("uses Svix's default schedule", () => {
		expect(DEFAULT_RETRY_SCHEDULE).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
		expect(Object.isFrozen(DEFAULT_RETRY_SCHEDULE)).toBe(true);
	});

	it("waits schedule[attemptsMade - 1] seconds after each failed attempt", () => {
		const delays = schedule.map(
			(_, i) => decideRetry({ schedule, attemptsMade: i + 1, status: 500, random: noJitter }).delayMs,
		);
		expect(delays).toEqual(schedule.map((seconds) => seconds * 1000));
	});

	it("adds ±20 % uniform jitter", () => {
		const low = decideRetry({ schedule, attemptsMade: 2, status: 500, random: () => 0 });
		const high = decideRetry({ schedule, attemptsMade: 2, status: 500, random: () => 1 });
		expect(low).toEqual({ retry: true, delayMs: 240_000, reason: "HTTP 500" });
		expect(high.delayMs).toBe(360_000);
		for (let i = 0; i < 200; i++) {
			const { delayMs } = decideRetry({ schedule, attemptsMade: 1, status: null });
			expect(delayMs).toBeGreaterThanOrEqual(4000);
			expect(delayMs).toBeLessThanOrEqual(6000);
		}
	});

	it("retries redirects, client errors, server errors, network errors and timeouts on the schedule", () => {
		for (const status of [301, 302, 400, 401, 404, 429, 500, 502, 503, 504]) {
			expect(decideRetry({ schedule, attemptsMade: 1, status, random: noJitter }), String(status)).toEqual({
				retry: true,
				delayMs: 5000,
				reason: `HTTP ${status}`,
			});
		}
		expect(decideRetry({ schedule, attemptsMade: 1, status: null, random: noJitter }).reason).toBe("network error");
		expect(decideRetry({ schedule, attemptsMade: 1, status: null, timedOut: true, random: noJitter })).toEqual({
			retry: true,
			delayMs: 5000,
			reason: "timeout",
		});
	});

	it("stops on 410 Gone, even with attempts left", () => {
		expect(decideRetry({ schedule, attemptsMade: 1, status: 410 })).toEqual({
			retry: false,
			delayMs: 0,
			reason: "gone",
		});
	});

	it("stops when the schedule is exhausted", () => {
		expect(decideRetry({ schedule, attemptsMade: 7, status: 500 }).retry).toBe(true);
		expect(decideRetry({ schedule, attemptsMade: 8, status: 500 })).toEqual({
			retry: false,
			delayMs: 0,
			reason: "schedule exhausted",
		});
		expect(decideRetry({ schedule: [], attemptsMade: 1, status: null }).reason).toBe("schedule exhausted");
	});

	it("does not retry a 2xx", () => {
		expect(decideRetry({ schedule, attemptsMade: 1, status: 204 })).toEqual({
			retry: false,
			delayMs: 0,
			reason: "success",
		});
	});

	it("refuses an attempt count below 1", () => {
		expect(() => decideRetry({ schedule, attemptsMade: 0, status: 500 })).toThrow(RangeError);
	});

	describe("Retry-After on 429 and 503", () => {
		const now = new Date("2026-01-01T00:00:00Z");
		const after = (retryAfter: string, status = 429, attemptsMade = 2) =>
			decideRetry({ schedule, attemptsMade, status, retryAfter, now, random: () => 0 });

		it("is honoured in seconds, without jitter, within [scheduled, 2 × scheduled]", () => {
			expect(after("450")).toEqual({ retry: true, delayMs: 450_000, reason: "Retry-After" });
			expect(after("450", 503).delayMs).toBe(450_000);
			expect(after("10").delayMs).toBe(300_000);
			expect(after("0").delayMs).toBe(300_000);
			expect(after("86400").delayMs).toBe(600_000);
			expect(after("86400", 429, 1).delayMs).toBe(10_000);
		});

		it("is honoured as an HTTP-date, clamped the same way", () => {
			expect(after("Thu, 01 Jan 2026 00:07:00 GMT").delayMs).toBe(420_000);
			expect(after("Thu, 01 Jan 2026 05:00:00 GMT").delayMs).toBe(600_000);
			expect(after("Wed, 31 Dec 2025 23:00:00 GMT").delayMs).toBe(300_000);
		});

		it("is ignored when invalid or on other statuses", () => {
			for (const value of ["soon", "1.5", "-5", "", "  "]) {
				expect(after(value), value).toEqual({ retry: true, delayMs: 240_000, reason: "HTTP 429" });
			}
			expect(after("450", 500).delayMs).toBe(240_000);
			expect(after("450", 301).delayMs).toBe(240_000);
		});
	});
});

describe("parseRetrySchedule", () => {
	it("parses seconds separated by commas", () => {
		expect(parseRetrySchedule("5,300,1800")).toEqual([5, 300, 1800]);
		expect(parseRetrySchedule(" 0 , 1.5,60 ")).toEqual([0, 1.5, 60]);
		expect(parseRetrySchedule("5,300,1800,7200,18000,36000,36000")).toEqual([...DEFAULT_RETRY_SCHEDULE]);
		expect(parseRetrySchedule(Array(30).fill("1").join(","))).toHaveLength(30);
	});

	it.each([
		["", /entry 1 is empty/],
		["5,,300", /entry 2 is empty/],
		["5,300,", /entry 3 is empty/],
		["5,abc", /entry 2 \(abc\) is not a number of seconds/],
		["5,1e3", /entry 2 \(1e3\) is not a number of seconds/],
		["5,-300", /entry 2 \(-300\) is negative/],
		[Array(31).fill("1").join(","), /31 entries, at most 30/],
	])("rejects %j", (text, message) => {
		expect(() => parseRetrySchedule(text)).toThrow(message);
		expect(() => parseRetrySchedule(text)).toThrow(/expected seconds separated by commas/);
	});
});
