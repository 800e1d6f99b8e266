import { listingRoutes, messages } from "@sensorium/api-contract";
import { listExecutions, listSensors } from "@sensorium/executions";
import { isObjectId } from "@sensorium/ids";
import { EXECUTION_STATUSES, type ExecutionStatus } from "@sensorium/vocabulary";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { at } from "./documented.ts";
import { pageOf } from "./page.ts";

/** What the console lists: the organisation's executions and sensors. */
export function registerListings(app: Hono<AppEnv>) {
	app.on(...at(listingRoutes.executions), async (c) => {
		const status = c.req.query("status");
		if (status !== undefined && !(EXECUTION_STATUSES as readonly string[]).includes(status))
			return failure(c, 400, messages.invalidExecutionStatus);
		const sensorId = c.req.query("sensorId");
		if (sensorId !== undefined && !isObjectId(sensorId)) return failure(c, 400, messages.invalidSensorIdQuery);
		const limit = c.req.query("limit") === undefined ? 50 : Number(c.req.query("limit"));
		if (!Number.isInteger(limit) || limit < 1 || limit > 200) return failure(c, 400, messages.invalidLimit(200));
		const cursor = c.req.query("cursor");
		if (cursor !== undefined && !isObjectId(cursor)) return failure(c, 400, messages.invalidCursor);
		const page = await listExecutions(c.get("deps").db, c.get("principal").orgId, {
			status: status as ExecutionStatus | undefined,
			sensorId,
			limit,
			cursor,
		});
		return c.json(page);
	});

	app.on(...at(listingRoutes.sensors), async (c) => {
		const page = pageOf(c);
		if (typeof page === "string") return failure(c, 400, page);
		return c.json(await listSensors(c.get("deps").db, c.get("principal").orgId, page));
	});
}
