import { authenticate, isAdmin } from "@sensorium/accounts";
import { messages } from "@sensorium/api-contract";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";

/** Every reason a token is refused gets the same answer, so callers learn nothing from it. */
export const requireApiToken = createMiddleware<AppEnv>(async (c, next) => {
	const principal = await authenticate(c.var.deps.db, c.req.header("isg-api-token"));
	if (!principal) return failure(c, 401, messages.unauthorized);
	c.set("principal", principal);
	await next();
});

export const requireAdminToken = createMiddleware<AppEnv>(async (c, next) => {
	if (!isAdmin(c.var.principal)) return failure(c, 403, messages.forbiddenAdmin);
	await next();
});
