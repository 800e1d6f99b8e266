import { z } from "zod";
import { describeRoute, errors } from "../route-doc.ts";

const findingExportSchema = z.object({
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

/** Where an execution's findings are on their way to OpenSearch. */
export const exportRoutes = {
	ofExecution: describeRoute({
		method: "get",
		path: "/v3/scan/:executionId/export",
		summary: "The OpenSearch export of an execution's findings",
		tag: "Scans",
		auth: "apiToken",
		responses: { 200: { description: "Export state", schema: findingExportSchema }, ...errors(401, 404) },
	}),
};
