import { EXECUTION_STATUSES, PRIORITIES } from "@sensorium/vocabulary";
import { z } from "zod";
import { describeRoute, errors, label, pageQuery } from "../route-doc.ts";

const executionSummarySchema = z.object({
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

const sensorSummarySchema = z.object({
	sensorId: z.string(),
	name: z.string(),
	type: z.string(),
	priority: z.enum(PRIORITIES),
	labels: z.array(label),
	incremental: z.boolean(),
	callbackId: z.string().nullable(),
	createdAt: z.string(),
});

/** What the console lists: the organization's executions and sensors. */
export const listingRoutes = {
	executions: describeRoute({
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
				schema: z.object({ executions: z.array(executionSummarySchema), nextCursor: z.string().nullable() }),
			},
			...errors(400, 401),
		},
	}),
	sensors: describeRoute({
		method: "get",
		path: "/v3/sensors",
		summary: "The organization's sensors (without their configuration)",
		tag: "Scans",
		auth: "apiToken",
		query: pageQuery,
		responses: {
			200: {
				description: "Sensors",
				schema: z.object({ sensors: z.array(sensorSummarySchema), nextCursor: z.string().nullable() }),
			},
			...errors(401),
		},
	}),
};
