import { messages } from "@sensorium/api-contract";
import { buildCbom, type FindingInput } from "@sensorium/cbom";
import { executions, sensors } from "@sensorium/db";
import { allPages, type FindingView, listExecutionFindings, listSensorFindings } from "@sensorium/findings";
import { isObjectId } from "@sensorium/ids";
import { and, eq } from "drizzle-orm";
import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { failure } from "../errors.ts";
import { API_VERSION } from "./docs.ts";

const PAGE = 500;
const asInput = (findings: FindingView[]) => findings as unknown as FindingInput[];

/** CycloneDX 1.6 CBOMs of one execution's observations, or of a sensor's open findings. */
export function registerCbom(app: Hono<AppEnv>) {
	app.get("/v3/scan/:executionId/cbom", async (c) => {
		const executionId = c.req.param("executionId");
		if (!isObjectId(executionId)) return failure(c, 404, messages.executionNotFound);
		const { db } = c.get("deps");
		const orgId = c.get("principal").orgId;
		const findings = await allPages((cursor) =>
			listExecutionFindings(db, orgId, executionId, { limit: PAGE, cursor }, messages.executionNotFound),
		);
		const [row] = await db
			.select({ sensorName: sensors.name, finishedAt: executions.finishedAt })
			.from(executions)
			.innerJoin(sensors, eq(sensors.id, executions.sensorId))
			.where(and(eq(executions.id, executionId), eq(executions.orgId, orgId)));
		const document = buildCbom(asInput(findings), {
			subject: { name: row?.sensorName ?? executionId, description: `Sensorium execution ${executionId}` },
			timestamp: row?.finishedAt ?? new Date(),
			toolVersion: API_VERSION,
		});
		c.header("content-disposition", `attachment; filename="cbom-${executionId}.json"`);
		return c.json(document);
	});

	app.get("/v3/sensors/:sensorId/cbom", async (c) => {
		const sensorId = c.req.param("sensorId");
		if (!isObjectId(sensorId)) return failure(c, 404, messages.sensorNotFoundById);
		const { db } = c.get("deps");
		const orgId = c.get("principal").orgId;
		const findings = await allPages((cursor) =>
			listSensorFindings(db, orgId, sensorId, { limit: PAGE, cursor, status: "open" }, messages.sensorNotFoundById),
		);
		const [sensor] = await db.select({ name: sensors.name }).from(sensors).where(eq(sensors.id, sensorId));
		const document = buildCbom(asInput(findings), {
			subject: { name: sensor?.name ?? sensorId, description: `Open findings of Sensorium sensor ${sensorId}` },
			toolVersion: API_VERSION,
		});
		c.header("content-disposition", `attachment; filename="cbom-sensor-${sensorId}.json"`);
		return c.json(document);
	});
}
