import { messages } from "@sensorium/api-contract";
import { isDatabaseUnavailable, isUnstorableText } from "@sensorium/db";
import { type DomainErrorKind, isDomainError } from "@sensorium/errors";
import { isRedisUnavailable } from "@sensorium/queue";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./context.ts";

/** The only place domain errors become HTTP statuses. */
const STATUS_BY_KIND: Record<DomainErrorKind, ContentfulStatusCode> = {
	validation: 400,
	unauthorized: 401,
	forbidden: 403,
	not_found: 404,
	conflict: 409,
	too_many: 429,
	unavailable: 503,
};

export interface FailureBody {
	status: "failed";
	message: string;
	errors?: string[];
}

export function failure(c: Context, status: ContentfulStatusCode, message: string, errors?: string[]) {
	const body: FailureBody = { status: "failed", message, ...(errors && errors.length > 1 ? { errors } : {}) };
	return c.json(body, status);
}

export function handleError(error: Error, c: Context<AppEnv>) {
	if (isDomainError(error)) return failure(c, STATUS_BY_KIND[error.kind], error.message);
	if (error instanceof HTTPException && error.status < 500) {
		return failure(c, error.status as ContentfulStatusCode, error.message || messages.internal);
	}
	if (isUnstorableText(error)) {
		// A last line of defence: text the validation let through that Postgres cannot store.
		return failure(c, 400, messages.unstorableText);
	}
	if (isDatabaseUnavailable(error) || isRedisUnavailable(error)) {
		// A restart or failover, not a bug: clients retry, and the process recovers with its pools.
		c.get("deps").logger.warn({ err: error, requestId: c.get("requestId") }, "a backing service is unavailable");
		c.header("Retry-After", "5");
		return failure(c, 503, messages.serviceUnavailable);
	}
	c.get("deps").logger.error({ err: error, requestId: c.get("requestId"), path: c.req.path }, "unhandled error");
	return failure(c, 500, messages.internal);
}
