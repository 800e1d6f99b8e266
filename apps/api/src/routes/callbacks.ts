import { messages, registerCallbackSchema, rotateCallbackTokenSchema } from "@sensorium/api-contract";
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

/** /v3/callbacks: organisation admins register the endpoints scans report to (spec section 4). */
export function registerCallbacks(app: Hono<AppEnv>) {
	app.use("/v3/callbacks", requireAdminToken);
	app.use("/v3/callbacks/*", requireAdminToken);

	app.post("/v3/callbacks", jsonBody, validJson(registerCallbackSchema), async (c) => {
		const { deps } = c.var;
		const registration = await registerEndpoint(
			{ db: deps.db, secretBox: deps.secretBox, policy: deps.callbackPolicy, timeoutMs: deps.callbackTimeoutMs },
			c.var.principal.orgId,
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

	app.get("/v3/callbacks", async (c) => {
		return c.json({ status: "successful", callbacks: await listEndpoints(c.var.deps.db, c.var.principal.orgId) });
	});

	app.get("/v3/callbacks/:callbackId", async (c) => {
		const id = c.req.param("callbackId");
		if (!isObjectId(id)) return failure(c, 404, messages.callbackNotFound);
		return c.json({ status: "successful", ...(await getEndpoint(c.var.deps.db, c.var.principal.orgId, id)) });
	});

	app.delete("/v3/callbacks/:callbackId", async (c) => {
		const id = c.req.param("callbackId");
		if (!isObjectId(id)) return failure(c, 404, messages.callbackNotFound);
		await deleteEndpoint(c.var.deps.db, c.var.principal.orgId, id);
		return c.json({ status: "successful", message: "Callback endpoint deleted." });
	});

	app.post("/v3/callbacks/:callbackId/rotate-token", jsonBody, validJson(rotateCallbackTokenSchema), async (c) => {
		const id = c.req.param("callbackId");
		if (!isObjectId(id)) return failure(c, 404, messages.callbackNotFound);
		const endpoint = await rotateEndpointToken(c.var.deps.db, c.var.deps.secretBox, {
			orgId: c.var.principal.orgId,
			id,
			tokenValue: c.req.valid("json").tokenValue,
		});
		return c.json({ status: "successful", message: "Token rotated.", ...endpoint });
	});
}
