import { apiTokens, createDatabase, type DatabaseHandle, organizations } from "@sensorium/db";
import { createTestDatabase, type TestDatabase } from "@sensorium/testing";
import { messages } from "@sensorium/vocabulary";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	authenticate,
	bootstrapOrganization,
	createUser,
	csrfTokenFor,
	csrfTokenMatches,
	deactivateUser,
	deleteUser,
	issueApiToken,
	LOCKOUT_MS,
	listTokens,
	MAX_FAILED_SIGN_INS,
	revokeToken,
	SESSION_IDLE_MS,
	sessionPrincipal,
	setLicenceExpiry,
	setPassword,
	signIn,
} from "../src/index.ts";

let testDb: TestDatabase;
let database: DatabaseHandle;

beforeAll(async () => {
	testDb = await createTestDatabase();
	database = createDatabase(testDb.url, { max: 4 });
});

afterAll(async () => {
	await database.close();
	await testDb.drop();
});

const DAY = 86_400_000;
let orgCount = 0;
/** A fresh organisation with an admin and a plain user. */
async function organization() {
	const n = orgCount++;
	const boot = await bootstrapOrganization(database.db, { orgName: `Org ${n}`, email: `admin${n}@org${n}.test` });
	const { userId } = await createUser(database.db, { orgId: boot.orgId, email: `user${n}@org${n}.test`, role: "user" });
	return { ...boot, adminId: boot.userId, plainUserId: userId };
}

describe("API tokens", () => {
	it("resolves an issued token to its principal, and stores only a hash of it", async () => {
		const org = await organization();
		const now = new Date("2026-12-01T00:00:00Z");
		const issued = await issueApiToken(
			database.db,
			{ userId: org.plainUserId, name: "ci", type: "API Token", expiresInDays: 30 },
			now,
		);
		const principal = await authenticate(database.db, issued.token, now);
		expect(principal).toMatchObject({
			tokenId: issued.tokenId,
			tokenType: "API Token",
			via: "token",
			userId: org.plainUserId,
			orgId: org.orgId,
			role: "user",
			validUntil: new Date(now.getTime() + 30 * DAY),
		});
		const [row] = await database.db.select().from(apiTokens).where(eq(apiTokens.id, issued.tokenId));
		expect(JSON.stringify(row)).not.toContain(issued.token);
		expect(JSON.stringify(await listTokens(database.db, org.orgId, { limit: 10 }))).not.toContain(issued.token);
	});

	it("refuses an expiry the spec does not list, and an Admin Token for a user who is not an admin", async () => {
		const org = await organization();
		await expect(
			issueApiToken(database.db, { userId: org.adminId, name: "x", type: "API Token", expiresInDays: 31 }),
		).rejects.toMatchObject({ kind: "validation", message: messages.invalidTokenExpiry });
		await expect(
			issueApiToken(database.db, { userId: org.plainUserId, name: "x", type: "Admin Token", expiresInDays: 30 }),
		).rejects.toMatchObject({ kind: "forbidden" });
	});

	it("stops resolving a token once it expired, was revoked, or its user was deactivated or deleted", async () => {
		const org = await organization();
		const now = new Date("2026-12-01T00:00:00Z");
		const issue = () =>
			issueApiToken(database.db, { userId: org.plainUserId, name: "t", type: "API Token", expiresInDays: 7 }, now);
		const expiring = await issue();
		expect(await authenticate(database.db, expiring.token, new Date(now.getTime() + 7 * DAY - 1))).not.toBeNull();
		expect(await authenticate(database.db, expiring.token, new Date(now.getTime() + 7 * DAY))).toBeNull();

		const revoked = await issue();
		await revokeToken(database.db, org.orgId, revoked.tokenId, now);
		await revokeToken(database.db, org.orgId, revoked.tokenId, now);
		expect(await authenticate(database.db, revoked.token, now)).toBeNull();

		const other = await organization();
		await expect(revokeToken(database.db, other.orgId, expiring.tokenId)).rejects.toMatchObject({ kind: "not_found" });

		const live = await issue();
		await deactivateUser(database.db, org.plainUserId);
		expect(await authenticate(database.db, live.token, now)).toBeNull();
		const admin = await issueApiToken(
			database.db,
			{ userId: org.adminId, name: "a", type: "Admin Token", expiresInDays: 30 },
			now,
		);
		await deleteUser(database.db, org.adminId, now);
		expect(await authenticate(database.db, admin.token, now)).toBeNull();
	});

	it("ends with the organisation's licence, and says so in validUntil when the licence ends first", async () => {
		const org = await organization();
		const now = new Date("2026-12-01T00:00:00Z");
		const licenceEnds = new Date(now.getTime() + 3 * DAY);
		await setLicenceExpiry(database.db, org.orgId, licenceEnds);
		const issued = await issueApiToken(
			database.db,
			{ userId: org.plainUserId, name: "t", type: "API Token", expiresInDays: 90 },
			now,
		);
		expect((await authenticate(database.db, issued.token, now))?.validUntil).toEqual(licenceEnds);
		expect(await authenticate(database.db, issued.token, licenceEnds)).toBeNull();
	});

	it("resolves nothing for a string that is not a token, or a well-formed token no one issued", async () => {
		const org = await organization();
		const issued = await issueApiToken(database.db, {
			userId: org.plainUserId,
			name: "t",
			type: "API Token",
			expiresInDays: 7,
		});
		expect(await authenticate(database.db, undefined)).toBeNull();
		expect(await authenticate(database.db, "not-a-token")).toBeNull();
		const last = issued.token.at(-1) === "A" ? "B" : "A";
		expect(await authenticate(database.db, `${issued.token.slice(0, -1)}${last}`)).toBeNull();
	});

	it("writes last use at most once a minute, so authenticating is not a write per request", async () => {
		const org = await organization();
		const now = new Date("2026-12-01T00:00:00Z");
		const issued = await issueApiToken(
			database.db,
			{ userId: org.plainUserId, name: "t", type: "API Token", expiresInDays: 30 },
			now,
		);
		const lastUsed = async () =>
			(await database.db.select().from(apiTokens).where(eq(apiTokens.id, issued.tokenId)))[0]?.lastUsedAt;
		await authenticate(database.db, issued.token, now);
		await authenticate(database.db, issued.token, new Date(now.getTime() + 30_000));
		expect(await lastUsed()).toEqual(now);
		await authenticate(database.db, issued.token, new Date(now.getTime() + 61_000));
		expect(await lastUsed()).toEqual(new Date(now.getTime() + 61_000));
	});

	it("lists the organisation's tokens newest first, a page at a time, and none of another organisation", async () => {
		const org = await organization();
		const other = await organization();
		for (const name of ["first", "second", "third"]) {
			await issueApiToken(database.db, { userId: org.plainUserId, name, type: "API Token", expiresInDays: 7 });
		}
		const first = await listTokens(database.db, org.orgId, { limit: 2 });
		expect(first.tokens.map((t) => t.name)).toEqual(["third", "second"]);
		const second = await listTokens(database.db, org.orgId, { limit: 2, cursor: first.nextCursor });
		expect(second.tokens.map((t) => t.name)).toEqual(["first", "bootstrap"]);
		expect(second.nextCursor).toBeNull();
		expect((await listTokens(database.db, other.orgId, { limit: 10 })).tokens.map((t) => t.name)).toEqual([
			"bootstrap",
		]);
	});
});

describe("console sign-in", () => {
	const PASSWORD = "a long enough passphrase";

	it("locks an account after too many wrong passwords, until the lockout has passed", async () => {
		const org = await organization();
		await setPassword(database.db, org.plainUserId, PASSWORD);
		const email = `user${orgCount - 1}@org${orgCount - 1}.test`;
		const now = new Date("2026-12-01T00:00:00Z");
		const outcomes: string[] = [];
		for (let i = 0; i < MAX_FAILED_SIGN_INS; i++)
			outcomes.push((await signIn(database.db, email, "wrong", now)).outcome);
		expect(outcomes).toEqual([...Array(MAX_FAILED_SIGN_INS - 1).fill("invalid"), "locked"]);
		expect((await signIn(database.db, email, PASSWORD, now)).outcome).toBe("locked");
		const later = new Date(now.getTime() + LOCKOUT_MS + 1);
		expect((await signIn(database.db, email.toUpperCase(), PASSWORD, later)).outcome).toBe("signed-in");
	});

	it("answers an unknown email like a wrong password", async () => {
		expect(await signIn(database.db, "nobody@nowhere.test", PASSWORD)).toEqual({
			outcome: "invalid",
			failedAttempts: 1,
		});
	});

	it("keeps a session while it is used, ends it after the idle time, and ends all of them on a new password", async () => {
		const org = await organization();
		await setPassword(database.db, org.adminId, PASSWORD);
		const email = `admin${orgCount - 1}@org${orgCount - 1}.test`;
		// A session's last use starts at the database's clock, so the test's clock starts there too.
		const now = new Date();
		const first = await signIn(database.db, email, PASSWORD, now);
		if (first.outcome !== "signed-in") throw new Error(`sign-in: ${first.outcome}`);
		const during = new Date(now.getTime() + SESSION_IDLE_MS - 1);
		expect(await sessionPrincipal(database.db, first.secret, during)).toMatchObject({
			via: "session",
			orgId: org.orgId,
		});
		// Used just now: idle time counts from the last use.
		expect(
			await sessionPrincipal(database.db, first.secret, new Date(during.getTime() + SESSION_IDLE_MS - 1)),
		).not.toBeNull();
		expect(
			await sessionPrincipal(database.db, first.secret, new Date(during.getTime() + 2 * SESSION_IDLE_MS)),
		).toBeNull();

		const second = await signIn(database.db, email, PASSWORD, now);
		if (second.outcome !== "signed-in") throw new Error(`sign-in: ${second.outcome}`);
		await expect(setPassword(database.db, org.adminId, "too short")).rejects.toMatchObject({ kind: "validation" });
		await setPassword(database.db, org.adminId, `${PASSWORD} changed`);
		expect(await sessionPrincipal(database.db, second.secret, now)).toBeNull();
	});

	it("derives a CSRF token from the session that another session's token does not match", () => {
		const token = csrfTokenFor("session-one");
		expect(csrfTokenMatches("session-one", token)).toBe(true);
		expect(csrfTokenMatches("session-two", token)).toBe(false);
		expect(csrfTokenMatches("session-one", undefined)).toBe(false);
		expect(csrfTokenMatches("session-one", `${token}x`)).toBe(false);
	});
});

describe("organisations and users", () => {
	it("refuses a second user with the same email in any letter case, and a string that is not an email", async () => {
		const org = await organization();
		await expect(
			createUser(database.db, { orgId: org.orgId, email: `USER${orgCount - 1}@ORG${orgCount - 1}.TEST`, role: "user" }),
		).rejects.toMatchObject({ kind: "conflict" });
		await expect(
			createUser(database.db, { orgId: org.orgId, email: "not an email", role: "user" }),
		).rejects.toMatchObject({
			kind: "validation",
		});
	});

	it("bootstraps all or nothing: a bad admin email leaves no organisation behind", async () => {
		const before = (await database.db.select().from(organizations)).length;
		await expect(bootstrapOrganization(database.db, { orgName: "Half", email: "nope" })).rejects.toMatchObject({
			kind: "validation",
		});
		expect((await database.db.select().from(organizations)).length).toBe(before);
	});
});
