import { callbackUrlProblem } from "@sensorium/callbacks";
import { CALLBACK_AUTH_TYPES, type CallbackAuthType, messages } from "@sensorium/vocabulary";
import { z } from "zod";
import { checkedBody, checkName, type Fail } from "../request-body.ts";
import { describeRoute, errors, pageQuery, successMessageSchema } from "../route-doc.ts";

export { CALLBACK_AUTH_TYPES, type CallbackAuthType } from "@sensorium/vocabulary";

export interface RegisterCallbackRequest {
	name: string;
	url: string;
	authType: CallbackAuthType;
	headerName: string | null;
	tokenValue: string | null;
}

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// Headers the dispatcher sets itself; a custom auth header must not collide with them.
const RESERVED_HEADERS = new Set([
	"host",
	"content-type",
	"content-length",
	"transfer-encoding",
	"connection",
	"user-agent",
	"webhook-id",
	"webhook-timestamp",
	"webhook-signature",
]);

function tokenProblems(body: Record<string, unknown>, authType: unknown, fail: Fail) {
	if (authType === "apiToken") {
		if (body.headerName === undefined || body.headerName === null || body.headerName === "") {
			fail(messages.callbackHeaderNameRequired);
		} else if (typeof body.headerName !== "string" || !HEADER_NAME.test(body.headerName)) {
			fail(messages.callbackHeaderNameInvalid);
		} else if (RESERVED_HEADERS.has(body.headerName.toLowerCase())) {
			fail(messages.callbackHeaderNameReserved(body.headerName));
		}
	} else if (body.headerName !== undefined && body.headerName !== null) {
		fail(messages.callbackHeaderNameOnlyForApiToken);
	}
	if (authType === "bearer" || authType === "apiToken") {
		if (body.tokenValue === undefined || body.tokenValue === null || body.tokenValue === "") {
			fail(messages.callbackTokenRequired);
		} else if (typeof body.tokenValue !== "string" || body.tokenValue.length > 4096 || /[\r\n]/.test(body.tokenValue)) {
			fail(messages.callbackTokenInvalid);
		}
	} else if (body.tokenValue !== undefined && body.tokenValue !== null) {
		fail(messages.callbackTokenOnlyWithAuth);
	}
}

/** POST /v3/callbacks: every rule has its own message, reported in field order. */
export const registerCallbackSchema = checkedBody(
	["name", "url", "authType", "headerName", "tokenValue"],
	(body, fail) => {
		checkName(body, fail, messages.callbackNameInvalid);
		if (body.url === undefined) fail(messages.missingField("url"));
		else {
			const problem = callbackUrlProblem(body.url);
			if (problem) fail(problem);
		}
		const authType = body.authType ?? "none";
		if (!CALLBACK_AUTH_TYPES.includes(authType as CallbackAuthType)) fail(messages.callbackAuthTypeInvalid);
		else tokenProblems(body, authType, fail);
	},
).transform(
	(body): RegisterCallbackRequest => ({
		name: (body.name as string).trim(),
		url: body.url as string,
		authType: (body.authType as CallbackAuthType | undefined) ?? "none",
		headerName: (body.headerName as string | undefined) ?? null,
		tokenValue: (body.tokenValue as string | undefined) ?? null,
	}),
);

export const rotateCallbackTokenSchema = checkedBody(["tokenValue"], (body, fail) => {
	if (body.tokenValue === undefined || body.tokenValue === null || body.tokenValue === "")
		fail(messages.missingField("tokenValue"));
	else if (typeof body.tokenValue !== "string" || body.tokenValue.length > 4096 || /[\r\n]/.test(body.tokenValue)) {
		fail(messages.callbackTokenInvalid);
	}
}).transform((body) => ({ tokenValue: body.tokenValue as string }));

/** The body of POST /v3/callbacks, for documentation; validation goes through registerCallbackSchema. */
const registerCallbackBodySchema = z.strictObject({
	name: z.string().min(1).max(200).meta({ example: "scans-callback-prod" }),
	url: z.url().max(200).meta({ example: "https://hooks.example.com/sensorium" }),
	authType: z.enum(CALLBACK_AUTH_TYPES).optional(),
	headerName: z.string().optional().meta({ description: "For apiToken", example: "X-Custom-Auth" }),
	tokenValue: z.string().optional().meta({ description: "For bearer and apiToken; stored encrypted, never returned" }),
});
/** The body of POST /v3/callbacks/{callbackId}/rotate-token; validation goes through rotateCallbackTokenSchema. */
const rotateCallbackTokenBodySchema = z.strictObject({ tokenValue: z.string().min(1) });

const callbackViewSchema = z.object({
	callbackId: z.string(),
	name: z.string(),
	url: z.string(),
	authType: z.enum(CALLBACK_AUTH_TYPES),
	headerName: z.string().nullable(),
	hasToken: z.boolean(),
	createdAt: z.string(),
	tokenRotatedAt: z.string().nullable(),
});
const registerCallbackResponseSchema = callbackViewSchema.extend({
	status: z.literal("successful"),
	message: z.string(),
	signingSecret: z.string().meta({ description: "whsec_…, shown only here" }),
	reachability: z.object({ statusCode: z.number().int(), latencyMs: z.number() }),
});
const callbackResponseSchema = callbackViewSchema.extend({ status: z.literal("successful") });
const listCallbacksResponseSchema = z.object({
	status: z.literal("successful"),
	callbacks: z.array(callbackViewSchema),
	nextCursor: z.string().nullable(),
});

const attemptSchema = z.object({
	attempt: z.number().int(),
	attemptedAt: z.string(),
	statusCode: z.number().int().nullable(),
	latencyMs: z.number().int(),
	error: z.string().nullable(),
	responseBody: z.string().nullable(),
});
const deliveriesSchema = z.object({
	executionId: z.string(),
	deliveries: z.array(
		z.object({
			deliveryId: z.string().meta({ description: "Also the webhook-id header of every attempt" }),
			callbackId: z.string(),
			status: z.enum(["pending", "succeeded", "failed"]),
			attempts: z.number().int(),
			nextAttemptAt: z.string().nullable(),
			lastStatusCode: z.number().int().nullable(),
			createdAt: z.string(),
			deliveredAt: z.string().nullable(),
			payload: z.record(z.string(), z.unknown()),
			attemptLog: z.array(attemptSchema),
		}),
	),
});

/** The endpoints organization admins register (spec section 4), and the deliveries of each execution to them. */
export const callbackRoutes = {
	deliveries: describeRoute({
		method: "get",
		path: "/v3/scan/:executionId/callbacks",
		summary: "Callback deliveries of an execution, with every attempt",
		tag: "Callbacks",
		auth: "apiToken",
		responses: { 200: { description: "Deliveries", schema: deliveriesSchema }, ...errors(401, 404) },
	}),
	redeliver: describeRoute({
		method: "post",
		path: "/v3/scan/:executionId/callbacks/:deliveryId/redeliver",
		summary: "Send a delivery again now",
		tag: "Callbacks",
		auth: "apiToken",
		responses: {
			200: { description: "Queued", schema: successMessageSchema.extend({ deliveryId: z.string() }) },
			...errors(401, 404),
		},
	}),
	register: describeRoute({
		method: "post",
		path: "/v3/callbacks",
		summary: "Register a callback endpoint (verifies it is reachable; returns the signing secret once)",
		tag: "Callbacks",
		auth: "adminToken",
		body: registerCallbackBodySchema,
		bodyExample: {
			name: "scans-callback-prod",
			url: "https://hooks.example.com/sensorium",
			authType: "bearer",
			tokenValue: "s3cr3t",
		},
		responses: { 201: { description: "Registered", schema: registerCallbackResponseSchema }, ...errors(400, 401, 403) },
	}),
	list: describeRoute({
		method: "get",
		path: "/v3/callbacks",
		summary: "Callback endpoints (never tokens or secrets)",
		tag: "Callbacks",
		auth: "adminToken",
		query: pageQuery,
		responses: { 200: { description: "Endpoints", schema: listCallbacksResponseSchema }, ...errors(401, 403) },
	}),
	get: describeRoute({
		method: "get",
		path: "/v3/callbacks/:callbackId",
		summary: "One callback endpoint",
		tag: "Callbacks",
		auth: "adminToken",
		responses: { 200: { description: "The endpoint", schema: callbackResponseSchema }, ...errors(401, 403, 404) },
	}),
	delete: describeRoute({
		method: "delete",
		path: "/v3/callbacks/:callbackId",
		summary: "Delete a callback endpoint",
		tag: "Callbacks",
		auth: "adminToken",
		responses: { 200: { description: "Deleted", schema: successMessageSchema }, ...errors(401, 403, 404) },
	}),
	rotateToken: describeRoute({
		method: "post",
		path: "/v3/callbacks/:callbackId/rotate-token",
		summary: "Replace an endpoint's token",
		tag: "Callbacks",
		auth: "adminToken",
		body: rotateCallbackTokenBodySchema,
		bodyExample: { tokenValue: "n3w-s3cr3t" },
		responses: {
			200: { description: "Rotated", schema: callbackResponseSchema.extend({ message: z.string() }) },
			...errors(400, 401, 403, 404),
		},
	}),
};
