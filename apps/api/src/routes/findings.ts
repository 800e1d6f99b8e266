import { findingRoutes, messages } from "@sensorium/api-contract";
import { listExecutionFindings, listSensorFindings } from "@sensorium/findings";
import { isObjectId } from "@sensorium/ids";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { at } from "./documented.ts";
import { pageOf } from "./page.ts";

const KINDS = ["x509", "key", "token", "keystore", "library", "algorithm", "protocol"];

/** Shared query parameters: `limit` (1-500, default 100), `cursor` (from nextCursor), `type` (asset kind). */
function pageRequest(c: Context<AppEnv>): { limit: number; cursor: string | null; kind?: string } | string {
	const page = pageOf(c);
	if (typeof page === "string") return page;
	const kind = c.req.query("type");
	if (kind !== undefined && !KINDS.includes(kind))
		return `Invalid value for type: expected one of ${KINDS.join(", ")}.`;
	return { ...page, kind };
}

export function registerFindings(app: Hono<AppEnv>) {
	app.on(...at(findingRoutes.ofExecution), async (c) => {
		const executionId = c.req.param("executionId");
		if (!isObjectId(executionId)) return failure(c, 404, messages.executionNotFound);
		const request = pageRequest(c);
		if (typeof request === "string") return failure(c, 400, request);
		const page = await listExecutionFindings(
			c.get("deps").db,
			c.get("principal").orgId,
			executionId,
			request,
			messages.executionNotFound,
		);
		return c.json({ executionId, findings: page.items, nextCursor: page.nextCursor });
	});

	app.on(...at(findingRoutes.ofSensor), async (c) => {
		const sensorId = c.req.param("sensorId");
		if (!isObjectId(sensorId)) return failure(c, 404, messages.sensorNotFoundById);
		const request = pageRequest(c);
		if (typeof request === "string") return failure(c, 400, request);
		const status = c.req.query("status") ?? "open";
		if (status !== "open" && status !== "resolved") return failure(c, 400, messages.invalidFindingStatus);
		const page = await listSensorFindings(
			c.get("deps").db,
			c.get("principal").orgId,
			sensorId,
			{ ...request, status },
			messages.sensorNotFoundById,
		);
		return c.json({ sensorId, status, findings: page.items, nextCursor: page.nextCursor });
	});
}
