import { createScanBodySchema, ROUTES, scanRoutes } from "@sensorium/api-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

let h: Harness;
let org: Org;
beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
});
afterAll(() => h.close());

const toOpenApi = (path: string) => path.replace(/:(\w+)/g, "{$1}");

describe("/openapi.json", () => {
	it("is OpenAPI 3.1 and documents every /v3 route the app serves, and only those", async () => {
		const res = await h.app.request("/openapi.json");
		expect(res.status).toBe(200);
		const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
		expect(doc.openapi).toBe("3.1.0");
		const served = h.app.routes
			.filter((r) => r.path.startsWith("/v3/") && r.method !== "ALL")
			.map((r) => `${r.method.toLowerCase()} ${r.path}`);
		expect(new Set(served)).toEqual(new Set(ROUTES.map((route) => `${route.method} ${route.path}`)));
		const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
		expect(new Set(served.map(toOpenApi))).toEqual(new Set(documented));
	});

	it("describes what the API really answers", async () => {
		const created = await h.request("POST", "/v3/scan/create", { token: org.apiToken, body: createBody() });
		const route = scanRoutes.create;
		expect(route.responses[200]?.schema?.safeParse(created.body).success).toBe(true);
		const status = await h.request("GET", `/v3/scan/${created.body.executionId}`, { token: org.apiToken });
		expect(scanRoutes.status.responses[200]?.schema?.safeParse(status.body).success).toBe(true);
		const failed = await h.request("POST", "/v3/scan/create", { token: org.apiToken, body: {} });
		expect(route.responses[400]?.schema?.safeParse(failed.body).success).toBe(true);
		expect(createScanBodySchema.safeParse(createBody()).success).toBe(true);
	});
});

describe("/docs", () => {
	it("is a self-contained interactive page (no external assets)", async () => {
		const res = await h.app.request("/docs");
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain("/openapi.json");
		expect(html).toContain("isg-api-token");
		expect(html).not.toMatch(/(src|href)="https?:/);
	});
});
