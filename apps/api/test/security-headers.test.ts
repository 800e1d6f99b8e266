import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, type Org } from "./harness.ts";

let h: Harness;
let org: Org;

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
});
afterAll(() => h.close());

describe("security headers", () => {
	it("puts a strict policy, no framing and no sniffing on every response", async () => {
		for (const path of ["/healthz", "/docs", "/v3/scan/6b09d8a7197f6b4c7e9999b1", "/no-such-route"]) {
			const res = await h.app.request(path, { headers: { "isg-api-token": org.apiToken } });
			const csp = res.headers.get("content-security-policy") ?? "";
			expect(csp, path).toContain("script-src 'self'");
			expect(csp, path).toContain("style-src 'self'");
			expect(csp, path).toContain("frame-ancestors 'none'");
			expect(csp, path).not.toContain("unsafe-inline");
			expect(res.headers.get("x-frame-options"), path).toBe("DENY");
			expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
		}
	});

	it("serves /docs without any inline script or style, which the policy would block", async () => {
		const page = await (await h.app.request("/docs")).text();
		expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
		expect(page).not.toMatch(/<style|\sstyle="/);
		for (const asset of ["/docs/docs.js", "/docs/docs.css"]) {
			const res = await h.app.request(asset);
			expect(res.status, asset).toBe(200);
			expect(res.headers.get("content-type"), asset).toMatch(/^text\/(javascript|css)/);
		}
	});

	it("never lets a response that carries a secret be cached", async () => {
		const created = await h.request("POST", "/v3/tokens", {
			token: org.adminToken,
			body: { name: "ci", type: "API Token" },
		});
		expect(created.status).toBe(201);
		expect(created.headers.get("cache-control")).toBe("no-store");
		const registered = await h.request("POST", "/v3/callbacks", {
			token: org.adminToken,
			body: { name: "hook", url: "http://127.0.0.1:9/hook", authType: "bearer", tokenValue: "s3cret-value" },
		});
		expect(registered.headers.get("cache-control")).toBe("no-store");
	});

	it("sends HSTS only when the request came over https", async () => {
		expect((await h.app.request("/healthz")).headers.get("strict-transport-security")).toBeNull();
		const proxied = await h.app.request("/healthz", { headers: { "x-forwarded-proto": "https" } });
		expect(proxied.headers.get("strict-transport-security")).toMatch(/^max-age=\d+/);
	});
});
