import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

// NUL and unpaired surrogates are valid JSON but no Postgres text column holds them: each must be a 400 with
// the field's own contract message, never a 500 after validation passed.
let h: Harness;
let org: Org;

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
});
afterAll(() => h.close());

const NUL = "a\u0000b";
const LONE = "x\ud800y";
const post = (path: string, body: unknown, token = org.apiToken) => h.request("POST", path, { token, body });

describe("text Postgres cannot store", () => {
	it.each([NUL, LONE])("answers the field's message for sensorName %j", async (bad) => {
		const res = await post("/v3/scan/create", createBody({ sensorName: bad }));
		expect(res).toMatchObject({ status: 400, body: { message: "Invalid type for sensorName: expected string." } });
	});

	it.each([
		["url", { url: `https://git.example.com/${NUL}.git` }],
		["branch", { url: "https://git.example.com/a.git", branch: LONE }],
		["a glob", { url: "https://git.example.com/a.git", include_paths: [NUL] }],
	])("answers Invalid input for sensorConfig. for %s", async (_, sensorConfig) => {
		const res = await post("/v3/scan/create", createBody({ sensorConfig }));
		expect(res).toMatchObject({ status: 400, body: { message: "Invalid input for sensorConfig." } });
	});

	it.each([[[{ team: NUL }]], [[{ [NUL]: "payments" }]]])("answers the labels message for %j", async (labels) => {
		const res = await post("/v3/scan/create", createBody({ labels }));
		expect(res).toMatchObject({
			status: 400,
			body: { message: "Invalid type for labels: expected array of single key/value objects." },
		});
	});

	it("rejects it in a sensorId on execute, a token name, a callback name and a sign-in email", async () => {
		for (const [path, body, token] of [
			["/v3/scan/execute", { sensorId: NUL }, org.apiToken],
			["/v3/tokens", { name: LONE, type: "API Token" }, org.adminToken],
			["/v3/callbacks", { name: NUL, url: "https://hooks.example.com/x", authType: "none" }, org.adminToken],
			["/v3/session", { email: NUL, password: "whatever-password" }, undefined],
		] as const) {
			const res = await post(path, body, token);
			expect(res.status, path).toBe(400);
			expect(res.body.message, path).not.toBe("Internal server error.");
		}
	});
});
