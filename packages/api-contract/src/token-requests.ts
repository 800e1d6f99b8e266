import { DEFAULT_TOKEN_EXPIRY_DAYS, messages, TOKEN_EXPIRY_DAYS, TOKEN_TYPES } from "@sensorium/vocabulary";
import { z } from "zod";
import { jsonBodyObject } from "./scan-requests.ts";

export { DEFAULT_TOKEN_EXPIRY_DAYS, TOKEN_EXPIRY_DAYS, TOKEN_TYPES } from "@sensorium/vocabulary";

export interface CreateTokenRequest {
	name: string;
	description: string | null;
	type: (typeof TOKEN_TYPES)[number];
	expiresInDays: (typeof TOKEN_EXPIRY_DAYS)[number];
}

const ALLOWED = ["name", "description", "type", "expiresInDays"];

export const createTokenSchema = jsonBodyObject
	.check((ctx) => {
		const body = ctx.value;
		const fail = (message: string) => ctx.issues.push({ code: "custom", message, input: body });
		for (const field of Object.keys(body)) if (!ALLOWED.includes(field)) fail(messages.unexpectedField(field));
		if (body.name === undefined) fail(messages.missingField("name"));
		else if (typeof body.name !== "string") fail(messages.invalidType("name", "string"));
		else if (body.name.trim() === "" || body.name.length > 200) fail(messages.invalidTokenName);
		if (body.description !== undefined && body.description !== null) {
			if (typeof body.description !== "string") fail(messages.invalidType("description", "string"));
			else if (body.description.length > 1000) fail(messages.invalidTokenDescription);
		}
		if (body.type === undefined) fail(messages.missingField("type"));
		else if (!z.enum(TOKEN_TYPES).safeParse(body.type).success) fail(messages.invalidTokenType);
		if (body.expiresInDays !== undefined && !TOKEN_EXPIRY_DAYS.includes(body.expiresInDays as 7)) {
			fail(messages.invalidTokenExpiry);
		}
	})
	.transform(
		(body): CreateTokenRequest => ({
			name: (body.name as string).trim(),
			description: (body.description as string | null | undefined) ?? null,
			type: body.type as CreateTokenRequest["type"],
			expiresInDays:
				(body.expiresInDays as CreateTokenRequest["expiresInDays"] | undefined) ?? DEFAULT_TOKEN_EXPIRY_DAYS,
		}),
	);
