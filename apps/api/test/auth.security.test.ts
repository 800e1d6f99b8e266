import { deactivateUser, deleteUser, issueApiToken, setLicenceExpiry } from "@sensorium/accounts";
import { apiTokens } from "@sensorium/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

let h: Harness;
let org: Org;
let other: Org;

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg("Acme");
	other = await h.newOrg("Globex");
});
afterAll(() => h.close());

const UNAUTHORIZED = { status: "failed", message: "Unauthorized access." };

async function expectRefused(token: string | undefined) {
	for (const [method, path, body] of [
		["POST", "/v3/scan/create", createBody()],
		["POST", "/v3/scan/execute", { sensorId: "6b09d8a7197f6b4c7e9999b1" }],
		["POST", "/v3/scan", createBody()],
		["GET", "/v3/scan/6b09d8a7197f6b4c7e9999b1", undefined],
		["GET", "/v3/tokens", undefined],
	] as const) {
		const res = await h.request(method, path, { token, body });
		expect(res.status, `${method} ${path}`).toBe(401);
		expect(res.body).toEqual(UNAUTHORIZED);
	}
}

describe("isg-api-token (spec 401 table)", () => {
	it("token not in the header", () => expectRefused(undefined));
	it("unknown token", () => expectRefused("isg_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	it("garbage token", () => expectRefused("Bearer something"));

	it("expired token", async () => {
		const issued = await issueApiToken(h.database.db, {
			userId: org.adminUserId,
			name: "old",
			type: "API Token",
			expiresInDays: 7,
		});
		await h.database.db
			.update(apiTokens)
			.set({ expiresAt: new Date(Date.now() - 1000) })
			.where(eq(apiTokens.id, issued.tokenId));
		await expectRefused(issued.token);
	});

	it("revoked token, through the tokens API", async () => {
		const created = await h.request("POST", "/v3/tokens", {
			token: org.adminToken,
			body: { name: "short-lived", type: "API Token" },
		});
		expect(created.status).toBe(201);
		const token = created.body.token as string;
		expect((await h.request("GET", "/v3/scan/6b09d8a7197f6b4c7e9999b1", { token })).status).toBe(404);
		const revoked = await h.request("DELETE", `/v3/tokens/${created.body.tokenId}`, { token: org.adminToken });
		expect(revoked.status).toBe(200);
		await expectRefused(token);
	});

	it("inactive user", async () => {
		const victim = await h.newOrg();
		await deactivateUser(h.database.db, victim.userId);
		await expectRefused(victim.userToken);
		expect((await h.request("GET", "/v3/tokens", { token: victim.adminToken })).status).toBe(200);
	});

	it("deleted user", async () => {
		const victim = await h.newOrg();
		await deleteUser(h.database.db, victim.adminUserId);
		await expectRefused(victim.adminToken);
	});

	it("organisation licence or trial expired", async () => {
		const victim = await h.newOrg();
		await setLicenceExpiry(h.database.db, victim.orgId, new Date(Date.now() - 60_000));
		await expectRefused(victim.apiToken);
		await setLicenceExpiry(h.database.db, victim.orgId, new Date(Date.now() + 86_400_000));
		expect((await h.request("GET", "/v3/tokens", { token: victim.adminToken })).status).toBe(200);
	});

	it("stores only a hash of the secret and records last use", async () => {
		const rows = await h.database.db.select().from(apiTokens).where(eq(apiTokens.orgId, org.orgId));
		for (const row of rows) {
			expect(row.secretHash).toHaveLength(32);
			expect(JSON.stringify(row)).not.toContain(org.adminToken.slice(17));
		}
		expect(rows.some((row) => row.lastUsedAt !== null)).toBe(true);
	});
});

describe("organisation isolation", () => {
	it("another organisation's execution is a 404 exactly like a missing one", async () => {
		const created = await h.request("POST", "/v3/scan/create", { token: org.apiToken, body: createBody() });
		const foreign = await h.request("GET", `/v3/scan/${created.body.executionId}`, { token: other.apiToken });
		const missing = await h.request("GET", "/v3/scan/6b09d8a7197f6b4c7e9999b1", { token: other.apiToken });
		expect(foreign.status).toBe(404);
		expect(foreign.body).toEqual(missing.body);
	});

	it("another organisation's sensor cannot be executed", async () => {
		const created = await h.request("POST", "/v3/scan/create", { token: org.apiToken, body: createBody() });
		const res = await h.request("POST", "/v3/scan/execute", {
			token: other.apiToken,
			body: { sensorId: created.body.sensorId },
		});
		expect(res.status).toBe(404);
		expect(res.body.message).toBe("The specified execution id not found.");
	});

	it("sensor names are unique per organisation, not globally", async () => {
		const name = "shared-name";
		expect(
			(await h.request("POST", "/v3/scan/create", { token: org.apiToken, body: createBody({ sensorName: name }) }))
				.status,
		).toBe(200);
		expect(
			(await h.request("POST", "/v3/scan/create", { token: other.apiToken, body: createBody({ sensorName: name }) }))
				.status,
		).toBe(200);
	});

	it("tokens of another organisation are neither listed nor revocable", async () => {
		const list = await h.request("GET", "/v3/tokens", { token: other.adminToken });
		const ids = (list.body.tokens as { tokenId: string }[]).map((t) => t.tokenId);
		const mine = await h.request("GET", "/v3/tokens", { token: org.adminToken });
		for (const token of mine.body.tokens as { tokenId: string }[]) expect(ids).not.toContain(token.tokenId);
		const first = (mine.body.tokens as { tokenId: string }[])[0]?.tokenId;
		const res = await h.request("DELETE", `/v3/tokens/${first}`, { token: other.adminToken });
		expect(res.status).toBe(404);
	});
});

describe("/v3/tokens", () => {
	it("only an Admin Token of an admin may manage tokens", async () => {
		for (const token of [org.apiToken, org.userToken]) {
			expect((await h.request("GET", "/v3/tokens", { token })).status).toBe(403);
			const res = await h.request("POST", "/v3/tokens", { token, body: { name: "x", type: "API Token" } });
			expect(res.status).toBe(403);
			expect(res.body.message).toBe("This operation requires an Admin Token of an organization administrator.");
		}
	});

	it("creates a token shown once; the listing never contains secrets", async () => {
		const res = await h.request("POST", "/v3/tokens", {
			token: org.adminToken,
			body: { name: "pipeline", description: "CI", type: "API Token", expiresInDays: 30 },
		});
		expect(res.status).toBe(201);
		expect(res.body).toMatchObject({ name: "pipeline", type: "API Token", token: expect.stringMatching(/^isg_/) });
		const days = (new Date(res.body.expiresAt as string).getTime() - Date.now()) / 86_400_000;
		expect(days).toBeGreaterThan(29.9);
		expect(days).toBeLessThanOrEqual(30);
		const list = await h.request("GET", "/v3/tokens", { token: org.adminToken });
		const text = JSON.stringify(list.body);
		expect(text).not.toContain(res.body.token as string);
		expect(text).not.toContain("secretHash");
		expect(list.body.tokens).toContainEqual(
			expect.objectContaining({
				tokenId: res.body.tokenId,
				prefix: (res.body.token as string).slice(0, 16),
				revokedAt: null,
			}),
		);
	});

	it("validates token requests with clear messages", async () => {
		const cases: [unknown, string][] = [
			[{ type: "API Token" }, "Missing required field: name."],
			[{ name: "x" }, "Missing required field: type."],
			[{ name: "x", type: "Root Token" }, "Invalid value for type: expected 'API Token' or 'Admin Token'."],
			[
				{ name: "x", type: "API Token", expiresInDays: 14 },
				"Invalid value for expiresInDays: expected one of 7, 30, 60, 90, 180, 365.",
			],
			[{ name: "x", type: "API Token", owner: "y" }, "Unexpected field 'owner' found in request body."],
		];
		for (const [body, message] of cases) {
			const res = await h.request("POST", "/v3/tokens", { token: org.adminToken, body });
			expect(res.status).toBe(400);
			expect(res.body.message).toBe(message);
		}
	});

	it("defaults to 90 days", async () => {
		const res = await h.request("POST", "/v3/tokens", {
			token: org.adminToken,
			body: { name: "d", type: "Admin Token" },
		});
		const days = (new Date(res.body.expiresAt as string).getTime() - Date.now()) / 86_400_000;
		expect(Math.round(days)).toBe(90);
	});

	it("a plain user cannot be given an Admin Token", async () => {
		await expect(
			issueApiToken(h.database.db, { userId: org.userId, name: "x", type: "Admin Token", expiresInDays: 7 }),
		).rejects.toThrow("Only organization administrators may hold an Admin Token.");
	});
});

describe("PrincipalCache", () => {
	it("serves a token from memory within its TTL, and revocation through the API clears it at once", async () => {
		const { PrincipalCache } = await import("../src/middleware/auth.ts");
		const { createApp } = await import("../src/app.ts");
		const cache = new PrincipalCache(60_000);
		const app = createApp({ ...h.deps, principalCache: cache });
		const created = await h.request("POST", "/v3/tokens", {
			token: org.adminToken,
			body: { name: "cached", type: "API Token" },
		});
		const token = created.body.token as string;
		const get = () => app.request("/v3/scan/6b09d8a7197f6b4c7e9999b1", { headers: { "isg-api-token": token } });
		expect((await get()).status).toBe(404);
		expect(cache.get(token)?.tokenId).toBe(created.body.tokenId);

		await app.request(`/v3/tokens/${created.body.tokenId}`, {
			method: "DELETE",
			headers: { "isg-api-token": org.adminToken },
		});
		expect(cache.get(token)).toBeUndefined();
		expect((await get()).status).toBe(401);
	});

	it("stops serving a cached token at its expiry instant, not a TTL later", async () => {
		const { PrincipalCache } = await import("../src/middleware/auth.ts");
		const cache = new PrincipalCache(60_000);
		const now = Date.now();
		const principal = {
			tokenId: "t",
			tokenType: "API Token" as const,
			via: "token" as const,
			userId: "u",
			email: "e@example.test",
			role: "user" as const,
			orgId: "o",
			validUntil: new Date(now + 500),
		};
		cache.set("isg_x", principal, now);
		expect(cache.get("isg_x", now + 499)?.tokenId).toBe("t");
		expect(cache.get("isg_x", now + 500)).toBeUndefined();
	});

	it("expires entries and never caches refusals", async () => {
		const { PrincipalCache } = await import("../src/middleware/auth.ts");
		const cache = new PrincipalCache(1_000);
		const principal = {
			tokenId: "t",
			tokenType: "API Token",
			userId: "u",
			email: "e",
			via: "token",
			role: "user",
			orgId: "o",
		} as const;
		cache.set("tok", principal, 0);
		expect(cache.get("tok", 999)).toEqual(principal);
		expect(cache.get("tok", 1_000)).toBeUndefined();
		new PrincipalCache(0).set("tok", principal);
		expect(new PrincipalCache(0).get("tok")).toBeUndefined();
	});
});
