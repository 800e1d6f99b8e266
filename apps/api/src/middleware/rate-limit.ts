import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";

/** The TCP peer's address; behind a proxy that is the proxy, so per-address limits are then per proxy. */
export function clientAddress(c: Context<AppEnv>): string {
	const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
	return incoming?.socket?.remoteAddress ?? "unknown";
}

async function limited(c: Context<AppEnv>, name: string, limit: number): Promise<Response | null> {
	const limits = c.get("deps").rateLimits;
	if (!limits) return null;
	try {
		const verdict = await limits.limiter.hit(name, limit);
		if (verdict.allowed) return null;
		c.header("Retry-After", String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
		return failure(c, 429, `Too many requests: at most ${limit} a minute. Retry after the Retry-After seconds.`);
	} catch (error) {
		// The limits protect the service; Redis being away must not take the API down with it.
		c.get("deps").logger.warn({ err: error }, "rate limiter unavailable; request let through");
		return null;
	}
}

/** Before authentication: a budget per client address, so floods are refused before they cost a lookup. */
export const limitPerAddress = createMiddleware<AppEnv>(async (c, next) => {
	const limits = c.get("deps").rateLimits;
	const refused = limits && (await limited(c, `address:${clientAddress(c)}`, limits.perAddress));
	if (refused) return refused;
	await next();
});

/** After authentication: a budget per token (or per console user). */
export const limitPerToken = createMiddleware<AppEnv>(async (c, next) => {
	const limits = c.get("deps").rateLimits;
	const principal = c.get("principal");
	const caller = principal.tokenId ? `token:${principal.tokenId}` : `user:${principal.userId}`;
	const refused = limits && (await limited(c, caller, limits.perToken));
	if (refused) return refused;
	await next();
});
