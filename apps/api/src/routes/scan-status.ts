import { messages } from "@sensorium/api-contract";
import { getExecution } from "@sensorium/executions";
import { isObjectId } from "@sensorium/ids";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";

/** GET /v3/scan/{executionId} — spec 7. */
export function registerScanStatus(app: Hono<AppEnv>) {
	app.get("/v3/scan/:executionId", async (c) => {
		const executionId = c.req.param("executionId");
		if (!isObjectId(executionId)) return failure(c, 404, messages.executionNotFound);
		return c.json(await getExecution(c.get("deps").db, c.get("principal").orgId, executionId));
	});
}
