import { findingRoutes, messages } from "@sensorium/api-contract";
import { type FindingInput, streamCbom } from "@sensorium/cbom";
import { executions, sensors } from "@sensorium/db";
import { eachPage, type FindingView, listExecutionFindings, listSensorFindings } from "@sensorium/findings";
import { isObjectId } from "@sensorium/ids";
import { and, eq } from "drizzle-orm";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { API_VERSION } from "./docs.ts";
import { at } from "./documented.ts";

const PAGE = 500;

async function* asInput(pages: AsyncIterable<FindingView[]>): AsyncGenerator<FindingInput[]> {
	for await (const page of pages) yield page as unknown as FindingInput[];
}

/**
 * Sends the CBOM as it is written. Its first chunk exists only once every finding is read, so a failure
 * while reading (Postgres away) is still an ordinary error answer, not a cut-off 200.
 */
async function sendCbom(c: Context<AppEnv>, chunks: AsyncGenerator<string>, filename: string): Promise<Response> {
	const first = await chunks.next();
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			if (!first.done) controller.enqueue(Buffer.from(first.value));
		},
		async pull(controller) {
			const next = await chunks.next();
			if (next.done) controller.close();
			else controller.enqueue(Buffer.from(next.value));
		},
		async cancel() {
			await chunks.return(undefined);
		},
	});
	c.header("content-type", "application/json");
	c.header("content-disposition", `attachment; filename="${filename}"`);
	return c.body(body);
}

/** CycloneDX 1.6 CBOMs of one execution's observations, or of a sensor's open findings. */
export function registerCbom(app: Hono<AppEnv>) {
	app.on(...at(findingRoutes.executionCbom), async (c) => {
		const executionId = c.req.param("executionId");
		if (!isObjectId(executionId)) return failure(c, 404, messages.executionNotFound);
		const { db } = c.get("deps");
		const orgId = c.get("principal").orgId;
		const [row] = await db
			.select({ sensorName: sensors.name, finishedAt: executions.finishedAt })
			.from(executions)
			.innerJoin(sensors, eq(sensors.id, executions.sensorId))
			.where(and(eq(executions.id, executionId), eq(executions.orgId, orgId)));
		if (!row) return failure(c, 404, messages.executionNotFound);
		const pages = eachPage((cursor) =>
			listExecutionFindings(db, orgId, executionId, { limit: PAGE, cursor }, messages.executionNotFound),
		);
		const chunks = streamCbom(asInput(pages), {
			subject: { name: row.sensorName, description: `Sensorium execution ${executionId}` },
			timestamp: row.finishedAt ?? new Date(),
			toolVersion: API_VERSION,
		});
		return sendCbom(c, chunks, `cbom-${executionId}.json`);
	});

	app.on(...at(findingRoutes.sensorCbom), async (c) => {
		const sensorId = c.req.param("sensorId");
		if (!isObjectId(sensorId)) return failure(c, 404, messages.sensorNotFoundById);
		const { db } = c.get("deps");
		const orgId = c.get("principal").orgId;
		const [sensor] = await db
			.select({ name: sensors.name })
			.from(sensors)
			.where(and(eq(sensors.id, sensorId), eq(sensors.orgId, orgId)));
		if (!sensor) return failure(c, 404, messages.sensorNotFoundById);
		const pages = eachPage((cursor) =>
			listSensorFindings(db, orgId, sensorId, { limit: PAGE, cursor, status: "open" }, messages.sensorNotFoundById),
		);
		const chunks = streamCbom(asInput(pages), {
			subject: { name: sensor.name, description: `Open findings of Sensorium sensor ${sensorId}` },
			toolVersion: API_VERSION,
		});
		return sendCbom(c, chunks, `cbom-sensor-${sensorId}.json`);
	});
}
