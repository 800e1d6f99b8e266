import { issueApiToken, listTokens, revokeToken } from "@sensorium/accounts";
import { createTokenSchema, messages, tokenRoutes } from "@sensorium/api-contract";
import { isObjectId } from "@sensorium/ids";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { requireAdminToken } from "../middleware/auth.ts";
import { jsonBody, validJson } from "../middleware/json-body.ts";
import { at } from "./documented.ts";
import { pageOf } from "./page.ts";

/** /v3/tokens: organisation admins manage access tokens. The secret is returned once, at creation. */
export function registerTokens(app: Hono<AppEnv>) {
	app.on(...at(tokenRoutes.create), requireAdminToken, jsonBody, validJson(createTokenSchema), async (c) => {
		const request = c.req.valid("json");
		const issued = await issueApiToken(c.get("deps").db, { userId: c.get("principal").userId, ...request });
		return c.json(
			{
				status: "successful",
				message: "Token created. Copy it now: it will not be shown again.",
				tokenId: issued.tokenId,
				token: issued.token,
				name: request.name,
				type: request.type,
				prefix: issued.displayPrefix,
				expiresAt: issued.expiresAt.toISOString(),
			},
			201,
		);
	});

	app.on(...at(tokenRoutes.list), requireAdminToken, async (c) => {
		const page = pageOf(c);
		if (typeof page === "string") return failure(c, 400, page);
		return c.json({ status: "successful", ...(await listTokens(c.get("deps").db, c.get("principal").orgId, page)) });
	});

	app.on(...at(tokenRoutes.revoke), requireAdminToken, async (c) => {
		const tokenId = c.req.param("tokenId");
		if (!isObjectId(tokenId)) return failure(c, 404, messages.tokenNotFound);
		const deps = c.get("deps");
		await revokeToken(deps.db, c.get("principal").orgId, tokenId);
		const change = { scope: "token", tokenId } as const;
		deps.principalCache?.forget(change);
		// Postgres already refuses the token; other replicas learn it now or, failing that, at their TTL.
		await deps
			.announceAuthChange?.(change)
			.catch((error: unknown) =>
				deps.logger.warn({ err: error, tokenId }, "could not announce a token revocation to other API replicas"),
			);
		return c.json({ status: "successful", message: "Token revoked." });
	});
}
