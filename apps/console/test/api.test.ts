import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, failureOf, UNREACHABLE_MESSAGE } from "../src/lib/api.ts";
import { ADMIN, fakeApi, signedIn } from "./fake-api.ts";

describe("ApiClient", () => {
	it("sends the session's CSRF token on state-changing requests only", async () => {
		const api = signedIn(fakeApi())
			.on("GET /v3/tokens", { body: { tokens: [] } })
			.on("DELETE /v3/tokens/t1", { body: { status: "successful" } });
		const client = new ApiClient({ fetch: api.fetch });
		expect(await client.getSession()).toEqual({ user: ADMIN, csrfToken: "csrf-1" });
		await client.listTokens();
		await client.revokeToken("t1");
		expect(api.sent("GET /v3/tokens")[0]?.headers["x-csrf-token"]).toBeUndefined();
		expect(api.sent("DELETE /v3/tokens/t1")[0]?.headers["x-csrf-token"]).toBe("csrf-1");
	});

	it("treats 401 from the session route as signed out, and 401 elsewhere as an ended session", async () => {
		const onUnauthorized = vi.fn();
		const api = fakeApi()
			.on("GET /v3/session", { status: 401, body: { status: "failed", message: "Unauthorized access." } })
			.on("GET /v3/sensors", { status: 401, body: { status: "failed", message: "Unauthorized access." } });
		const client = new ApiClient({ fetch: api.fetch, onUnauthorized });
		expect(await client.getSession()).toBeNull();
		expect(onUnauthorized).not.toHaveBeenCalled();
		await expect(client.listSensors()).rejects.toMatchObject({ status: 401, message: "Unauthorized access." });
		expect(onUnauthorized).toHaveBeenCalledOnce();
	});

	it("keeps the API's wording for a refused sign-in", async () => {
		const api = fakeApi().on("POST /v3/session", {
			status: 429,
			body: { status: "failed", message: "Too many failed sign-ins. Try again in 15 minutes." },
		});
		const client = new ApiClient({ fetch: api.fetch });
		await expect(client.signIn("a@b.c", "x")).rejects.toMatchObject({
			status: 429,
			message: "Too many failed sign-ins. Try again in 15 minutes.",
		});
		expect(api.requests[0]?.body).toEqual({ email: "a@b.c", password: "x" });
	});

	it("builds list queries from the filters that are set", async () => {
		const api = fakeApi()
			.on("GET /v3/executions", { body: { executions: [], nextCursor: null } })
			.on("GET /v3/scan/e1/findings", { body: { findings: [], nextCursor: null } });
		const client = new ApiClient({ fetch: api.fetch });
		await client.listExecutions({ status: "running", limit: 50 });
		await client.listFindings("e1", { type: "key", cursor: "f9" });
		expect(Object.fromEntries(api.requests[0]?.query ?? [])).toEqual({ status: "running", limit: "50" });
		expect(Object.fromEntries(api.requests[1]?.query ?? [])).toEqual({ type: "key", cursor: "f9" });
	});

	it("asks with HEAD whether a CBOM can be downloaded", async () => {
		const api = fakeApi().on("HEAD /v3/scan/e1/cbom", { status: 200 });
		const client = new ApiClient({ fetch: api.fetch });
		expect(await client.cbomAvailable("e1")).toBe(true);
		expect(await client.cbomAvailable("e2")).toBe(false);
		expect(client.cbomUrl("e1")).toBe("/v3/scan/e1/cbom");
	});

	it("says the API cannot be reached when the request itself fails", async () => {
		const client = new ApiClient({ fetch: () => Promise.reject(new TypeError("Failed to fetch")) });
		await expect(client.listSensors()).rejects.toEqual(new ApiError(0, UNREACHABLE_MESSAGE));
	});
});

describe("failureOf", () => {
	it("lists every problem the API reported, the first as the message", () => {
		const error = failureOf(400, "Bad Request", {
			status: "failed",
			message: "Missing required field: name.",
			errors: ["Missing required field: name.", "Missing required field: url."],
		});
		expect(error.message).toBe("Missing required field: name.");
		expect(error.problems).toEqual(["Missing required field: name.", "Missing required field: url."]);
	});

	it("uses the message alone without an errors list", () => {
		expect(failureOf(403, "", { status: "failed", message: "Missing or invalid CSRF token." }).problems).toEqual([
			"Missing or invalid CSRF token.",
		]);
	});

	it("describes an answer that is not the API's (a proxy's error page)", () => {
		expect(failureOf(502, "Bad Gateway", null).message).toBe("The API answered 502 Bad Gateway.");
	});
});
