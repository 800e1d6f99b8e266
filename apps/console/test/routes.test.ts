import { describe, expect, it } from "vitest";
import { needsAdmin, parseRoute, paths, stripBase, withBase } from "../src/lib/routes.ts";

describe("routes", () => {
	it.each([
		["/", { name: "scans" }],
		["/scans", { name: "scans" }],
		["/scans/", { name: "scans" }],
		["/scans/6b09ec11a4e9bc52934d539d", { name: "execution", executionId: "6b09ec11a4e9bc52934d539d" }],
		["/settings/tokens", { name: "tokens" }],
		["/settings/callbacks", { name: "callbacks" }],
		["/scans/a/b", { name: "not-found" }],
		["/scans/%E0%A4%A", { name: "not-found" }],
		["/elsewhere", { name: "not-found" }],
	])("%s", (path, route) => {
		expect(parseRoute(path)).toEqual(route);
	});

	it("round-trips the paths it builds", () => {
		expect(parseRoute(paths.execution("abc"))).toEqual({ name: "execution", executionId: "abc" });
	});

	it("strips and adds the base the console is served under", () => {
		expect(stripBase("/console/scans", "/console/")).toBe("/scans");
		expect(stripBase("/console", "/console/")).toBe("/");
		expect(stripBase("/consoles", "/console/")).toBe("/consoles");
		expect(stripBase("/scans", "/")).toBe("/scans");
		expect(withBase("/scans?status=failed", "/console/")).toBe("/console/scans?status=failed");
		expect(withBase("/scans", "/")).toBe("/scans");
	});

	it("marks the settings as administrators' screens", () => {
		expect(needsAdmin({ name: "tokens" })).toBe(true);
		expect(needsAdmin({ name: "callbacks" })).toBe(true);
		expect(needsAdmin({ name: "scans" })).toBe(false);
	});
});
