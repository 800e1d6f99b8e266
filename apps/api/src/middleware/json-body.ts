import { zValidator } from "@hono/zod-validator";
import { messages } from "@sensorium/api-contract";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { z } from "zod";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";

export const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const DECIMAL = /^\d+$/;

const tooLarge = (c: Context<AppEnv>) => failure(c, 413, messages.payloadTooLarge);
const limitStreamedBody = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });

/**
 * 415 for a non-JSON content type, 413 over 1 MiB, 400 for malformed JSON: checked before the
 * schema so each gets its own clear message instead of a generic validation failure.
 *
 * A declared Content-Length is checked here rather than by hono's bodyLimit: bodyLimit touches
 * `c.req.raw.body`, which makes @hono/node-server build a full web Request and stream for every
 * call, the largest avoidable per-request cost on the scan routes. Node's parser already holds the
 * body to exactly Content-Length bytes, so only chunked bodies need counting as they arrive.
 */
export const jsonBody = createMiddleware<AppEnv>(async (c, next) => {
	if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) return failure(c, 415, messages.unsupportedMediaType);
	const declared = c.req.header("content-length");
	if (declared !== undefined && DECIMAL.test(declared) && c.req.header("transfer-encoding") === undefined) {
		return Number(declared) > MAX_BODY_BYTES ? tooLarge(c) : parseThen(c, next);
	}
	return limitStreamedBody(c, async () => {
		await parseThen(c, next);
	});
});

async function parseThen(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | undefined> {
	let text: string;
	let body: unknown;
	try {
		// hono caches the text: the validator's own c.req.json() reads it again without the stream.
		text = await c.req.text();
		body = JSON.parse(text);
	} catch {
		c.res = failure(c, 400, messages.malformedJson);
		return c.res;
	}
	// JSON can carry NUL and lone surrogates only as \u escapes: bodies without one need no walk.
	if (ESCAPED_UNSTORABLE.test(text)) {
		replaceUnstorableText(body);
		// hono keeps the pending text in bodyCache (typed as the resolved value); the validator parses this instead.
		(c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(JSON.stringify(body));
	}
	await next();
}

const ESCAPED_UNSTORABLE = /\\u0000|\\u[dD][89a-fA-F]/;

/** NUL, and UTF-16 surrogates without their pair: valid JSON, but no Postgres text column can hold them. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (text: string) => text.includes("\u0000") || LONE_SURROGATE.test(text);

/** What stands in for unstorable text: no schema accepts it where it expects text, labels or a sensorConfig. */
const UNSTORABLE_TEXT = Object.freeze({ unstorableText: true });

/**
 * Replaces, in place, every string (and every object with a key) holding unstorable text by a value no schema
 * accepts there, so the field's own contract message answers (`Invalid type for sensorName…`, `Invalid input
 * for sensorConfig.`) instead of a database error after validation passed.
 */
function replaceUnstorableText(value: unknown): void {
	if (value === null || typeof value !== "object") return;
	const entries: [string | number, unknown][] = Array.isArray(value)
		? value.map((item, index) => [index, item])
		: Object.entries(value);
	const holder = value as Record<string | number, unknown>;
	for (const [key, item] of entries) {
		if (typeof item === "string" && unstorable(item)) holder[key] = UNSTORABLE_TEXT;
		else if (
			item !== null &&
			typeof item === "object" &&
			!Array.isArray(item) &&
			Object.keys(item).some((k) => unstorable(k))
		)
			holder[key] = UNSTORABLE_TEXT;
		else replaceUnstorableText(item);
	}
}

/** zod validation whose failures carry the contract's messages, the first one as `message`. */
export function validJson<S extends z.ZodType>(schema: S) {
	return zValidator("json", schema, (result, c) => {
		if (!result.success) {
			const problems = result.error.issues.map((issue) => issue.message);
			return failure(c, 400, problems[0] ?? messages.bodyNotObject, problems);
		}
	});
}
