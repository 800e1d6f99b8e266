import { messages, scanRequestSchema, scanRoutes } from "@sensorium/api-contract";
import { createSensorAndExecute } from "@sensorium/executions";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { jsonBody, validJson } from "../middleware/json-body.ts";
import { at } from "./documented.ts";
import { scanDeps } from "./scan-deps.ts";

// RFC 9745 structured date: the day this API declared /v3/scan deprecated in favour of /v3/scan/create.
const DEPRECATED_SINCE = "@1767225600";

/** POST /v3/scan — spec 5.3, deprecated: same behaviour as create with the older field set. */
export function registerScanDeprecated(app: Hono<AppEnv>) {
	app.on(
		...at(scanRoutes.deprecated),
		async (c, next) => {
			await next();
			c.header("Deprecation", DEPRECATED_SINCE);
			c.header("Link", '</v3/scan/create>; rel="successor-version"');
		},
		jsonBody,
		validJson(scanRequestSchema("deprecated")),
		async (c) => {
			const { sensorId, executionId } = await createSensorAndExecute(
				scanDeps(c),
				c.get("principal"),
				c.req.valid("json"),
			);
			return c.json({ sensorId, executionId, status: "successful", message: messages.deprecatedSuccess });
		},
	);
}
