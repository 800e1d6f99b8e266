import { createHash } from "node:crypto";
import {
	csrfTokenFor,
	LOCKOUT_MS,
	MAX_FAILED_SIGN_INS,
	SESSION_TTL_MS,
	sessionPrincipal,
	signIn,
	signOut,
} from "@sensorium/accounts";
import { messages, sessionRoutes, signInSchema } from "@sensorium/api-contract";
import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { SESSION_COOKIE } from "../middleware/auth.ts";
import { jsonBody, validJson } from "../middleware/json-body.ts";
import { clientAddress } from "../middleware/rate-limit.ts";
import { at } from "./documented.ts";

/** Secure cookies when the API is reached over TLS (directly or behind a proxy that says so). */
const overTls = (c: Context<AppEnv>) => c.req.url.startsWith("https:") || c.req.header("x-forwarded-proto") === "https";

// Failed sign-ins are answered more slowly each time, before the lockout takes over.
const delayFor = (failedAttempts: number) =>
	new Promise((r) => setTimeout(r, Math.min(2_000, 150 * 2 ** (failedAttempts - 1))));

/** Failures allowed per client address in one lockout window: a shared office NAT stays usable. */
const ADDRESS_FAILURE_LIMIT = 50;

function locked(c: Context<AppEnv>, retryAfterMs: number) {
	c.header("Retry-After", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
	return failure(c, 429, messages.signInLocked(Math.max(1, Math.ceil(retryAfterMs / 60_000))));
}

/** Counter keys: the account by a hash of its email (known or not, alike), and the client's address. */
function failureKeys(c: Context<AppEnv>, email: string): { account: string; address: string } {
	const account = createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
	return { account: `signin:account:${account}`, address: `signin:address:${clientAddress(c)}` };
}

/**
 * The shared counters answer the same for known and unknown emails; when Redis is away they are skipped and the
 * database's lockout still protects real accounts.
 */
async function overLimit(c: Context<AppEnv>, keys: { account: string; address: string }): Promise<number | null> {
	const counter = c.get("deps").signInFailures;
	if (!counter) return null;
	try {
		const [account, address] = await Promise.all([counter.current(keys.account), counter.current(keys.address)]);
		if (account.count >= MAX_FAILED_SIGN_INS) return account.retryAfterMs;
		if (address.count >= ADDRESS_FAILURE_LIMIT) return address.retryAfterMs;
	} catch (error) {
		c.get("deps").logger.warn({ err: error }, "sign-in failure counters unavailable");
	}
	return null;
}

/** Records a failure on both counters; returns the account's count (0 when the counters are unavailable). */
async function recordFailure(c: Context<AppEnv>, keys: { account: string; address: string }): Promise<number> {
	const counter = c.get("deps").signInFailures;
	if (!counter) return 0;
	try {
		const [account] = await Promise.all([counter.record(keys.account), counter.record(keys.address)]);
		return account;
	} catch (error) {
		c.get("deps").logger.warn({ err: error }, "sign-in failure counters unavailable");
		return 0;
	}
}

/** The console's sign-in: a server-side session in Postgres behind an HttpOnly, SameSite=Strict cookie. */
export function registerSession(app: Hono<AppEnv>) {
	app.on(...at(sessionRoutes.signIn), jsonBody, validJson(signInSchema), async (c) => {
		const { email, password } = c.req.valid("json");
		const counters = failureKeys(c, email);
		const refused = await overLimit(c, counters);
		if (refused !== null) return locked(c, refused);
		const result = await signIn(c.get("deps").db, email, password);
		if (result.outcome === "locked") return locked(c, result.retryAfterMs);
		if (result.outcome === "invalid") {
			// The failure that reaches the limit is answered like the account lockout, known account or not.
			if ((await recordFailure(c, counters)) >= MAX_FAILED_SIGN_INS) return locked(c, LOCKOUT_MS);
			await delayFor(result.failedAttempts);
			return failure(c, 401, messages.signInFailed);
		}
		c.header("Cache-Control", "no-store");
		setCookie(c, SESSION_COOKIE, result.secret, {
			httpOnly: true,
			sameSite: "Strict",
			secure: overTls(c),
			path: "/",
			maxAge: Math.floor(SESSION_TTL_MS / 1000),
		});
		return c.json({
			status: "successful",
			user: { ...userOf(result.principal), orgName: result.orgName },
			csrfToken: csrfTokenFor(result.secret),
		});
	});

	app.on(...at(sessionRoutes.current), async (c) => {
		const secret = getCookie(c, SESSION_COOKIE);
		const principal = secret ? await sessionPrincipal(c.get("deps").db, secret) : null;
		if (!secret || !principal) return failure(c, 401, messages.unauthorized);
		return c.json({
			status: "successful",
			user: { ...userOf(principal), orgName: principal.orgName },
			csrfToken: csrfTokenFor(secret),
		});
	});
}

/** Sign-out goes through the authenticated chain (cookie and CSRF token checked there). */
export function registerSignOut(app: Hono<AppEnv>) {
	app.on(...at(sessionRoutes.signOut), async (c) => {
		const secret = getCookie(c, SESSION_COOKIE);
		if (secret) await signOut(c.get("deps").db, secret);
		deleteCookie(c, SESSION_COOKIE, { path: "/" });
		return c.json({ status: "successful", message: "Signed out." });
	});
}

function userOf(principal: { userId: string; email: string; role: string; orgId: string }) {
	return { userId: principal.userId, email: principal.email, role: principal.role, orgId: principal.orgId };
}
