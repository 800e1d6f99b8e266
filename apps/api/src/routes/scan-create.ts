import { messages, scanRequestSchema, scanRoutes } from "@sensorium/api-contract";
import { createSensorAndExecute } from "@sensorium/executions";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { jsonBody, validJson } from "../middleware/json-body.ts";
import { at } from "./documented.ts";
import { scanDeps } from "./scan-deps.ts";

/** POST /v3/scan/create — spec 5.1. */
export function registerScanCreate(app: Hono<AppEnv>) {
	app.on(...at(scanRoutes.create), jsonBody, validJson(scanRequestSchema("create")), async (c) => {
		const principal = c.get("principal");
		const { sensorId, executionId } = await createSensorAndExecute(scanDeps(c), principal, c.req.valid("json"));
		return c.json({ sensorId, executionId, status: "successful", message: messages.createSuccess });
	});
}
