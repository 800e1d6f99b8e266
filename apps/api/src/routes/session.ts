import { csrfTokenFor, SESSION_TTL_MS, sessionPrincipal, signIn, signOut } from "@sensorium/accounts";
import { messages } from "@sensorium/api-contract";
import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { SESSION_COOKIE } from "../middleware/auth.ts";
import { jsonBody, validJson } from "../middleware/json-body.ts";

const signInSchema = z.strictObject({
	email: z
		.string({ error: messages.missingField("email") })
		.min(1, messages.missingField("email"))
		.max(320),
	password: z
		.string({ error: messages.missingField("password") })
		.min(1, messages.missingField("password"))
		.max(1024),
});

/** Secure cookies when the API is reached over TLS (directly or behind a proxy that says so). */
const overTls = (c: Context<AppEnv>) => c.req.url.startsWith("https:") || c.req.header("x-forwarded-proto") === "https";

// Failed sign-ins are answered more slowly each time, before the lockout takes over.
const delayFor = (failedAttempts: number) =>
	new Promise((r) => setTimeout(r, Math.min(2_000, 150 * 2 ** (failedAttempts - 1))));

/** The console's sign-in: a server-side session in Postgres behind an HttpOnly, SameSite=Strict cookie. */
export function registerSession(app: Hono<AppEnv>) {
	app.post("/v3/session", jsonBody, validJson(signInSchema), async (c) => {
		const { email, password } = c.req.valid("json");
		const result = await signIn(c.get("deps").db, email, password);
		if (result.outcome === "locked") {
			c.header("Retry-After", String(Math.ceil(result.retryAfterMs / 1000)));
			return failure(c, 429, messages.signInLocked(Math.max(1, Math.ceil(result.retryAfterMs / 60_000))));
		}
		if (result.outcome === "invalid") {
			await delayFor(result.failedAttempts);
			return failure(c, 401, messages.signInFailed);
		}
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

	app.get("/v3/session", async (c) => {
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
	app.delete("/v3/session", async (c) => {
		const secret = getCookie(c, SESSION_COOKIE);
		if (secret) await signOut(c.get("deps").db, secret);
		deleteCookie(c, SESSION_COOKIE, { path: "/" });
		return c.json({ status: "successful", message: "Signed out." });
	});
}

function userOf(principal: { userId: string; email: string; role: string; orgId: string }) {
	return { userId: principal.userId, email: principal.email, role: principal.role, orgId: principal.orgId };
}
