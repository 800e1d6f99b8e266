import { isAdmin } from "@sensorium/accounts";
import { callbackRoutes, messages } from "@sensorium/api-contract";
import { listExecutionDeliveries, redeliver } from "@sensorium/callback-store";
import { isObjectId } from "@sensorium/ids";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { at } from "./documented.ts";

/** Deliveries of an execution's completion callback, with every attempt, and manual re-sends. */
export function registerScanCallbacks(app: Hono<AppEnv>) {
	app.on(...at(callbackRoutes.deliveries), async (c) => {
		const executionId = c.req.param("executionId");
		if (!isObjectId(executionId)) return failure(c, 404, messages.executionNotFound);
		const deliveries = await listExecutionDeliveries(
			c.get("deps").db,
			c.get("principal").orgId,
			executionId,
			messages.executionNotFound,
		);
		// The receiver's answer may say things about an internal system: admins only.
		const shown = isAdmin(c.get("principal"))
			? deliveries
			: deliveries.map((delivery) => ({
					...delivery,
					attemptLog: delivery.attemptLog.map((attempt) => ({ ...attempt, responseBody: null })),
				}));
		return c.json({ executionId, deliveries: shown });
	});

	app.on(...at(callbackRoutes.redeliver), async (c) => {
		const { executionId, deliveryId } = c.req.param();
		if (!isObjectId(executionId) || !isObjectId(deliveryId)) return failure(c, 404, messages.deliveryNotFound);
		await redeliver(
			{ db: c.get("deps").db, queue: c.get("deps").callbackQueue },
			{ orgId: c.get("principal").orgId, executionId, deliveryId },
		);
		return c.json({ status: "successful", message: "Delivery queued for sending again.", deliveryId });
	});
}
