import { deactivateUser, issueApiToken, revokeToken, setLicenceExpiry } from "@sensorium/accounts";
import { createWorkerConnection, publishAuthInvalidation, type RedisConnection } from "@sensorium/queue";
import { TEST_REDIS_URL } from "@sensorium/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { listenForAuthInvalidations, PrincipalCache } from "../src/middleware/auth.ts";
import { createHarness, type Harness, type Org } from "./harness.ts";

// Two API replicas sharing Postgres and Redis, each remembering accepted tokens for a minute: only
// the announcement over Redis can make a change visible on the other replica within the test.
const TTL_MS = 60_000;
let h: Harness;
const subscribers: RedisConnection[] = [];

interface Replica {
	app: ReturnType<typeof createApp>;
	cache: PrincipalCache;
	subscriber: RedisConnection;
}

async function replica(): Promise<Replica> {
	const cache = new PrincipalCache(TTL_MS);
	const subscriber = createWorkerConnection(TEST_REDIS_URL);
	subscribers.push(subscriber);
	await listenForAuthInvalidations(subscriber, h.prefix, cache);
	const app = createApp({
		...h.deps,
		principalCache: cache,
		announceAuthChange: (change) => publishAuthInvalidation(h.redis, h.prefix, change),
	});
	return { app, cache, subscriber };
}

const status = async (r: Replica, token: string) =>
	(await r.app.request("/v3/executions", { headers: { "isg-api-token": token } })).status;

async function eventually(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return true;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return check();
}

let a: Replica;
let b: Replica;
beforeAll(async () => {
	h = await createHarness();
	a = await replica();
	b = await replica();
});
afterAll(async () => {
	for (const subscriber of subscribers) subscriber.disconnect();
	await h.close();
});

async function tokenOf(org: Org) {
	return issueApiToken(h.database.db, { userId: org.userId, name: "replicated", type: "API Token", expiresInDays: 30 });
}

describe("cached tokens across API replicas", () => {
	it("a token revoked through one replica is refused by the other at once", async () => {
		const org = await h.newOrg();
		const { tokenId, token } = await tokenOf(org);
		expect(await status(a, token)).toBe(200);
		expect(await status(b, token)).toBe(200);

		const revoked = await a.app.request(`/v3/tokens/${tokenId}`, {
			method: "DELETE",
			headers: { "isg-api-token": org.adminToken },
		});
		expect(revoked.status).toBe(200);
		expect(await status(a, token)).toBe(401);
		expect(await eventually(async () => (await status(b, token)) === 401)).toBe(true);
	});

	it("a user deactivated or a licence changed elsewhere (the CLI) is refused once announced", async () => {
		const org = await h.newOrg();
		const { token } = await tokenOf(org);
		expect(await status(b, token)).toBe(200);
		await deactivateUser(h.database.db, org.userId);
		expect(await status(b, token)).toBe(200);
		await publishAuthInvalidation(h.redis, h.prefix, { scope: "user", userId: org.userId });
		expect(await eventually(async () => (await status(b, token)) === 401)).toBe(true);

		expect(await status(b, org.adminToken)).toBe(200);
		await setLicenceExpiry(h.database.db, org.orgId, new Date(Date.now() - 1_000));
		await publishAuthInvalidation(h.redis, h.prefix, { scope: "org", orgId: org.orgId });
		expect(await eventually(async () => (await status(b, org.adminToken)) === 401)).toBe(true);
	});

	it("ignores malformed announcements and forgets everything after a reconnection", async () => {
		const org = await h.newOrg();
		const { tokenId, token } = await tokenOf(org);
		expect(await status(b, token)).toBe(200);
		await h.redis.publish(`${h.prefix}:auth-invalidations`, "not json");
		await h.redis.publish(`${h.prefix}:auth-invalidations`, JSON.stringify({ scope: "everything" }));
		// Revoked without an announcement: only a reconnection (which may have missed one) clears it.
		await revokeToken(h.database.db, org.orgId, tokenId);
		expect(await status(b, token)).toBe(200);
		b.subscriber.disconnect(true);
		expect(await eventually(async () => (await status(b, token)) === 401, 10_000)).toBe(true);
	}, 15_000);
});
