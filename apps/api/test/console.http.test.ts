import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createHarness, type Harness } from "./harness.ts";

let harness: Harness;
const dir = mkdtempSync(join(tmpdir(), "sensorium-console-dist-"));
beforeAll(async () => {
	harness = await createHarness();
});
afterAll(async () => {
	await harness.close();
	rmSync(dir, { recursive: true, force: true });
});

it("answers a page saying how to build the console until it is built, then serves it without a restart", async () => {
	const app = createApp({ ...harness.deps, consoleDir: dir });
	for (const path of ["/console", "/console/", "/console/scans/6b09d8a7197f6b4c7e9999b1"]) {
		const res = await app.request(path);
		expect(res.status, path).toBe(503);
		expect(res.headers.get("content-type")).toMatch(/^text\/html/);
		expect(await res.text()).toContain("npm run build -w @sensorium/console");
	}

	writeFileSync(join(dir, "index.html"), "<!doctype html><title>console</title>");
	expect((await app.request("/console")).status).toBe(302);
	const index = await app.request("/console/");
	expect(index.status).toBe(200);
	expect(await index.text()).toContain("<title>console</title>");
	const deepLink = await app.request("/console/scans/6b09d8a7197f6b4c7e9999b1");
	expect(deepLink.status).toBe(200);
	expect(await deepLink.text()).toContain("<title>console</title>");
});
