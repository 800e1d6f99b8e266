import { executeScanSchema, messages, scanRoutes } from "@sensorium/api-contract";
import { executeSensor } from "@sensorium/executions";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { jsonBody, validJson } from "../middleware/json-body.ts";
import { at } from "./documented.ts";
import { scanDeps } from "./scan-deps.ts";

/** POST /v3/scan/execute — spec 5.2. */
export function registerScanExecute(app: Hono<AppEnv>) {
	app.on(...at(scanRoutes.execute), jsonBody, validJson(executeScanSchema), async (c) => {
		const { executionId } = await executeSensor(scanDeps(c), c.get("principal"), c.req.valid("json").sensorId);
		return c.json({ executionId, status: "successful", message: messages.executeSuccess });
	});
}
