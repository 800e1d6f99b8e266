import { findingRoutes, messages } from "@sensorium/api-contract";
import { listDiagnostics } from "@sensorium/executions";
import { isObjectId } from "@sensorium/ids";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { at } from "./documented.ts";
import { pageOf } from "./page.ts";

/**
 * Files, archive members and sensor units an execution could not read or parse, in the order they happened;
 * paged like findings: `limit` (1-500, default 100) and `cursor` (the previous page's nextCursor).
 */
export function registerDiagnostics(app: Hono<AppEnv>) {
	app.on(...at(findingRoutes.diagnostics), async (c) => {
		const executionId = c.req.param("executionId");
		if (!isObjectId(executionId)) return failure(c, 404, messages.executionNotFound);
		// Diagnostics are numbered within their execution: the cursor is the last number seen.
		const request = pageOf(c, (cursor) => /^[1-9]\d{0,8}$/.test(cursor));
		if (typeof request === "string") return failure(c, 400, request);
		const page = await listDiagnostics(c.get("deps").db, c.get("principal").orgId, executionId, request);
		return c.json({
			executionId,
			filesFailed: page.filesFailed,
			diagnostics: page.diagnostics,
			nextCursor: page.nextCursor,
		});
	});
}
