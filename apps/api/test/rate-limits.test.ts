import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RateLimiter } from "@sensorium/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

let h: Harness;
let org: Org;

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
});
afterAll(() => h.close());

describe("rate limits", () => {
	it("answers 429 with Retry-After past the per-token budget, shared through Redis by every replica", async () => {
		const limits = { limiter: new RateLimiter(h.redis, h.prefix), perToken: 5, perAddress: 1_000 };
		const replicaA = createApp({ ...h.deps, rateLimits: limits });
		const replicaB = createApp({ ...h.deps, rateLimits: { ...limits, limiter: new RateLimiter(h.redis, h.prefix) } });
		const get = (app: typeof replicaA, token: string) =>
			app.request("/v3/scan/6b09d8a7197f6b4c7e9999b1", { headers: { "isg-api-token": token } });
		const statuses: number[] = [];
		for (let i = 0; i < 6; i++) statuses.push((await get(i % 2 === 0 ? replicaA : replicaB, org.apiToken)).status);
		expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
		const refused = await get(replicaA, org.apiToken);
		expect(refused.status).toBe(429);
		expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
		expect(await refused.json()).toMatchObject({ status: "failed" });
		// Another token of the same organisation has its own budget.
		expect((await get(replicaA, org.adminToken)).status).toBe(404);
	});

	it("limits per client address before authentication", async () => {
		const limits = { limiter: new RateLimiter(h.redis, `${h.prefix}-addr`), perToken: 1_000, perAddress: 3 };
		const app = createApp({ ...h.deps, rateLimits: limits });
		const statuses: number[] = [];
		for (let i = 0; i < 4; i++) {
			statuses.push((await app.request("/v3/tokens", { headers: { "isg-api-token": `isg_bogus_${i}` } })).status);
		}
		expect(statuses).toEqual([401, 401, 401, 429]);
	});
});

describe("ORG_MAX_QUEUED_EXECUTIONS", () => {
	it("refuses submissions once the organisation has that many queued, with a clear 429", async () => {
		const crowded = await h.newOrg("Crowded");
		const app = createApp({ ...h.deps, maxQueuedPerOrg: 2 });
		const create = () =>
			app.request("/v3/scan/create", {
				method: "POST",
				headers: { "isg-api-token": crowded.apiToken, "content-type": "application/json" },
				body: JSON.stringify(createBody()),
			});
		expect((await create()).status).toBe(200);
		const second = await create();
		expect(second.status).toBe(200);
		const third = await create();
		expect(third.status).toBe(429);
		expect(await third.json()).toEqual({
			status: "failed",
			message:
				"This organization already has 2 scans queued (ORG_MAX_QUEUED_EXECUTIONS); submit more once some have started.",
		});
		const sensorId = ((await second.json()) as { sensorId: string }).sensorId;
		const execute = await app.request("/v3/scan/execute", {
			method: "POST",
			headers: { "isg-api-token": crowded.apiToken, "content-type": "application/json" },
			body: JSON.stringify({ sensorId }),
		});
		expect(execute.status).toBe(429);
		// Other organisations are not affected.
		const other = await h.request("POST", "/v3/scan/create", { token: org.apiToken, body: createBody() });
		expect(other.status).toBe(200);
	});
});

describe("list endpoints are paged", () => {
	it("hands out sensors, tokens and callback endpoints at most limit at a time, with a cursor", async () => {
		const busy = await h.newOrg("Busy");
		// Registration probes the endpoint: a real receiver on loopback answers.
		const receiver = createServer((_, res) => res.end()).listen(0, "127.0.0.1");
		await new Promise((resolve) => receiver.once("listening", resolve));
		const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
		for (let i = 0; i < 3; i++) {
			await h.request("POST", "/v3/scan/create", { token: busy.apiToken, body: createBody() });
			await h.request("POST", "/v3/tokens", { token: busy.adminToken, body: { name: `t${i}`, type: "API Token" } });
			await h.request("POST", "/v3/callbacks", {
				token: busy.adminToken,
				body: { name: `hook${i}`, url: hook, authType: "none" },
			});
		}
		for (const [path, field, token] of [
			["/v3/sensors", "sensors", busy.apiToken],
			["/v3/tokens", "tokens", busy.adminToken],
			["/v3/callbacks", "callbacks", busy.adminToken],
		] as const) {
			const seen: string[] = [];
			let cursor: string | null = null;
			do {
				const page: { status: number; body: Record<string, unknown> } = await h.request(
					"GET",
					`${path}?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
					{ token },
				);
				expect(page.status, path).toBe(200);
				const items = page.body[field] as Record<string, string>[];
				expect(items.length, path).toBeLessThanOrEqual(2);
				seen.push(...items.map((item) => JSON.stringify(item)));
				cursor = page.body.nextCursor as string | null;
			} while (cursor);
			expect(new Set(seen).size, path).toBe(seen.length);
			expect(seen.length, path).toBeGreaterThanOrEqual(3);
			expect((await h.request("GET", `${path}?limit=501`, { token })).status, path).toBe(400);
		}
		receiver.close();
	});
});
