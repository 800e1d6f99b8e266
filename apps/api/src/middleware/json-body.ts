import { zValidator } from "@hono/zod-validator";
import { messages } from "@sensorium/api-contract";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { z } from "zod";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";

export const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

const limitBody = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => failure(c, 413, messages.payloadTooLarge) });

/**
 * 415 for a non-JSON content type, 413 over 1 MiB, 400 for malformed JSON: checked before the
 * schema so each gets its own clear message instead of a generic validation failure.
 */
export const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
	if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) return failure(c, 415, messages.unsupportedMediaType);
	return limitBody(c, async () => {
		try {
			await c.req.json();
		} catch {
			c.res = failure(c, 400, messages.malformedJson);
			return;
		}
		await next();
	});
});

/** zod validation whose failures carry the contract's messages, the first one as `message`. */
export function validJson<S extends z.ZodType>(schema: S) {
	return zValidator("json", schema, (result, c) => {
		if (!result.success) {
			const problems = result.error.issues.map((issue) => issue.message);
			return failure(c, 400, problems[0] ?? messages.bodyNotObject, problems);
		}
	});
}
