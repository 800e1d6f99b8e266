import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { type DbExecutor, organizations, sessions, users } from "@sensorium/db";
import { notFound, validationError } from "@sensorium/errors";
import { and, eq, gt, isNull, lt, lte, or, sql } from "drizzle-orm";
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from "./passwords.ts";
import type { Principal } from "./tokens.ts";

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** A session nobody used for this long ends, whatever is left of its lifetime (last use is kept to the minute). */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const MAX_FAILED_SIGN_INS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

export async function setPassword(db: DbExecutor, userId: string, password: string): Promise<void> {
	if (password.length < MIN_PASSWORD_LENGTH) {
		throw validationError(`A password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
	}
	const updated = await db
		.update(users)
		.set({ passwordHash: await hashPassword(password), failedSignIns: 0, lockedUntil: null })
		.where(eq(users.id, userId))
		.returning({ id: users.id });
	if (updated.length === 0) throw notFound("User not found.");
	// A new password ends every session opened with the old one.
	await db.delete(sessions).where(eq(sessions.userId, userId));
}

/** Sets a random password and returns it, for the first sign-in of a bootstrapped admin. */
export async function setOneTimePassword(db: DbExecutor, userId: string): Promise<string> {
	const password = generatePassword();
	await setPassword(db, userId, password);
	return password;
}

const hashSecret = (secret: string) => createHash("sha256").update(secret, "utf8").digest();

/** The CSRF token is derived from the session secret, so it needs no storage and dies with the session. */
export function csrfTokenFor(sessionSecret: string): string {
	return createHmac("sha256", sessionSecret).update("sensorium-csrf").digest("base64url");
}

export function csrfTokenMatches(sessionSecret: string, offered: string | undefined): boolean {
	if (!offered) return false;
	const expected = Buffer.from(csrfTokenFor(sessionSecret));
	const actual = Buffer.from(offered);
	return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export type SignInResult =
	| { outcome: "signed-in"; secret: string; principal: Principal; orgName: string }
	| { outcome: "invalid"; failedAttempts: number }
	| { outcome: "locked"; retryAfterMs: number };

/**
 * Checks email and password. Wrong answers count against the user: after MAX_FAILED_SIGN_INS the
 * account is locked for LOCKOUT_MS. An unknown email, an inactive user and a wrong password all
 * look the same to the caller.
 */
let dummy: Promise<string> | undefined;
/** A hash of a random password no one knows: verifying against it costs what a real verification costs. */
function dummyHash(): Promise<string> {
	dummy ??= hashPassword(randomBytes(18).toString("base64url"));
	return dummy;
}

export async function signIn(
	db: DbExecutor,
	email: string,
	password: string,
	now: Date = new Date(),
): Promise<SignInResult> {
	const [row] = await db
		.select({ user: users, org: organizations })
		.from(users)
		.innerJoin(organizations, eq(organizations.id, users.orgId))
		.where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`);
	if (!row) {
		// The same scrypt work as for a real account, so timing does not tell which emails exist.
		await verifyPassword(password, await dummyHash());
		return { outcome: "invalid", failedAttempts: 1 };
	}
	const { user, org } = row;
	// Counted before verifying, in one statement: parallel guesses each take a number, and none beyond the
	// limit is verified at all.
	const [counted] = await db
		.update(users)
		.set({ failedSignIns: sql`${users.failedSignIns} + 1` })
		.where(and(eq(users.id, user.id), or(isNull(users.lockedUntil), lte(users.lockedUntil, now))))
		.returning({ failedSignIns: users.failedSignIns });
	if (!counted) {
		const until = user.lockedUntil ?? new Date(now.getTime() + LOCKOUT_MS);
		return { outcome: "locked", retryAfterMs: Math.max(1_000, until.getTime() - now.getTime()) };
	}
	const lock = async () => {
		await db
			.update(users)
			.set({ failedSignIns: 0, lockedUntil: new Date(now.getTime() + LOCKOUT_MS) })
			.where(eq(users.id, user.id));
		return { outcome: "locked", retryAfterMs: LOCKOUT_MS } as const;
	};
	if (counted.failedSignIns > MAX_FAILED_SIGN_INS) return lock();
	const usable = user.active && !user.deletedAt && (!org.licenceExpiresAt || org.licenceExpiresAt > now);
	const ok = await verifyPassword(password, user.passwordHash ?? (await dummyHash()));
	if (!ok || !usable) {
		if (counted.failedSignIns >= MAX_FAILED_SIGN_INS) return lock();
		return { outcome: "invalid", failedAttempts: counted.failedSignIns };
	}
	await db.update(users).set({ failedSignIns: 0, lockedUntil: null }).where(eq(users.id, user.id));
	const secret = randomBytes(32).toString("base64url");
	await db
		.insert(sessions)
		.values({ secretHash: hashSecret(secret), userId: user.id, expiresAt: new Date(now.getTime() + SESSION_TTL_MS) });
	await db.delete(sessions).where(and(eq(sessions.userId, user.id), lt(sessions.expiresAt, now)));
	return {
		outcome: "signed-in",
		secret,
		orgName: org.name,
		principal: {
			tokenId: "",
			tokenType: "Session",
			via: "session",
			userId: user.id,
			email: user.email,
			role: user.role,
			orgId: org.id,
		},
	};
}

/** The principal of a live session, with the same checks as a token (user active, licence valid). */
export async function sessionPrincipal(
	db: DbExecutor,
	secret: string | undefined,
	now: Date = new Date(),
): Promise<(Principal & { orgName: string }) | null> {
	if (!secret || secret.length > 200) return null;
	const [row] = await db
		.select({ user: users, org: organizations, lastSeenAt: sessions.lastSeenAt })
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.innerJoin(organizations, eq(organizations.id, users.orgId))
		.where(and(eq(sessions.secretHash, hashSecret(secret)), gt(sessions.expiresAt, now), isNull(users.deletedAt)));
	if (!row) return null;
	if (!row.user.active) return null;
	if (row.org.licenceExpiresAt && row.org.licenceExpiresAt <= now) return null;
	if (now.getTime() - row.lastSeenAt.getTime() > SESSION_IDLE_MS) {
		await db.delete(sessions).where(eq(sessions.secretHash, hashSecret(secret)));
		return null;
	}
	if (now.getTime() - row.lastSeenAt.getTime() > 60_000) {
		await db
			.update(sessions)
			.set({ lastSeenAt: now })
			.where(eq(sessions.secretHash, hashSecret(secret)));
	}
	return {
		tokenId: "",
		tokenType: "Session",
		via: "session",
		userId: row.user.id,
		email: row.user.email,
		role: row.user.role,
		orgId: row.org.id,
		orgName: row.org.name,
	};
}

export async function signOut(db: DbExecutor, secret: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.secretHash, hashSecret(secret)));
}
