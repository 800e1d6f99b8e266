import { OBJECT_ID_PATTERN } from "@sensorium/ids";
import { EXECUTION_STATUSES, type Label, messages, PRIORITIES, type Priority } from "@sensorium/vocabulary";
import { z } from "zod";
import { checkedBody, jsonBodyObject } from "../request-body.ts";
import { describeRoute, errors, id, label } from "../route-doc.ts";

export { type Label, PRIORITIES, type Priority } from "@sensorium/vocabulary";

export interface CreateScanRequest {
	sensorType: string;
	sensorName: string;
	sensorConfig: Record<string, unknown>;
	priority: Priority;
	callbackId: string | null;
	incrementalScan: boolean;
	autoResolutionInterval: number | null;
	labels: Label[];
}

/** `create` is POST /v3/scan/create; `deprecated` is POST /v3/scan, which takes fewer fields. */
export type ScanRequestVariant = "create" | "deprecated";

const ALLOWED_FIELDS: Record<ScanRequestVariant, readonly string[]> = {
	create: [
		"sensorType",
		"sensorName",
		"sensorConfig",
		"priority",
		"callbackId",
		"incrementalScan",
		"autoResolutionInterval",
		"labels",
	],
	deprecated: ["sensorName", "sensorType", "sensorConfig", "labels", "priority", "callbackId"],
};

const REQUIRED_FIELDS = ["sensorName", "sensorType", "sensorConfig"] as const;

/**
 * The request fields, described once: the ordered validation below checks each value against its
 * field's base type, and the OpenAPI document is generated from the same definitions.
 */
export const scanFields = {
	sensorType: z.string().meta({ description: "The type of sensor to use for the scan.", example: "GIT Sensor" }),
	sensorName: z
		.string()
		.meta({ description: "A name for the sensor, unique within the organization.", example: "payments-service" }),
	sensorConfig: z.record(z.string(), z.unknown()).meta({
		description: "Configuration specific to the sensor type.",
		example: { url: "https://git.example.com/acme/payments.git" },
	}),
	priority: z.enum(PRIORITIES).meta({ description: "Scan priority; default low.", example: "high" }),
	callbackId: z
		.string()
		.regex(OBJECT_ID_PATTERN)
		.meta({ description: "A registered callback endpoint (24 hex characters).", example: "6b09d8a7197f6b4c7e9999b1" }),
	incrementalScan: z
		.boolean()
		.meta({ description: "Scan only what changed since the last successful scan; default false." }),
	autoResolutionInterval: z
		.number()
		.int()
		.min(1)
		.max(3650)
		.meta({ description: "Days a finding may go unobserved before it is resolved; default AUTO_RESOLUTION_DAYS." }),
	labels: z
		.array(z.record(z.string(), z.string()))
		.max(50)
		.meta({ description: "Labels, each an object with exactly one key.", example: [{ team: "payments" }] }),
};

/** The body of POST /v3/scan/create, for documentation; validation goes through scanRequestSchema. */
export const createScanBodySchema = z.strictObject({
	sensorType: scanFields.sensorType,
	sensorName: scanFields.sensorName,
	sensorConfig: scanFields.sensorConfig,
	priority: scanFields.priority.optional(),
	callbackId: scanFields.callbackId.optional(),
	incrementalScan: scanFields.incrementalScan.optional(),
	autoResolutionInterval: scanFields.autoResolutionInterval.optional(),
	labels: scanFields.labels.optional(),
});

/** The body of the deprecated POST /v3/scan. */
export const deprecatedScanBodySchema = createScanBodySchema.omit({
	incrementalScan: true,
	autoResolutionInterval: true,
});

const TYPE_CHECKS: ReadonlyArray<{ field: string; expected: string; schema: z.ZodType }> = [
	{ field: "sensorName", expected: "string", schema: scanFields.sensorName },
	{ field: "sensorType", expected: "string", schema: scanFields.sensorType },
	{ field: "sensorConfig", expected: "object", schema: scanFields.sensorConfig },
	{ field: "incrementalScan", expected: "boolean", schema: scanFields.incrementalScan },
	{ field: "autoResolutionInterval", expected: "integer", schema: z.number().int() },
];

const labelShape = z.array(z.record(z.string(), z.string()).refine((label) => Object.keys(label).length === 1));
const labelLimits = z.array(z.record(z.string().min(1).max(128), z.string().max(1024))).max(50);

/**
 * Every problem with a scan request, in the order the contract reports them: unexpected field,
 * missing field, wrong type (the spec's table order), priority, callbackId format, labels.
 * Lookups that need the database (sensorType, sensorConfig, callbackId existence) come later.
 */
export function scanRequestProblems(body: Record<string, unknown>, variant: ScanRequestVariant): string[] {
	const problems: string[] = [];
	const allowed = ALLOWED_FIELDS[variant];
	for (const field of Object.keys(body)) {
		if (!allowed.includes(field)) problems.push(messages.unexpectedField(field));
	}
	for (const field of REQUIRED_FIELDS) {
		if (body[field] === undefined) problems.push(messages.missingField(field));
	}
	for (const { field, expected, schema } of TYPE_CHECKS) {
		if (body[field] !== undefined && !schema.safeParse(body[field]).success) {
			problems.push(messages.invalidType(field, expected));
		}
	}
	const name = body.sensorName;
	if (typeof name === "string" && (name.trim().length === 0 || name.length > 200)) {
		problems.push(messages.invalidSensorName);
	}
	const interval = body.autoResolutionInterval;
	if (Number.isInteger(interval) && ((interval as number) < 1 || (interval as number) > 3650)) {
		problems.push(messages.invalidAutoResolutionInterval);
	}
	if (body.priority !== undefined && !scanFields.priority.safeParse(body.priority).success) {
		problems.push(variant === "create" ? messages.invalidPriorityCreate : messages.invalidPriorityDeprecated);
	}
	if (body.callbackId !== undefined && !scanFields.callbackId.safeParse(body.callbackId).success) {
		problems.push(messages.invalidCallbackIdFormat);
	}
	if (body.labels !== undefined) {
		if (!labelShape.safeParse(body.labels).success) problems.push(messages.invalidLabels);
		else if (!labelLimits.safeParse(body.labels).success) problems.push(messages.labelsTooLarge);
	}
	return problems;
}

function toCreateScanRequest(body: Record<string, unknown>): CreateScanRequest {
	return {
		sensorType: body.sensorType as string,
		sensorName: body.sensorName as string,
		sensorConfig: body.sensorConfig as Record<string, unknown>,
		priority: (body.priority as Priority | undefined) ?? "low",
		callbackId: (body.callbackId as string | undefined) ?? null,
		incrementalScan: (body.incrementalScan as boolean | undefined) ?? false,
		autoResolutionInterval: (body.autoResolutionInterval as number | undefined) ?? null,
		labels: (body.labels as Label[] | undefined) ?? [],
	};
}

/** Issues carry the contract's messages in the contract's order; the first one is the reply. */
export function scanRequestSchema(variant: ScanRequestVariant) {
	return jsonBodyObject
		.check((ctx) => {
			for (const message of scanRequestProblems(ctx.value, variant)) {
				ctx.issues.push({ code: "custom", message, input: ctx.value });
			}
		})
		.transform(toCreateScanRequest);
}

export interface ExecuteScanRequest {
	sensorId: string;
}

export const executeScanSchema = checkedBody(["sensorId"], (body, fail) => {
	const given = body.sensorId;
	if (given === undefined || given === null || given === "") fail(messages.sensorIdRequired);
	else if (typeof given !== "string") fail(messages.invalidType("sensorId", "string"));
}).transform((body): ExecuteScanRequest => ({ sensorId: body.sensorId as string }));

/** The body of POST /v3/scan/execute, for documentation; validation goes through executeScanSchema. */
const executeScanBodySchema = z.strictObject({ sensorId: id("An existing sensor of the organization") });

/** What POST /v3/scan/create and the deprecated POST /v3/scan answer: the same, in their own words. */
const scanSubmittedSchema = (message: string) =>
	z.object({
		sensorId: id("The sensor created"),
		executionId: id("Its first execution"),
		status: z.literal("successful"),
		message: z.literal(message),
	});
const executeScanResponseSchema = z.object({
	executionId: id("The new execution"),
	status: z.literal("successful"),
	message: z.literal(messages.executeSuccess),
});

const executionStatusSchema = z.object({
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

const sensorId = "6b09d8a7197f6b4c7e9999b1";
const executionId = "6b09d8a7197f6b4c7e9999b2";

/** Submitting scans and following them (spec sections 5 and 7). */
export const scanRoutes = {
	create: describeRoute({
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
				schema: scanSubmittedSchema(messages.createSuccess),
				example: { sensorId, executionId, status: "successful", message: messages.createSuccess },
			},
			...errors(400, 401, 404, 413, 415),
		},
	}),
	execute: describeRoute({
		method: "post",
		path: "/v3/scan/execute",
		summary: "Run an existing sensor again (spec 5.2)",
		tag: "Scans",
		auth: "apiToken",
		body: executeScanBodySchema,
		bodyExample: { sensorId },
		responses: {
			200: {
				description: "Started",
				schema: executeScanResponseSchema,
				example: { executionId, status: "successful", message: messages.executeSuccess },
			},
			...errors(400, 401, 404),
		},
	}),
	deprecated: describeRoute({
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
				schema: scanSubmittedSchema(messages.deprecatedSuccess),
				example: { sensorId, executionId, status: "successful", message: messages.deprecatedSuccess },
			},
			...errors(400, 401, 404),
		},
	}),
	status: describeRoute({
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
					sensorId,
					executionId,
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
	}),
};
