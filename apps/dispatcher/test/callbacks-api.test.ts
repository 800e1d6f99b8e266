import { callbackEndpoints } from "@sensorium/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDispatchHarness, type DispatchHarness } from "./harness.ts";
import { Receiver } from "./receivers.ts";

let h: DispatchHarness;
let strict: DispatchHarness;
const receiver = new Receiver(() => ({ status: 405 }));

beforeAll(async () => {
	h = await createDispatchHarness();
	strict = await createDispatchHarness({ allowLoopback: false });
	await receiver.start();
});
afterAll(async () => {
	await receiver.stop();
	await h.close();
	await strict.close();
});

const register = (body: Record<string, unknown>, harness = h) => harness.api("POST", "/v3/callbacks", body);

describe("POST /v3/callbacks", () => {
	it("registers after a reachability check and shows the signing secret once", async () => {
		const res = await register({
			name: "ci-hooks",
			url: receiver.url,
			authType: "bearer",
			tokenValue: "bearer-secret-123",
		});
		expect(res.status).toBe(201);
		expect(res.body).toMatchObject({
			status: "successful",
			callbackId: expect.stringMatching(/^[0-9a-f]{24}$/),
			name: "ci-hooks",
			url: receiver.url,
			authType: "bearer",
			hasToken: true,
			signingSecret: expect.stringMatching(/^whsec_/),
			reachability: { statusCode: 405 },
		});
		// The probe carried the endpoint's authentication.
		expect(receiver.requests.at(-1)?.headers.authorization).toBe("Bearer bearer-secret-123");

		const id = res.body.callbackId as string;
		for (const view of [await h.api("GET", `/v3/callbacks/${id}`), await h.api("GET", "/v3/callbacks")]) {
			const text = JSON.stringify(view.body);
			expect(view.status).toBe(200);
			expect(text).toContain(id);
			expect(text).not.toContain("bearer-secret-123");
			expect(text).not.toContain(res.body.signingSecret as string);
		}
		const rows = JSON.stringify(await h.database.db.select().from(callbackEndpoints));
		expect(rows).not.toContain("bearer-secret-123");
		expect(rows).not.toContain((res.body.signingSecret as string).slice(6));
	});

	it("sends the custom header for apiToken", async () => {
		const res = await register({
			name: "custom",
			url: receiver.url,
			authType: "apiToken",
			headerName: "X-Custom-Auth",
			tokenValue: "t0k",
		});
		expect(res.status).toBe(201);
		expect(receiver.requests.at(-1)?.headers["x-custom-auth"]).toBe("t0k");
	});

	it.each([
		[{ url: "https://h.example/x" }, "Missing required field: name."],
		[{ name: 5, url: "https://h.example/x" }, "Invalid type for name: expected string."],
		[{ name: "n".repeat(201), url: "https://h.example/x" }, "Invalid value for name: expected 1 to 200 characters."],
		[{ name: "n" }, "Missing required field: url."],
		[{ name: "n", url: "ftp://h.example/x" }, null],
		[{ name: "n", url: `https://h.example/${"x".repeat(200)}` }, null],
		[{ name: "n", url: "https://user:pw@h.example/x" }, null],
		[
			{ name: "n", url: "https://h.example/x", authType: "basic" },
			"Invalid value for authType: expected 'none', 'bearer' or 'apiToken'.",
		],
		[
			{ name: "n", url: "https://h.example/x", authType: "bearer" },
			"Missing required field: tokenValue (required when authType is 'bearer' or 'apiToken').",
		],
		[
			{ name: "n", url: "https://h.example/x", authType: "apiToken", tokenValue: "t" },
			"Missing required field: headerName (required when authType is 'apiToken').",
		],
		[
			{ name: "n", url: "https://h.example/x", authType: "apiToken", headerName: "Bad Header", tokenValue: "t" },
			"Invalid value for headerName: expected a valid HTTP header name.",
		],
		[
			{ name: "n", url: "https://h.example/x", authType: "apiToken", headerName: "Webhook-Signature", tokenValue: "t" },
			"Invalid value for headerName: 'Webhook-Signature' is set by Sensorium itself.",
		],
		[
			{ name: "n", url: "https://h.example/x", tokenValue: "t" },
			"Invalid value for tokenValue: only used when authType is 'bearer' or 'apiToken'.",
		],
		[{ name: "n", url: "https://h.example/x", extra: 1 }, "Unexpected field 'extra' found in request body."],
	])("rejects %j", async (body, message) => {
		const res = await register(body);
		expect(res.status).toBe(400);
		if (message) expect(res.body.message).toBe(message);
		else expect(res.body.message).toMatch(/^Invalid value for url: /);
	});

	it("refuses an endpoint that does not answer", async () => {
		const closed = new Receiver();
		await closed.start();
		const url = closed.url;
		await closed.stop();
		const res = await register({ name: "dead", url });
		expect(res.status).toBe(400);
		expect(res.body.message).toMatch(/^Callback URL is not reachable: /);
	});

	it("refuses loopback and private addresses unless CALLBACK_ALLOWED_NETWORKS allows them", async () => {
		for (const url of [
			receiver.url,
			"http://169.254.169.254/latest/meta-data",
			"http://10.0.0.1/hook",
			"http://[::ffff:127.0.0.1]/hook",
		]) {
			const res = await register({ name: "ssrf", url }, strict);
			expect(res.status, url).toBe(400);
			expect(res.body.message).toMatch(/^Callback URL is not allowed/);
		}
		expect(receiver.requests.every((r) => r.headers["user-agent"] !== "strict")).toBe(true);
	});

	it("only Admin Tokens may manage endpoints", async () => {
		const { issueApiToken } = await import("@sensorium/accounts");
		const api = await issueApiToken(h.database.db, {
			userId: h.adminUserId,
			name: "api",
			type: "API Token",
			expiresInDays: 7,
		});
		expect((await h.apiAs(api.token, "GET", "/v3/callbacks")).status).toBe(403);
		expect((await h.apiAs(api.token, "POST", "/v3/callbacks", { name: "x", url: receiver.url })).status).toBe(403);
	});
});

describe("managing endpoints", () => {
	it("rotates a token, deletes an endpoint, and later scans referring to it get 404", async () => {
		const created = await register({
			name: "rotating",
			url: receiver.url,
			authType: "bearer",
			tokenValue: "old-token",
		});
		const id = created.body.callbackId as string;
		const rotated = await h.api("POST", `/v3/callbacks/${id}/rotate-token`, { tokenValue: "new-token" });
		expect(rotated.status).toBe(200);
		expect(rotated.body.tokenRotatedAt).toBeTruthy();
		expect(JSON.stringify(rotated.body)).not.toContain("new-token");

		const scan = { sensorType: "GIT Sensor", sensorConfig: { url: "https://git.example.com/r.git" }, callbackId: id };
		expect((await h.api("POST", "/v3/scan/create", { ...scan, sensorName: "before-delete" })).status).toBe(200);
		expect((await h.api("DELETE", `/v3/callbacks/${id}`)).status).toBe(200);
		const after = await h.api("POST", "/v3/scan/create", { ...scan, sensorName: "after-delete" });
		expect(after.status).toBe(404);
		expect(after.body.message).toBe("callbackId not found.");
		expect((await h.api("GET", `/v3/callbacks/${id}`)).status).toBe(404);
		expect((await h.api("DELETE", `/v3/callbacks/${id}`)).status).toBe(404);
	});
});

// Several CLI processes per test (node + tsx start-up each): more than the default 30 s on a loaded machine.
describe("sensorium callbacks … (operator CLI)", { timeout: 120_000 }, () => {
	it("registers, lists and deletes endpoints with --json, probing and encrypting like the API", async () => {
		const { execFile } = await import("node:child_process");
		const { fileURLToPath } = await import("node:url");
		const { SECRET_KEY } = await import("./harness.ts");
		const bin = fileURLToPath(new URL("../../cli/bin/sensorium.mjs", import.meta.url));
		const run = (...args: string[]) =>
			new Promise<{ code: number; json: Record<string, unknown> }>((resolve) =>
				execFile(
					process.execPath,
					[bin, ...args, "--json"],
					{
						env: {
							...process.env,
							DATABASE_URL: h.testDb.url,
							SENSORIUM_SECRET_KEY: SECRET_KEY,
							CALLBACK_ALLOWED_NETWORKS: "127.0.0.0/8",
						},
					},
					(error, stdout) => resolve({ code: error ? (error.code as number) : 0, json: JSON.parse(stdout) }),
				),
			);
		const registered = await run(
			"callbacks",
			"register",
			"--org",
			h.orgId,
			"--name",
			"cli-hook",
			"--url",
			receiver.url,
			"--auth-type",
			"bearer",
			"--token-value",
			"cli-token",
		);
		expect(registered.code).toBe(0);
		expect(registered.json).toMatchObject({
			name: "cli-hook",
			authType: "bearer",
			signingSecret: expect.stringMatching(/^whsec_/),
		});
		const id = registered.json.callbackId as string;
		const listed = await run("callbacks", "list", "--org", h.orgId);
		expect((listed.json.callbacks as { callbackId: string }[]).map((c) => c.callbackId)).toContain(id);
		expect(JSON.stringify(listed.json)).not.toContain("cli-token");
		expect((await run("callbacks", "delete", "--org", h.orgId, "--callback", id)).json).toEqual({
			callbackId: id,
			deleted: true,
		});
		const invalid = await run("callbacks", "register", "--org", h.orgId, "--name", "x", "--url", "ftp://x");
		expect(invalid.code).toBe(2);

		// The endpoint's secret from stdin, so it is on no command line: the receiver gets it as the bearer token.
		const piped = await new Promise<{ code: number; json: Record<string, unknown> }>((resolve) => {
			const child = execFile(
				process.execPath,
				[
					bin,
					"callbacks",
					"register",
					"--org",
					h.orgId,
					"--name",
					"piped",
					"--url",
					receiver.url,
					"--auth-type",
					"bearer",
					"--token-value-stdin",
					"--json",
				],
				{
					env: {
						...process.env,
						DATABASE_URL: h.testDb.url,
						SENSORIUM_SECRET_KEY: SECRET_KEY,
						CALLBACK_ALLOWED_NETWORKS: "127.0.0.0/8",
					},
				},
				(error, stdout) => resolve({ code: error ? (error.code as number) : 0, json: JSON.parse(stdout) }),
			);
			child.stdin?.end("piped-secret\n");
		});
		expect(piped.code).toBe(0);
		expect(receiver.requests.at(-1)?.headers.authorization).toBe("Bearer piped-secret");
	});
});
