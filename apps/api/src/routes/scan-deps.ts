import type { ScanDeps } from "@sensorium/executions";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";

export function scanDeps(c: Context<AppEnv>): ScanDeps {
	const { db, queue, secretBox, sensorTypes, logger, maxQueuedPerOrg } = c.get("deps");
	return {
		db,
		queue,
		secretBox,
		sensorTypes,
		maxQueuedPerOrg,
		onEnqueueFailure: (executionId, error) =>
			logger.warn(
				{ requestId: c.get("requestId"), executionId, err: error },
				"execution committed but not enqueued; the reconciler will enqueue it",
			),
	};
}
