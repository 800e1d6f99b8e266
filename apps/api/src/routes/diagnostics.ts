import { messages } from "@sensorium/api-contract";
import { listDiagnostics } from "@sensorium/executions";
import { isObjectId } from "@sensorium/ids";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";

/**
 * Files, archive members and sensor units an execution could not read or parse, in the order they happened;
 * paged like findings: `limit` (1-500, default 100) and `cursor` (the previous page's nextCursor).
 */
export function registerDiagnostics(app: Hono<AppEnv>) {
	app.get("/v3/scan/:executionId/diagnostics", async (c) => {
		const executionId = c.req.param("executionId");
		if (!isObjectId(executionId)) return failure(c, 404, messages.executionNotFound);
		const limit = c.req.query("limit") === undefined ? 100 : Number(c.req.query("limit"));
		if (!Number.isInteger(limit) || limit < 1 || limit > 500)
			return failure(c, 400, "Invalid value for limit: expected an integer from 1 to 500.");
		const cursor = c.req.query("cursor") ?? null;
		if (cursor !== null && !/^[1-9]\d{0,8}$/.test(cursor))
			return failure(c, 400, "Invalid value for cursor: use the nextCursor of the previous page.");
		const page = await listDiagnostics(c.get("deps").db, c.get("principal").orgId, executionId, { limit, cursor });
		return c.json({
			executionId,
			filesFailed: page.filesFailed,
			diagnostics: page.diagnostics,
			nextCursor: page.nextCursor,
		});
	});
}
