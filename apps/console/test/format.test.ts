import { describe, expect, it } from "vitest";
import {
	expiryState,
	formatBytes,
	formatDate,
	formatDateTime,
	formatDuration,
	formatLabels,
	formatLocation,
	formatRelative,
} from "../src/lib/format.ts";

const NOW = Date.parse("2026-11-27T12:00:00Z");
const DAY = 86_400_000;

describe("formatDuration", () => {
	it.each([
		[null, "—"],
		[-1, "—"],
		[0, "0 ms"],
		[850, "850 ms"],
		[1_234, "1.2 s"],
		[12_400, "12 s"],
		[184_000, "3 min 4 s"],
		[180_000, "3 min"],
		[7_500_000, "2 h 5 min"],
	])("%s ms → %s", (ms, text) => {
		expect(formatDuration(ms)).toBe(text);
	});
});

describe("formatBytes", () => {
	it.each([
		[undefined, "—"],
		[0, "0 B"],
		[1023, "1023 B"],
		[1536, "1.5 KiB"],
		[20 * 1024 * 1024, "20 MiB"],
		[3.25 * 1024 ** 3, "3.3 GiB"],
	])("%s → %s", (bytes, text) => {
		expect(formatBytes(bytes)).toBe(text);
	});
});

describe("dates", () => {
	it("formats in the given locale and time zone", () => {
		expect(formatDateTime("2026-11-27T19:30:00.000Z", "en-GB", "UTC")).toBe("27 Nov 2026, 19:30");
		expect(formatDate("2026-11-27T19:30:00.000Z", "en-US", "UTC")).toBe("Nov 27, 2026");
		expect(formatDateTime(null)).toBe("—");
		expect(formatDate("not a date")).toBe("—");
	});

	it("says how long ago or how far ahead", () => {
		expect(formatRelative(new Date(NOW - 10_000).toISOString(), NOW)).toBe("just now");
		expect(formatRelative(new Date(NOW - 5 * 60_000).toISOString(), NOW)).toBe("5 minutes ago");
		expect(formatRelative(new Date(NOW - 3 * 3_600_000).toISOString(), NOW)).toBe("3 hours ago");
		expect(formatRelative(new Date(NOW - DAY).toISOString(), NOW)).toBe("yesterday");
		expect(formatRelative(new Date(NOW + 90 * DAY).toISOString(), NOW)).toBe("in 3 months");
		expect(formatRelative(new Date(NOW - 800 * DAY).toISOString(), NOW)).toBe("2 years ago");
	});

	it("tells expired, expiring within 30 days and valid apart", () => {
		expect(expiryState(new Date(NOW - 1).toISOString(), NOW)).toBe("expired");
		expect(expiryState(new Date(NOW + 29 * DAY).toISOString(), NOW)).toBe("soon");
		expect(expiryState(new Date(NOW + 31 * DAY).toISOString(), NOW)).toBe("valid");
		expect(expiryState(null, NOW)).toBe("unknown");
	});
});

describe("labels and locations", () => {
	it("writes labels as key=value", () => {
		expect(formatLabels([{ team: "pki" }, { env: "prod" }])).toEqual(["team=pki", "env=prod"]);
		expect(formatLabels(undefined)).toEqual([]);
	});

	it("adds the line when there is one", () => {
		expect(formatLocation("certs/a.pem", 12)).toBe("certs/a.pem:12");
		expect(formatLocation("store.p12", null)).toBe("store.p12");
	});
});
