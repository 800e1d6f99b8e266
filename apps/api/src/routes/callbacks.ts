import { callbackRoutes, messages, registerCallbackSchema, rotateCallbackTokenSchema } from "@sensorium/api-contract";
import {
	deleteEndpoint,
	getEndpoint,
	listEndpoints,
	registerEndpoint,
	rotateEndpointToken,
} from "@sensorium/callback-store";
import { isObjectId } from "@sensorium/ids";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { requireAdminToken } from "../middleware/auth.ts";
import { jsonBody, validJson } from "../middleware/json-body.ts";
import { at } from "./documented.ts";
import { pageOf } from "./page.ts";

/** /v3/callbacks: organisation admins register the endpoints scans report to (spec section 4). */
export function registerCallbacks(app: Hono<AppEnv>) {
	app.use("/v3/callbacks", requireAdminToken);
	app.use("/v3/callbacks/*", requireAdminToken);

	app.on(...at(callbackRoutes.register), jsonBody, validJson(registerCallbackSchema), async (c) => {
		const deps = c.get("deps");
		const registration = await registerEndpoint(
			{ db: deps.db, secretBox: deps.secretBox, policy: deps.callbackPolicy, timeoutMs: deps.callbackTimeoutMs },
			c.get("principal").orgId,
			c.req.valid("json"),
		);
		return c.json(
			{
				status: "successful",
				message: "Callback endpoint registered. Copy the signing secret now: it will not be shown again.",
				...registration.endpoint,
				signingSecret: registration.signingSecret,
				reachability: registration.reachability,
			},
			201,
		);
	});

	app.on(...at(callbackRoutes.list), async (c) => {
		const page = pageOf(c);
		if (typeof page === "string") return failure(c, 400, page);
		return c.json({ status: "successful", ...(await listEndpoints(c.get("deps").db, c.get("principal").orgId, page)) });
	});

	app.on(...at(callbackRoutes.get), async (c) => {
		const endpointId = c.req.param("callbackId");
		if (!isObjectId(endpointId)) return failure(c, 404, messages.callbackNotFound);
		return c.json({
			status: "successful",
			...(await getEndpoint(c.get("deps").db, c.get("principal").orgId, endpointId)),
		});
	});

	app.on(...at(callbackRoutes.delete), async (c) => {
		const endpointId = c.req.param("callbackId");
		if (!isObjectId(endpointId)) return failure(c, 404, messages.callbackNotFound);
		await deleteEndpoint(c.get("deps").db, c.get("principal").orgId, endpointId);
		return c.json({ status: "successful", message: "Callback endpoint deleted." });
	});

	app.on(...at(callbackRoutes.rotateToken), jsonBody, validJson(rotateCallbackTokenSchema), async (c) => {
		const endpointId = c.req.param("callbackId");
		if (!isObjectId(endpointId)) return failure(c, 404, messages.callbackNotFound);
		const endpoint = await rotateEndpointToken(c.get("deps").db, c.get("deps").secretBox, {
			orgId: c.get("principal").orgId,
			endpointId,
			tokenValue: c.req.valid("json").tokenValue,
		});
		return c.json({ status: "successful", message: "Token rotated.", ...endpoint });
	});
}
