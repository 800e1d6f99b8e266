import { exportRoutes, messages } from "@sensorium/api-contract";
import { isObjectId } from "@sensorium/ids";
import { getExecutionExport } from "@sensorium/opensearch-export";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { at } from "./documented.ts";

/** GET /v3/scan/{executionId}/export — where the execution's findings are on their way to OpenSearch. */
export function registerScanExport(app: Hono<AppEnv>) {
	app.on(...at(exportRoutes.ofExecution), async (c) => {
		const executionId = c.req.param("executionId");
		if (!isObjectId(executionId)) return failure(c, 404, messages.executionNotFound);
		const view = await getExecutionExport(
			c.get("deps").db,
			c.get("principal").orgId,
			executionId,
			messages.executionNotFound,
		);
		// The export record is written with the final status: until then it is pending.
		return c.json(
			view ?? {
				exportId: null,
				executionId,
				state: "pending",
				attempts: 0,
				documentsExported: 0,
				documentsFailed: 0,
				lastError: null,
				nextAttemptAt: null,
				createdAt: null,
				startedAt: null,
				finishedAt: null,
				itemErrors: [],
			},
		);
	});
}
