import { messages, scanRoutes } from "@sensorium/api-contract";
import { getExecution } from "@sensorium/executions";
import { isObjectId } from "@sensorium/ids";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { at } from "./documented.ts";

/** GET /v3/scan/{executionId} — spec 7. */
export function registerScanStatus(app: Hono<AppEnv>) {
	app.on(...at(scanRoutes.status), async (c) => {
		const executionId = c.req.param("executionId");
		if (!isObjectId(executionId)) return failure(c, 404, messages.executionNotFound);
		return c.json(await getExecution(c.get("deps").db, c.get("principal").orgId, executionId));
	});
}
