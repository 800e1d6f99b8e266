import { OBJECT_ID_PATTERN } from "@sensorium/ids";
import { CALLBACK_AUTH_TYPES, EXECUTION_STATUSES, messages, TOKEN_TYPES } from "@sensorium/vocabulary";
import { z } from "zod";
import { createScanBodySchema, deprecatedScanBodySchema, PRIORITIES } from "./scan-requests.ts";

const id = (description: string) =>
	z.string().regex(OBJECT_ID_PATTERN).meta({ description, example: "6b09d8a7197f6b4c7e9999b1" });
const label = z.record(z.string(), z.string());

export const errorEnvelopeSchema = z.object({
	status: z.literal("failed"),
	message: z.string().meta({ example: messages.unauthorized }),
	errors: z.array(z.string()).optional().meta({ description: "Every problem found, when there are several" }),
});

export const createScanResponseSchema = z.object({
	sensorId: id("The sensor created"),
	executionId: id("Its first execution"),
	status: z.literal("successful"),
	message: z.literal(messages.createSuccess),
});
export const executeScanResponseSchema = z.object({
	executionId: id("The new execution"),
	status: z.literal("successful"),
	message: z.literal(messages.executeSuccess),
});
export const deprecatedScanResponseSchema = z.object({
	sensorId: id("The sensor created"),
	executionId: id("Its first execution"),
	status: z.literal("successful"),
	message: z.literal(messages.deprecatedSuccess),
});
export const executeScanBodySchema = z.strictObject({ sensorId: id("An existing sensor of the organization") });

export const executionStatusSchema = z.object({
	sensorId: id("The sensor"),
	executionId: id("The execution"),
	status: z.enum(EXECUTION_STATUSES),
	message: z.string(),
	ranBy: z.string().meta({ description: "Email of the user whose token requested the scan" }),
	ranAt: z.iso.datetime({ offset: true }),
	labels: z.array(label),
	priority: z.enum(PRIORITIES),
	errorCode: z.string().optional().meta({ description: "<NAMESPACE>-<code> when failed", example: "GIT-1002" }),
	startedAt: z.iso.datetime({ offset: true }).nullable(),
	finishedAt: z.iso.datetime({ offset: true }).nullable(),
	progress: z
		.object({ filesScanned: z.number().int(), bytesScanned: z.number().int(), filesFailed: z.number().int() })
		.catchall(z.number().int())
		.meta({
			description:
				"Files and bytes scanned, files that could not be read or parsed (listed by /diagnostics), and the sensor's own counters (Artifactory: artifactsListed, artifactsDownloaded, bytesDownloaded)",
		}),
	findings: z.object({ total: z.number().int(), byType: z.record(z.string(), z.number().int()) }).optional(),
});

export const findingSchema = z.object({
	version: z.literal(1),
	findingId: id("The finding"),
	kind: z.string().meta({ example: "x509" }),
	identity: z.string().meta({ description: "Intrinsic identity, e.g. the certificate's SHA-256" }),
	status: z.enum(["open", "resolved"]),
	observation: z.object({
		sensorId: z.string(),
		file: z.object({ path: z.string(), line: z.number().int().nullable(), layerDigest: z.string().optional() }),
	}),
	crypto: z
		.record(z.string(), z.unknown())
		.meta({ description: "Exactly one of x509, key, keystore, token, library, algorithm, protocol" }),
	analysis: z.record(z.string(), z.unknown()).nullable(),
	labels: z.array(label),
	firstSeenExecutionId: z.string(),
	lastSeenExecutionId: z.string(),
	firstSeenAt: z.string(),
	lastSeenAt: z.string(),
	resolvedAt: z.string().nullable(),
});

export const executionFindingsSchema = z.object({
	executionId: z.string(),
	findings: z.array(findingSchema),
	nextCursor: z.string().nullable(),
});
export const executionDiagnosticsSchema = z.object({
	executionId: z.string(),
	filesFailed: z.number().int().meta({ description: "Files that failed in all, including any beyond the 10,000 kept" }),
	diagnostics: z.array(
		z.object({
			id: z.number().int(),
			path: z.string().meta({ description: "As findings' locations: archive members after `!`" }),
			stage: z.enum(["read", "route", "parse", "keystore", "archive", "crypto-usage", "analysis", "list"]),
			errorClass: z.string().meta({ example: "UnreadableBlock" }),
			message: z.string(),
		}),
	),
	nextCursor: z.string().nullable(),
});
export const sensorFindingsSchema = z.object({
	sensorId: z.string(),
	status: z.enum(["open", "resolved"]),
	findings: z.array(findingSchema),
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
export const deliveriesSchema = z.object({
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

export const findingExportSchema = z.object({
	exportId: z.string().nullable().meta({ description: "null until the execution has finished" }),
	executionId: z.string(),
	state: z.enum(["pending", "exporting", "done", "failed"]),
	attempts: z.number().int(),
	documentsExported: z.number().int(),
	documentsFailed: z.number().int().meta({ description: "Documents OpenSearch rejected (mapping errors, …)" }),
	lastError: z.string().nullable(),
	nextAttemptAt: z.string().nullable(),
	createdAt: z.string().nullable(),
	startedAt: z.string().nullable(),
	finishedAt: z.string().nullable(),
	itemErrors: z
		.array(z.object({ findingId: z.string(), status: z.number().int(), error: z.string() }))
		.meta({ description: "The first 50 rejected documents with OpenSearch's error" }),
});

export const successMessageSchema = z.object({ status: z.literal("successful"), message: z.string() });

export const createTokenBodySchema = z.strictObject({
	name: z.string().min(1).max(200).meta({ example: "ci-pipeline" }),
	description: z.string().max(1000).nullable().optional(),
	type: z.enum(TOKEN_TYPES),
	expiresInDays: z
		.union([z.literal(7), z.literal(30), z.literal(60), z.literal(90), z.literal(180), z.literal(365)])
		.optional(),
});
const tokenSummary = z.object({
	tokenId: z.string(),
	name: z.string(),
	description: z.string().nullable(),
	type: z.enum(TOKEN_TYPES),
	prefix: z.string(),
	userId: z.string(),
	email: z.string(),
	createdAt: z.string(),
	expiresAt: z.string(),
	lastUsedAt: z.string().nullable(),
	revokedAt: z.string().nullable(),
});
export const createTokenResponseSchema = z.object({
	status: z.literal("successful"),
	message: z.string(),
	tokenId: z.string(),
	token: z.string().meta({ description: "The secret, shown only here" }),
	name: z.string(),
	type: z.string(),
	prefix: z.string(),
	expiresAt: z.string(),
});
export const listTokensResponseSchema = z.object({
	status: z.literal("successful"),
	tokens: z.array(tokenSummary),
	nextCursor: z.string().nullable(),
});

export const registerCallbackBodySchema = z.strictObject({
	name: z.string().min(1).max(200).meta({ example: "scans-callback-prod" }),
	url: z.url().max(200).meta({ example: "https://hooks.example.com/sensorium" }),
	authType: z.enum(CALLBACK_AUTH_TYPES).optional(),
	headerName: z.string().optional().meta({ description: "For apiToken", example: "X-Custom-Auth" }),
	tokenValue: z.string().optional().meta({ description: "For bearer and apiToken; stored encrypted, never returned" }),
});
const callbackView = z.object({
	callbackId: z.string(),
	name: z.string(),
	url: z.string(),
	authType: z.enum(CALLBACK_AUTH_TYPES),
	headerName: z.string().nullable(),
	hasToken: z.boolean(),
	createdAt: z.string(),
	tokenRotatedAt: z.string().nullable(),
});
export const registerCallbackResponseSchema = callbackView.extend({
	status: z.literal("successful"),
	message: z.string(),
	signingSecret: z.string().meta({ description: "whsec_…, shown only here" }),
	reachability: z.object({ statusCode: z.number().int(), latencyMs: z.number() }),
});
export const callbackResponseSchema = callbackView.extend({ status: z.literal("successful") });
export const listCallbacksResponseSchema = z.object({
	status: z.literal("successful"),
	callbacks: z.array(callbackView),
	nextCursor: z.string().nullable(),
});
export const rotateCallbackTokenBodySchema = z.strictObject({ tokenValue: z.string().min(1) });

type Auth = "apiToken" | "adminToken" | "none";

export interface RouteDoc {
	method: "get" | "post" | "delete";
	/** Hono style, with :params. */
	path: string;
	summary: string;
	tag: string;
	auth: Auth;
	body?: z.ZodType;
	bodyExample?: unknown;
	query?: Record<string, string>;
	responses: Record<number, { description: string; schema?: z.ZodType; example?: unknown }>;
}

const errors = (...codes: number[]) =>
	Object.fromEntries(
		codes.map((code) => [code, { description: ERROR_TEXT[code] ?? "Error", schema: errorEnvelopeSchema }]),
	);
const ERROR_TEXT: Record<number, string> = {
	400: "Invalid parameters or validation failed",
	401: "Unauthorized access.",
	403: "Needs an Admin Token",
	404: "Not found",
	413: "Body over 1 MiB",
	415: "Content-Type is not JSON",
};

const execId = "6b09d8a7197f6b4c7e9999b2";

const sessionUser = z.object({
	status: z.literal("successful"),
	user: z.object({
		userId: z.string(),
		email: z.string(),
		role: z.enum(["admin", "user"]),
		orgId: z.string(),
		orgName: z.string(),
	}),
	csrfToken: z
		.string()
		.meta({ description: "Send as x-csrf-token with every state-changing request made with the session cookie" }),
});
const executionSummary = z.object({
	executionId: z.string(),
	sensorId: z.string(),
	sensorName: z.string(),
	sensorType: z.string(),
	status: z.enum(EXECUTION_STATUSES),
	priority: z.enum(PRIORITIES),
	labels: z.array(label),
	ranBy: z.string(),
	ranAt: z.string(),
	startedAt: z.string().nullable(),
	finishedAt: z.string().nullable(),
	durationMs: z.number().int().nullable(),
	errorCode: z.string().optional(),
	message: z.string(),
	findings: z.object({ total: z.number().int(), byType: z.record(z.string(), z.number().int()) }).optional(),
});

/** Every public route: the OpenAPI document and its test are built from this list. */
export const ROUTES: RouteDoc[] = [
	{
		method: "post",
		path: "/v3/session",
		summary: "Sign in to the console (sets an HttpOnly, SameSite=Strict session cookie)",
		tag: "Console session",
		auth: "none",
		body: z.strictObject({ email: z.string(), password: z.string() }),
		bodyExample: { email: "admin@acme.example", password: "correct horse battery staple" },
		responses: {
			200: { description: "Signed in", schema: sessionUser },
			401: { description: messages.signInFailed, schema: errorEnvelopeSchema },
			429: { description: "Locked out after repeated failures", schema: errorEnvelopeSchema },
		},
	},
	{
		method: "get",
		path: "/v3/session",
		summary: "The signed-in user and the session's CSRF token",
		tag: "Console session",
		auth: "none",
		responses: { 200: { description: "Signed in", schema: sessionUser }, ...errors(401) },
	},
	{
		method: "delete",
		path: "/v3/session",
		summary: "Sign out",
		tag: "Console session",
		auth: "apiToken",
		responses: { 200: { description: "Signed out", schema: successMessageSchema }, ...errors(401, 403) },
	},
	{
		method: "get",
		path: "/v3/executions",
		summary: "The organization's executions, newest first",
		tag: "Scans",
		auth: "apiToken",
		query: {
			status: "queued | running | successful | failed",
			sensorId: "one sensor",
			limit: "1-200, default 50",
			cursor: "nextCursor",
		},
		responses: {
			200: {
				description: "A page of executions",
				schema: z.object({ executions: z.array(executionSummary), nextCursor: z.string().nullable() }),
			},
			...errors(400, 401),
		},
	},
	{
		method: "get",
		path: "/v3/sensors",
		summary: "The organization's sensors (without their configuration)",
		tag: "Scans",
		auth: "apiToken",
		query: { limit: "1-500, default 100", cursor: "nextCursor of the previous page" },
		responses: {
			200: {
				description: "Sensors",
				schema: z.object({
					sensors: z.array(
						z.object({
							sensorId: z.string(),
							name: z.string(),
							type: z.string(),
							priority: z.enum(PRIORITIES),
							labels: z.array(label),
							incremental: z.boolean(),
							callbackId: z.string().nullable(),
							createdAt: z.string(),
						}),
					),
					nextCursor: z.string().nullable(),
				}),
			},
			...errors(401),
		},
	},
	{
		method: "post",
		path: "/v3/scan/create",
		summary: "Create a sensor and run it (spec 5.1)",
		tag: "Scans",
		auth: "apiToken",
		body: createScanBodySchema,
		bodyExample: {
			sensorType: "GIT Sensor",
			sensorName: "payments-service",
			sensorConfig: { url: "https://git.example.com/acme/payments.git", branch: "main" },
			priority: "high",
			labels: [{ team: "payments" }],
		},
		responses: {
			200: {
				description: "Submitted",
				schema: createScanResponseSchema,
				example: {
					sensorId: "6b09d8a7197f6b4c7e9999b1",
					executionId: execId,
					status: "successful",
					message: messages.createSuccess,
				},
			},
			...errors(400, 401, 404, 413, 415),
		},
	},
	{
		method: "post",
		path: "/v3/scan/execute",
		summary: "Run an existing sensor again (spec 5.2)",
		tag: "Scans",
		auth: "apiToken",
		body: executeScanBodySchema,
		bodyExample: { sensorId: "6b09d8a7197f6b4c7e9999b1" },
		responses: {
			200: {
				description: "Started",
				schema: executeScanResponseSchema,
				example: { executionId: execId, status: "successful", message: messages.executeSuccess },
			},
			...errors(400, 401, 404),
		},
	},
	{
		method: "post",
		path: "/v3/scan",
		summary: "Deprecated: submit a scan (spec 5.3); use /v3/scan/create",
		tag: "Scans",
		auth: "apiToken",
		body: deprecatedScanBodySchema,
		bodyExample: {
			sensorType: "GIT Sensor",
			sensorName: "legacy",
			sensorConfig: { url: "https://git.example.com/a/b.git" },
		},
		responses: {
			200: {
				description: "Submitted (with Deprecation and Link headers)",
				schema: deprecatedScanResponseSchema,
				example: {
					sensorId: "6b09d8a7197f6b4c7e9999b1",
					executionId: execId,
					status: "successful",
					message: messages.deprecatedSuccess,
				},
			},
			...errors(400, 401, 404),
		},
	},
	{
		method: "get",
		path: "/v3/scan/:executionId",
		summary: "Status of an execution (spec 7)",
		tag: "Scans",
		auth: "apiToken",
		responses: {
			200: {
				description: "The execution",
				schema: executionStatusSchema,
				example: {
					sensorId: "6b09d8a7197f6b4c7e9999b1",
					executionId: execId,
					status: "failed",
					message: "Authentication failed for the repository.",
					ranBy: "admin@acme.example",
					ranAt: "2026-11-27T19:30:00.000Z",
					labels: [{ team: "payments" }],
					priority: "high",
					errorCode: "GIT-1002",
					startedAt: "2026-11-27T19:30:01.000Z",
					finishedAt: "2026-11-27T19:30:03.000Z",
					progress: { filesScanned: 0, bytesScanned: 0, filesFailed: 0 },
				},
			},
			...errors(401, 404),
		},
	},
	{
		method: "get",
		path: "/v3/scan/:executionId/findings",
		summary: "Findings an execution observed",
		tag: "Findings",
		auth: "apiToken",
		query: {
			type: "x509 | key | token | keystore | library | algorithm | protocol",
			limit: "1-500, default 100",
			cursor: "nextCursor of the previous page",
		},
		responses: {
			200: { description: "A page of findings", schema: executionFindingsSchema },
			...errors(400, 401, 404),
		},
	},
	{
		method: "get",
		path: "/v3/scan/:executionId/diagnostics",
		summary: "Files an execution could not read or parse",
		tag: "Findings",
		auth: "apiToken",
		query: { limit: "1-500, default 100", cursor: "nextCursor of the previous page" },
		responses: {
			200: { description: "A page of diagnostics, in the order they happened", schema: executionDiagnosticsSchema },
			...errors(400, 401, 404),
		},
	},
	{
		method: "get",
		path: "/v3/sensors/:sensorId/findings",
		summary: "A sensor's open or resolved findings",
		tag: "Findings",
		auth: "apiToken",
		query: { status: "open (default) | resolved", type: "asset kind", limit: "1-500", cursor: "nextCursor" },
		responses: { 200: { description: "A page of findings", schema: sensorFindingsSchema }, ...errors(400, 401, 404) },
	},
	{
		method: "get",
		path: "/v3/scan/:executionId/cbom",
		summary: "CycloneDX 1.6 CBOM of what an execution observed",
		tag: "Findings",
		auth: "apiToken",
		responses: {
			200: { description: "The CBOM (application/json)", schema: z.record(z.string(), z.unknown()) },
			...errors(401, 404),
		},
	},
	{
		method: "get",
		path: "/v3/sensors/:sensorId/cbom",
		summary: "CycloneDX 1.6 CBOM of a sensor's open findings",
		tag: "Findings",
		auth: "apiToken",
		responses: {
			200: { description: "The CBOM (application/json)", schema: z.record(z.string(), z.unknown()) },
			...errors(401, 404),
		},
	},
	{
		method: "get",
		path: "/v3/scan/:executionId/callbacks",
		summary: "Callback deliveries of an execution, with every attempt",
		tag: "Callbacks",
		auth: "apiToken",
		responses: { 200: { description: "Deliveries", schema: deliveriesSchema }, ...errors(401, 404) },
	},
	{
		method: "get",
		path: "/v3/scan/:executionId/export",
		summary: "The OpenSearch export of an execution's findings",
		tag: "Scans",
		auth: "apiToken",
		responses: { 200: { description: "Export state", schema: findingExportSchema }, ...errors(401, 404) },
	},
	{
		method: "post",
		path: "/v3/scan/:executionId/callbacks/:deliveryId/redeliver",
		summary: "Send a delivery again now",
		tag: "Callbacks",
		auth: "apiToken",
		responses: {
			200: { description: "Queued", schema: successMessageSchema.extend({ deliveryId: z.string() }) },
			...errors(401, 404),
		},
	},
	{
		method: "post",
		path: "/v3/tokens",
		summary: "Generate an access token (shown once)",
		tag: "Tokens",
		auth: "adminToken",
		body: createTokenBodySchema,
		bodyExample: { name: "ci-pipeline", description: "Scans from CI", type: "API Token", expiresInDays: 90 },
		responses: { 201: { description: "Created", schema: createTokenResponseSchema }, ...errors(400, 401, 403) },
	},
	{
		method: "get",
		path: "/v3/tokens",
		summary: "The organization's tokens, without secrets",
		tag: "Tokens",
		auth: "adminToken",
		query: { limit: "1-500, default 100", cursor: "nextCursor of the previous page" },
		responses: { 200: { description: "Tokens", schema: listTokensResponseSchema }, ...errors(401, 403) },
	},
	{
		method: "delete",
		path: "/v3/tokens/:tokenId",
		summary: "Revoke a token",
		tag: "Tokens",
		auth: "adminToken",
		responses: { 200: { description: "Revoked", schema: successMessageSchema }, ...errors(401, 403, 404) },
	},
	{
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
	},
	{
		method: "get",
		path: "/v3/callbacks",
		summary: "Callback endpoints (never tokens or secrets)",
		tag: "Callbacks",
		auth: "adminToken",
		query: { limit: "1-500, default 100", cursor: "nextCursor of the previous page" },
		responses: { 200: { description: "Endpoints", schema: listCallbacksResponseSchema }, ...errors(401, 403) },
	},
	{
		method: "get",
		path: "/v3/callbacks/:callbackId",
		summary: "One callback endpoint",
		tag: "Callbacks",
		auth: "adminToken",
		responses: { 200: { description: "The endpoint", schema: callbackResponseSchema }, ...errors(401, 403, 404) },
	},
	{
		method: "delete",
		path: "/v3/callbacks/:callbackId",
		summary: "Delete a callback endpoint",
		tag: "Callbacks",
		auth: "adminToken",
		responses: { 200: { description: "Deleted", schema: successMessageSchema }, ...errors(401, 403, 404) },
	},
	{
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
	},
];

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");
const jsonSchema = (schema: z.ZodType) =>
	z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any", io: "input" });

/** The OpenAPI 3.1 document, generated from the zod schemas above and the request schemas. */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const route of ROUTES) {
		const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
			name: m[1],
			in: "path",
			required: true,
			schema: { type: "string" },
		}));
		const query = Object.entries(route.query ?? {}).map(([name, description]) => ({
			name,
			in: "query",
			required: false,
			description,
			schema: { type: "string" },
		}));
		const operation: Record<string, unknown> = {
			summary: route.summary,
			tags: [route.tag],
			security: route.auth === "none" ? [] : [{ isgApiToken: [] }],
			...(route.auth === "adminToken" ? { description: "Needs an Admin Token of an organization administrator." } : {}),
			parameters: [...params, ...query],
			responses: Object.fromEntries(
				Object.entries(route.responses).map(([code, response]) => [
					code,
					{
						description: response.description,
						...(response.schema
							? {
									content: {
										"application/json": {
											schema: jsonSchema(response.schema),
											...(response.example ? { example: response.example } : {}),
										},
									},
								}
							: {}),
					},
				]),
			),
		};
		if (route.body) {
			operation.requestBody = {
				required: true,
				content: {
					"application/json": {
						schema: jsonSchema(route.body),
						...(route.bodyExample ? { example: route.bodyExample } : {}),
					},
				},
			};
		}
		const path = toOpenApiPath(route.path);
		paths[path] = { ...(paths[path] ?? {}), [route.method]: operation };
	}
	return {
		openapi: "3.1.0",
		info: {
			title: "Sensorium Scan API",
			version,
			description: "Wire-compatible with the AgileSec Scan API v3. Every /v3 route needs the isg-api-token header.",
		},
		components: { securitySchemes: { isgApiToken: { type: "apiKey", in: "header", name: "isg-api-token" } } },
		paths,
	};
}
