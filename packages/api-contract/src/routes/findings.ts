import { z } from "zod";
import { describeRoute, errors, id, label, pageQuery } from "../route-doc.ts";

const findingSchema = z.object({
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

const executionFindingsSchema = z.object({
	executionId: z.string(),
	findings: z.array(findingSchema),
	nextCursor: z.string().nullable(),
});
const executionDiagnosticsSchema = z.object({
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
const sensorFindingsSchema = z.object({
	sensorId: z.string(),
	status: z.enum(["open", "resolved"]),
	findings: z.array(findingSchema),
	nextCursor: z.string().nullable(),
});
const cbomSchema = z.record(z.string(), z.unknown());

/** What scans observed: findings per execution or per sensor, their CBOMs, and the files that failed. */
export const findingRoutes = {
	ofExecution: describeRoute({
		method: "get",
		path: "/v3/scan/:executionId/findings",
		summary: "Findings an execution observed",
		tag: "Findings",
		auth: "apiToken",
		query: {
			type: "x509 | key | token | keystore | library | algorithm | protocol",
			...pageQuery,
		},
		responses: {
			200: { description: "A page of findings", schema: executionFindingsSchema },
			...errors(400, 401, 404),
		},
	}),
	diagnostics: describeRoute({
		method: "get",
		path: "/v3/scan/:executionId/diagnostics",
		summary: "Files an execution could not read or parse",
		tag: "Findings",
		auth: "apiToken",
		query: pageQuery,
		responses: {
			200: { description: "A page of diagnostics, in the order they happened", schema: executionDiagnosticsSchema },
			...errors(400, 401, 404),
		},
	}),
	ofSensor: describeRoute({
		method: "get",
		path: "/v3/sensors/:sensorId/findings",
		summary: "A sensor's open or resolved findings",
		tag: "Findings",
		auth: "apiToken",
		query: { status: "open (default) | resolved", type: "asset kind", limit: "1-500", cursor: "nextCursor" },
		responses: { 200: { description: "A page of findings", schema: sensorFindingsSchema }, ...errors(400, 401, 404) },
	}),
	executionCbom: describeRoute({
		method: "get",
		path: "/v3/scan/:executionId/cbom",
		summary: "CycloneDX 1.6 CBOM of what an execution observed",
		tag: "Findings",
		auth: "apiToken",
		responses: { 200: { description: "The CBOM (application/json)", schema: cbomSchema }, ...errors(401, 404) },
	}),
	sensorCbom: describeRoute({
		method: "get",
		path: "/v3/sensors/:sensorId/cbom",
		summary: "CycloneDX 1.6 CBOM of a sensor's open findings",
		tag: "Findings",
		auth: "apiToken",
		responses: { 200: { description: "The CBOM (application/json)", schema: cbomSchema }, ...errors(401, 404) },
	}),
};
