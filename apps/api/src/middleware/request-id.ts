import { randomUUID } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";

const CLIENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Accepts a well-formed client x-request-id so traces join up; otherwise makes one. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
	const offered = c.req.header("x-request-id");
	const id = offered && CLIENT_ID.test(offered) ? offered : randomUUID();
	c.set("requestId", id);
	c.header("x-request-id", id);
	const started = performance.now();
	await next();
	const seconds = (performance.now() - started) / 1000;
	// The route pattern, not the path: execution ids must not become label values.
	c.get("deps").metrics?.http.observe(c.req.method, c.req.routePath, c.res.status, seconds);
	c.get("deps").logger.info(
		{ requestId: id, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 1000) },
		"request",
	);
});
