import { describe, expect, it } from "vitest";
import { isRedisUnavailable } from "../src/index.ts";

describe("isRedisUnavailable", () => {
	it.each([
		"Stream isn't writeable and enableOfflineQueue options is false",
		"Connection is closed.",
		'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
		"Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down",
		"READONLY You can't write against a read only replica.",
	])("is true for %s", (message) => {
		expect(isRedisUnavailable(new Error(message))).toBe(true);
		expect(isRedisUnavailable(new Error("wrapped", { cause: new Error(message) }))).toBe(true);
	});

	it("is false for other errors", () => {
		expect(isRedisUnavailable(new Error("Missing lock for job 1. moveToFinished"))).toBe(false);
		expect(isRedisUnavailable(undefined)).toBe(false);
	});
});
