import { LOCKOUT_MS, MAX_FAILED_SIGN_INS, setPassword } from "@sensorium/accounts";
import { users } from "@sensorium/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./harness.ts";

// Reported: forty wrong passwords and the right one sent in parallel got forty 401s and then 200, with the
// failure counter ending at 1; unknown emails never got 429, so accounts were enumerable.
const PASSWORD = "correct horse battery staple";
let h: Harness;

beforeAll(async () => {
	h = await createHarness();
});
afterAll(() => h.close());

const signIn = (email: string, password: string) =>
	h.app.request("/v3/session", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, password }),
	});

describe("sign-in under attack", { timeout: 60_000 }, () => {
	it("verifies no more than the allowed number of guesses sent in parallel, and locks the account", async () => {
		const victim = await h.newOrg("Parallel");
		await setPassword(h.database.db, victim.adminUserId, PASSWORD);
		const guesses = Array.from({ length: 40 }, () => signIn(victim.adminEmail, "wrong password guess"));
		const statuses = (await Promise.all(guesses)).map((res) => res.status);
		expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(MAX_FAILED_SIGN_INS);
		expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
		const [row] = await h.database.db.select().from(users).where(eq(users.id, victim.adminUserId));
		expect(row?.lockedUntil?.getTime()).toBeGreaterThan(Date.now());
		// The right password now waits out the lockout like any other guess.
		const right = await signIn(victim.adminEmail, PASSWORD);
		expect(right.status).toBe(429);
		expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
	});

	it("answers unknown emails exactly as it answers known ones, 429 included", async () => {
		const known = await h.newOrg("Known");
		await setPassword(h.database.db, known.adminUserId, PASSWORD);
		const answers = async (email: string) => {
			const seen: [number, string][] = [];
			for (let i = 0; i < MAX_FAILED_SIGN_INS + 1; i++) {
				const res = await signIn(email, "not the password");
				seen.push([res.status, ((await res.json()) as { message: string }).message]);
			}
			return seen;
		};
		const forKnown = await answers(known.adminEmail);
		const forUnknown = await answers("nobody-at-all@example.test");
		expect(forUnknown).toEqual(forKnown);
		expect(forKnown.at(-1)).toEqual([429, `Too many failed sign-ins. Try again in ${LOCKOUT_MS / 60_000} minutes.`]);
	});

	it("still signs in a user with the right password before any failure", async () => {
		const fine = await h.newOrg("Fine");
		await setPassword(h.database.db, fine.adminUserId, PASSWORD);
		const res = await signIn(fine.adminEmail, PASSWORD);
		expect(res.status).toBe(200);
		expect(res.headers.get("cache-control")).toBe("no-store");
	});
});
