import { authenticate, csrfTokenMatches, isAdmin, type Principal, sessionPrincipal } from "@sensorium/accounts";
import { messages } from "@sensorium/api-contract";
import { type AuthInvalidation, type RedisConnection, subscribeAuthInvalidations } from "@sensorium/queue";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";

/**
 * Remembers accepted tokens for a short time so a busy client costs one database round trip per
 * TTL instead of one per request (unkey's approach). Revocations, deactivations and licence changes
 * reach every replica over Redis (listenForAuthInvalidations) and take effect at once; if that
 * message is lost, within the TTL. ttlMs 0 disables the cache.
 */
export class PrincipalCache {
	private readonly entries = new Map<string, { principal: Principal; until: number }>();

	constructor(
		private readonly ttlMs: number,
		private readonly maxEntries = 10_000,
	) {}

	get(token: string, now = Date.now()): Principal | undefined {
		const entry = this.entries.get(token);
		if (!entry) return undefined;
		if (entry.until > now) return entry.principal;
		this.entries.delete(token);
		return undefined;
	}

	set(token: string, principal: Principal, now = Date.now()): void {
		if (this.ttlMs <= 0) return;
		if (this.entries.size >= this.maxEntries) this.entries.clear();
		// A token expiring within the TTL is remembered only until its expiry instant.
		const until = Math.min(now + this.ttlMs, principal.validUntil?.getTime() ?? Number.POSITIVE_INFINITY);
		this.entries.set(token, { principal, until });
	}

	/** Drops what a revocation, deactivation or licence change (here or on another replica) affects. */
	forget(change: AuthInvalidation): void {
		const affected = (principal: Principal) =>
			change.scope === "token"
				? principal.tokenId === change.tokenId
				: change.scope === "user"
					? principal.userId === change.userId
					: principal.orgId === change.orgId;
		for (const [token, entry] of this.entries) if (affected(entry.principal)) this.entries.delete(token);
	}

	clear(): void {
		this.entries.clear();
	}
}

export const SESSION_COOKIE = "sensorium_session";
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Every /v3 route: an isg-api-token, or the console's session cookie. A cookie is sent by the
 * browser on its own, so with one every state-changing request must also carry the session's CSRF
 * token. Every reason a caller is refused gets the same answer, so it learns nothing from it.
 */
export const requireApiToken = createMiddleware<AppEnv>(async (c, next) => {
	const token = c.req.header("isg-api-token");
	if (token) {
		const cache = c.get("deps").principalCache;
		let principal = cache?.get(token);
		if (!principal) {
			principal = (await authenticate(c.get("deps").db, token)) ?? undefined;
			if (!principal) return failure(c, 401, messages.unauthorized);
			cache?.set(token, principal);
		}
		c.set("principal", principal);
		return next();
	}
	const secret = getCookie(c, SESSION_COOKIE);
	const principal = secret ? await sessionPrincipal(c.get("deps").db, secret) : null;
	if (!secret || !principal) return failure(c, 401, messages.unauthorized);
	if (STATE_CHANGING.has(c.req.method) && !csrfTokenMatches(secret, c.req.header("x-csrf-token"))) {
		return failure(c, 403, messages.csrfRequired);
	}
	c.set("principal", principal);
	return next();
});

export const requireAdminToken = createMiddleware<AppEnv>(async (c, next) => {
	if (!isAdmin(c.get("principal"))) {
		return failure(
			c,
			403,
			c.get("principal").via === "session" ? messages.forbiddenAdminSession : messages.forbiddenAdmin,
		);
	}
	await next();
});

/** Keeps a replica's PrincipalCache in step with changes announced by other replicas and the CLI. */
export async function listenForAuthInvalidations(
	subscriber: RedisConnection,
	prefix: string,
	cache: PrincipalCache,
): Promise<void> {
	await subscribeAuthInvalidations(subscriber, prefix, {
		onInvalidation: (change) => cache.forget(change),
		onResubscribed: () => cache.clear(),
	});
}
