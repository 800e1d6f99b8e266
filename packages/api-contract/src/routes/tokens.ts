import { DEFAULT_TOKEN_EXPIRY_DAYS, messages, TOKEN_EXPIRY_DAYS, TOKEN_TYPES } from "@sensorium/vocabulary";
import { z } from "zod";
import { checkedBody, checkName } from "../request-body.ts";
import { describeRoute, errors, pageQuery, successMessageSchema } from "../route-doc.ts";

export { DEFAULT_TOKEN_EXPIRY_DAYS, TOKEN_EXPIRY_DAYS, TOKEN_TYPES } from "@sensorium/vocabulary";

export interface CreateTokenRequest {
	name: string;
	description: string | null;
	type: (typeof TOKEN_TYPES)[number];
	expiresInDays: (typeof TOKEN_EXPIRY_DAYS)[number];
}

export const createTokenSchema = checkedBody(["name", "description", "type", "expiresInDays"], (body, fail) => {
	checkName(body, fail, messages.invalidTokenName);
	if (body.description !== undefined && body.description !== null) {
		if (typeof body.description !== "string") fail(messages.invalidType("description", "string"));
		else if (body.description.length > 1000) fail(messages.invalidTokenDescription);
	}
	if (body.type === undefined) fail(messages.missingField("type"));
	else if (!z.enum(TOKEN_TYPES).safeParse(body.type).success) fail(messages.invalidTokenType);
	if (body.expiresInDays !== undefined && !TOKEN_EXPIRY_DAYS.includes(body.expiresInDays as 7)) {
		fail(messages.invalidTokenExpiry);
	}
}).transform(
	(body): CreateTokenRequest => ({
		name: (body.name as string).trim(),
		description: (body.description as string | null | undefined) ?? null,
		type: body.type as CreateTokenRequest["type"],
		expiresInDays: (body.expiresInDays as CreateTokenRequest["expiresInDays"] | undefined) ?? DEFAULT_TOKEN_EXPIRY_DAYS,
	}),
);

/** The body of POST /v3/tokens, for documentation; validation goes through createTokenSchema. */
const createTokenBodySchema = z.strictObject({
	name: z.string().min(1).max(200).meta({ example: "ci-pipeline" }),
	description: z.string().max(1000).nullable().optional(),
	type: z.enum(TOKEN_TYPES),
	expiresInDays: z
		.union([z.literal(7), z.literal(30), z.literal(60), z.literal(90), z.literal(180), z.literal(365)])
		.optional(),
});
const tokenSummarySchema = z.object({
	tokenId: z.string(),
	name: z.string(),
	description: z.string().nullable(),
	type: z.enum(TOKEN_TYPES),
	prefix: z.string(),
	userId: z.string(),
	email: z.string(),
	createdAt: z.string(),
	expiresAt: z.string(),
	lastUsedAt: z.string().nullable(),
	revokedAt: z.string().nullable(),
});
const createTokenResponseSchema = z.object({
	status: z.literal("successful"),
	message: z.string(),
	tokenId: z.string(),
	token: z.string().meta({ description: "The secret, shown only here" }),
	name: z.string(),
	type: z.string(),
	prefix: z.string(),
	expiresAt: z.string(),
});
const listTokensResponseSchema = z.object({
	status: z.literal("successful"),
	tokens: z.array(tokenSummarySchema),
	nextCursor: z.string().nullable(),
});

/** Organization admins manage access tokens; the secret is returned once, at creation. */
export const tokenRoutes = {
	create: describeRoute({
		method: "post",
		path: "/v3/tokens",
		summary: "Generate an access token (shown once)",
		tag: "Tokens",
		auth: "adminToken",
		body: createTokenBodySchema,
		bodyExample: { name: "ci-pipeline", description: "Scans from CI", type: "API Token", expiresInDays: 90 },
		responses: { 201: { description: "Created", schema: createTokenResponseSchema }, ...errors(400, 401, 403) },
	}),
	list: describeRoute({
		method: "get",
		path: "/v3/tokens",
		summary: "The organization's tokens, without secrets",
		tag: "Tokens",
		auth: "adminToken",
		query: pageQuery,
		responses: { 200: { description: "Tokens", schema: listTokensResponseSchema }, ...errors(401, 403) },
	}),
	revoke: describeRoute({
		method: "delete",
		path: "/v3/tokens/:tokenId",
		summary: "Revoke a token",
		tag: "Tokens",
		auth: "adminToken",
		responses: { 200: { description: "Revoked", schema: successMessageSchema }, ...errors(401, 403, 404) },
	}),
};
