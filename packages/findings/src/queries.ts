import { type Database, executionFindings, executions, type FindingStatus, findings, sensors } from "@sensorium/db";
import { notFound } from "@sensorium/errors";
import { and, asc, eq, gt, type SQL } from "drizzle-orm";

/**
 * The finding document (platform-notes "Findings"): where it was observed, exactly one `crypto`
 * section, the policy `analysis`, the labels, and when it was first and last seen.
 */
export interface FindingView {
	version: 1;
	findingId: string;
	kind: string;
	identity: string;
	status: FindingStatus;
	/** `layerDigest`: the container image layer that provided the file (Container Sensor only). */
	observation: { sensorId: string; file: { path: string; line: number | null; layerDigest?: string } };
	crypto: Record<string, unknown>;
	analysis: Record<string, unknown> | null;
	labels: Record<string, string>[];
	firstSeenExecutionId: string;
	lastSeenExecutionId: string;
	firstSeenAt: string;
	lastSeenAt: string;
	resolvedAt: string | null;
}

export interface Page<T> {
	items: T[];
	/** Pass back as `cursor` for the next page; null on the last page. */
	nextCursor: string | null;
}

export interface PageRequest {
	cursor?: string | null;
	limit: number;
	kind?: string;
}

/** The API's view of one stored finding (also what the OpenSearch export indexes). */
export function findingView(row: typeof findings.$inferSelect): FindingView {
	return {
		version: 1,
		findingId: row.id,
		kind: row.kind,
		identity: row.identity,
		status: row.status,
		observation: {
			sensorId: row.sensorId,
			file: {
				path: row.path,
				line: row.line === 0 ? null : row.line,
				...(row.layerDigest ? { layerDigest: row.layerDigest } : {}),
			},
		},
		crypto: row.crypto,
		analysis: row.analysis,
		labels: row.labels,
		firstSeenExecutionId: row.firstSeenExecutionId,
		lastSeenExecutionId: row.lastSeenExecutionId,
		firstSeenAt: row.firstSeenAt.toISOString(),
		lastSeenAt: row.lastSeenAt.toISOString(),
		resolvedAt: row.resolvedAt?.toISOString() ?? null,
	};
}

function page(rows: (typeof findings.$inferSelect)[], limit: number): Page<FindingView> {
	const items = rows.slice(0, limit).map(findingView);
	return { items, nextCursor: rows.length > limit ? (items.at(-1)?.findingId ?? null) : null };
}

/** Findings one execution observed, oldest id first; another organisation's execution is "not found". */
export async function listExecutionFindings(
	db: Database,
	orgId: string,
	executionId: string,
	request: PageRequest,
	notFoundMessage: string,
): Promise<Page<FindingView>> {
	const [execution] = await db
		.select({ id: executions.id })
		.from(executions)
		.where(and(eq(executions.id, executionId), eq(executions.orgId, orgId)));
	if (!execution) throw notFound(notFoundMessage);
	const conditions: (SQL | undefined)[] = [eq(executionFindings.executionId, executionId)];
	if (request.kind) conditions.push(eq(executionFindings.kind, request.kind));
	if (request.cursor) conditions.push(gt(executionFindings.findingId, request.cursor));
	const rows = await db
		.select({ finding: findings })
		.from(executionFindings)
		.innerJoin(findings, eq(findings.id, executionFindings.findingId))
		.where(and(...conditions))
		.orderBy(asc(executionFindings.findingId))
		.limit(request.limit + 1);
	return page(
		rows.map((r) => r.finding),
		request.limit,
	);
}

export async function listSensorFindings(
	db: Database,
	orgId: string,
	sensorId: string,
	request: PageRequest & { status?: FindingStatus },
	notFoundMessage: string,
): Promise<Page<FindingView>> {
	const [sensor] = await db
		.select({ id: sensors.id })
		.from(sensors)
		.where(and(eq(sensors.id, sensorId), eq(sensors.orgId, orgId)));
	if (!sensor) throw notFound(notFoundMessage);
	const conditions: (SQL | undefined)[] = [eq(findings.sensorId, sensorId)];
	if (request.status) conditions.push(eq(findings.status, request.status));
	if (request.kind) conditions.push(eq(findings.kind, request.kind));
	if (request.cursor) conditions.push(gt(findings.id, request.cursor));
	const rows = await db
		.select()
		.from(findings)
		.where(and(...conditions))
		.orderBy(asc(findings.id))
		.limit(request.limit + 1);
	return page(rows, request.limit);
}

/** Every page in turn, for documents built from all findings (CBOM): one page is held at a time. */
export async function* eachPage(
	fetchPage: (cursor: string | null) => Promise<Page<FindingView>>,
): AsyncGenerator<FindingView[]> {
	let cursor: string | null = null;
	do {
		const page: Page<FindingView> = await fetchPage(cursor);
		yield page.items;
		cursor = page.nextCursor;
	} while (cursor);
}
