import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "../src/index.ts";

const withCode = (code: string, message = "boom") => Object.assign(new Error(message), { code });

describe("isDatabaseUnavailable", () => {
	it.each([
		["a refused connection", withCode("ECONNREFUSED")],
		["a server shutting down (57P01)", withCode("57P01")],
		["a server starting up (57P03)", withCode("57P03")],
		["any connection exception class 08", withCode("08006")],
		["a dropped connection", new Error("Connection terminated unexpectedly")],
		["a pool connect timeout", new Error("timeout exceeded when trying to connect")],
		["one wrapped by drizzle", new Error("Failed query: select 1", { cause: withCode("ECONNRESET") })],
		["all addresses refused", new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")])],
	])("is true for %s", (_, error) => {
		expect(isDatabaseUnavailable(error)).toBe(true);
	});

	it.each([
		["a unique violation", withCode("23505")],
		["invalid text (22P02)", withCode("22P02")],
		["a bug", new TypeError("Cannot read properties of undefined")],
		["not an error", "ECONNREFUSED"],
	])("is false for %s", (_, error) => {
		expect(isDatabaseUnavailable(error)).toBe(false);
	});
});
