import { messages } from "@sensorium/api-contract";
import { isObjectId } from "@sensorium/ids";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";

export const MAX_PAGE = 500;

/**
 * `limit` (1-500, default 100) and `cursor` (the previous page's nextCursor) of a list endpoint, or the
 * message of a 400: no list answers more than MAX_PAGE items at once. Cursors are ids unless the list says
 * otherwise.
 */
export function pageOf(
	c: Context<AppEnv>,
	isCursor: (cursor: string) => boolean = isObjectId,
): { limit: number; cursor: string | null } | string {
	const limit = c.req.query("limit") === undefined ? 100 : Number(c.req.query("limit"));
	if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) return messages.invalidLimit(MAX_PAGE);
	const cursor = c.req.query("cursor") ?? null;
	if (cursor !== null && !isCursor(cursor)) return messages.invalidCursor;
	return { limit, cursor };
}
