import { type Database, type ExecutionStatus, executions, sensors, users } from "@sensorium/db";
import { ACTIVE_EXECUTION_STATUSES } from "@sensorium/vocabulary";
import { and, desc, eq, inArray, lt, type SQL, sql } from "drizzle-orm";

export interface ExecutionSummary {
	executionId: string;
	sensorId: string;
	sensorName: string;
	sensorType: string;
	status: ExecutionStatus;
	priority: string;
	labels: Record<string, string>[];
	ranBy: string;
	ranAt: string;
	startedAt: string | null;
	finishedAt: string | null;
	durationMs: number | null;
	errorCode?: string;
	message: string;
	findings?: { total: number; byType: Record<string, number> };
}

/** Queued and running executions per organisation with any, for the per-tenant load metrics. */
export async function organizationLoads(db: Database): Promise<{ orgId: string; queued: number; running: number }[]> {
	return db
		.select({
			orgId: executions.orgId,
			queued: sql<number>`count(*) filter (where ${executions.status} = 'queued')::int`,
			running: sql<number>`count(*) filter (where ${executions.status} = 'running')::int`,
		})
		.from(executions)
		.where(inArray(executions.status, [...ACTIVE_EXECUTION_STATUSES]))
		.groupBy(executions.orgId);
}

/** The organisation's executions, newest first; `cursor` is the last executionId of the previous page. */
export async function listExecutions(
	db: Database,
	orgId: string,
	filter: { status?: ExecutionStatus; sensorId?: string; limit: number; cursor?: string | null },
): Promise<{ executions: ExecutionSummary[]; nextCursor: string | null }> {
	const conditions: (SQL | undefined)[] = [eq(executions.orgId, orgId)];
	if (filter.status) conditions.push(eq(executions.status, filter.status));
	if (filter.sensorId) conditions.push(eq(executions.sensorId, filter.sensorId));
	// ObjectIds start with their creation second, so id order is submission order.
	if (filter.cursor) conditions.push(lt(executions.id, filter.cursor));
	const rows = await db
		.select({ execution: executions, sensorName: sensors.name, sensorType: sensors.type, email: users.email })
		.from(executions)
		.innerJoin(sensors, eq(sensors.id, executions.sensorId))
		.innerJoin(users, eq(users.id, executions.ranBy))
		.where(and(...conditions))
		.orderBy(desc(executions.id))
		.limit(filter.limit + 1);
	const page = rows.slice(0, filter.limit).map(({ execution, sensorName, sensorType, email }) => ({
		executionId: execution.id,
		sensorId: execution.sensorId,
		sensorName,
		sensorType,
		status: execution.status,
		priority: execution.priority,
		labels: execution.labels,
		ranBy: email,
		ranAt: execution.ranAt.toISOString(),
		startedAt: execution.startedAt?.toISOString() ?? null,
		finishedAt: execution.finishedAt?.toISOString() ?? null,
		durationMs:
			execution.startedAt && execution.finishedAt
				? execution.finishedAt.getTime() - execution.startedAt.getTime()
				: null,
		...(execution.errorCode ? { errorCode: execution.errorCode } : {}),
		message: execution.message,
		...(execution.summary
			? { findings: { total: Object.values(execution.summary).reduce((a, b) => a + b, 0), byType: execution.summary } }
			: {}),
	}));
	return { executions: page, nextCursor: rows.length > filter.limit ? (page.at(-1)?.executionId ?? null) : null };
}

export interface SensorSummary {
	sensorId: string;
	name: string;
	type: string;
	priority: string;
	labels: Record<string, string>[];
	incremental: boolean;
	callbackId: string | null;
	createdAt: string;
}

/** The organisation's sensors, newest first, without their configuration (it may hold credentials). */
/** The organisation's sensors, newest first, `limit` at a time after `cursor` (the previous page's last sensorId). */
export async function listSensors(
	db: Database,
	orgId: string,
	page: { limit: number; cursor?: string | null },
): Promise<{ sensors: SensorSummary[]; nextCursor: string | null }> {
	const rows = await db
		.select()
		.from(sensors)
		.where(and(eq(sensors.orgId, orgId), page.cursor ? lt(sensors.id, page.cursor) : undefined))
		.orderBy(desc(sensors.id))
		.limit(page.limit + 1);
	const shown = rows.slice(0, page.limit);
	const nextCursor = rows.length > page.limit ? (shown.at(-1)?.id ?? null) : null;
	const items = shown.map((s) => ({
		sensorId: s.id,
		name: s.name,
		type: s.type,
		priority: s.priority,
		labels: s.labels,
		incremental: s.incremental,
		callbackId: s.callbackEndpointId,
		createdAt: s.createdAt.toISOString(),
	}));
	return { sensors: items, nextCursor };
}
