import {
	type Database,
	type DbExecutor,
	type ExportState,
	executionFindings,
	executions,
	findingExports,
	findings,
	organizations,
} from "@sensorium/db";
import { notFound } from "@sensorium/errors";
import type { ExportQueue } from "@sensorium/queue";
import { and, asc, eq, gt, gte, inArray, lt, lte, or, sql } from "drizzle-orm";
import type { ExportedFinding } from "./documents.ts";

export type ExportRow = typeof findingExports.$inferSelect;

/** Item errors kept on the row; the counters carry the full numbers. */
const MAX_ITEM_ERRORS = 50;

/**
 * Takes an export for one exporter: pending and due, or exporting under a lease that lapsed (its
 * exporter died). The lease is `next_attempt_at` while exporting; `attempts` counts the takes.
 */
export async function claimExport(
	db: Database,
	exportId: string,
	leaseMs: number,
	now = new Date(),
): Promise<ExportRow | null> {
	const [row] = await db
		.update(findingExports)
		.set({
			state: "exporting",
			attempts: sql`${findingExports.attempts} + 1`,
			nextAttemptAt: new Date(now.getTime() + leaseMs),
			startedAt: sql`coalesce(${findingExports.startedAt}, ${now.toISOString()}::timestamptz)`,
		})
		.where(
			and(
				eq(findingExports.id, exportId),
				or(
					and(eq(findingExports.state, "pending"), lte(findingExports.nextAttemptAt, new Date(now.getTime() + 1_000))),
					and(eq(findingExports.state, "exporting"), lt(findingExports.nextAttemptAt, now)),
				),
			),
		)
		.returning();
	return row ?? null;
}

export async function getExport(db: DbExecutor, exportId: string): Promise<ExportRow | null> {
	const [row] = await db.select().from(findingExports).where(eq(findingExports.id, exportId));
	return row ?? null;
}

const heldAt = (exportId: string, attempts: number) =>
	and(eq(findingExports.id, exportId), eq(findingExports.state, "exporting"), eq(findingExports.attempts, attempts));

export interface BatchProgress {
	cursor: string;
	indexed: number;
	rejected: { findingId: string; status: number; error: string }[];
}

/** Records one batch and renews the lease; false: another exporter has taken over, stop. */
export async function recordBatch(
	db: Database,
	held: { exportId: string; attempts: number },
	progress: BatchProgress,
	leaseMs: number,
): Promise<boolean> {
	const rows = await db
		.update(findingExports)
		.set({
			cursor: progress.cursor,
			documentsExported: sql`${findingExports.documentsExported} + ${progress.indexed}`,
			documentsFailed: sql`${findingExports.documentsFailed} + ${progress.rejected.length}`,
			itemErrors: sql`(select coalesce(jsonb_agg(e), '[]'::jsonb) from (select e from jsonb_array_elements(${findingExports.itemErrors} || ${JSON.stringify(progress.rejected)}::jsonb) e limit ${MAX_ITEM_ERRORS}) t)`,
			nextAttemptAt: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
		})
		.where(heldAt(held.exportId, held.attempts))
		.returning({ id: findingExports.id });
	return rows.length === 1;
}

/** The last batch is in: `done`, or `failed` when OpenSearch rejected some documents. */
export async function completeExport(db: Database, held: { exportId: string; attempts: number }): Promise<ExportState> {
	const [row] = await db
		.update(findingExports)
		.set({
			state: sql`case when ${findingExports.documentsFailed} > 0 then 'failed' else 'done' end`,
			lastError: sql`case when ${findingExports.documentsFailed} > 0 then ${findingExports.documentsFailed} || ' documents were rejected by OpenSearch.' else null end`,
			finishedAt: new Date(),
		})
		.where(heldAt(held.exportId, held.attempts))
		.returning({ state: findingExports.state });
	return row?.state ?? "exporting";
}

/** A whole request failed and retrying can help: back to pending, due after `delayMs`. */
export async function scheduleRetry(
	db: Database,
	held: { exportId: string; attempts: number },
	error: string,
	delayMs: number,
): Promise<boolean> {
	const rows = await db
		.update(findingExports)
		.set({ state: "pending", lastError: error, nextAttemptAt: new Date(Date.now() + delayMs) })
		.where(heldAt(held.exportId, held.attempts))
		.returning({ id: findingExports.id });
	return rows.length === 1;
}

/** A failure retrying cannot fix (credentials refused, request rejected as a whole). */
export async function failExport(db: Database, held: { exportId: string; attempts: number }, error: string) {
	await db
		.update(findingExports)
		.set({ state: "failed", lastError: error, finishedAt: new Date() })
		.where(heldAt(held.exportId, held.attempts));
}

/** The columns the export reads; JSON columns as text, so they are not parsed only to be serialised. */
const exportColumns = {
	id: findings.id,
	orgId: findings.orgId,
	sensorId: findings.sensorId,
	kind: findings.kind,
	identity: findings.identity,
	path: findings.path,
	line: findings.line,
	status: findings.status,
	labels: findings.labels,
	firstSeenExecutionId: findings.firstSeenExecutionId,
	lastSeenExecutionId: findings.lastSeenExecutionId,
	firstSeenAt: findings.firstSeenAt,
	lastSeenAt: findings.lastSeenAt,
	resolvedAt: findings.resolvedAt,
	layerDigest: findings.layerDigest,
	cryptoJson: sql<string>`${findings.crypto}::text`,
	analysisJson: sql<string | null>`${findings.analysis}::text`,
	domain: organizations.domain,
};

function exported(rows: (Omit<ExportedFinding, "org"> & { domain: string | null })[]): ExportedFinding[] {
	return rows.map(({ domain, ...row }) => ({ ...row, org: { id: row.orgId, domain } }));
}

/**
 * One page of what an execution's export sends, by finding id after `cursor`: the findings it
 * observed, and the sensor's findings resolved since it started (auto-resolution happens while
 * it records its results), so resolved findings are updated in place.
 */
export async function exportPage(
	db: Database,
	target: { executionId: string; sensorId: string; since: Date },
	cursor: string | null,
	limit: number,
): Promise<ExportedFinding[]> {
	const observed = db
		.select({ id: executionFindings.findingId })
		.from(executionFindings)
		.where(eq(executionFindings.executionId, target.executionId));
	const rows = await db
		.select(exportColumns)
		.from(findings)
		.innerJoin(organizations, eq(organizations.id, findings.orgId))
		.where(
			and(
				cursor ? gt(findings.id, cursor) : undefined,
				or(
					inArray(findings.id, observed),
					and(
						eq(findings.sensorId, target.sensorId),
						eq(findings.status, "resolved"),
						gte(findings.resolvedAt, target.since),
					),
				),
			),
		)
		.orderBy(asc(findings.id))
		.limit(limit);
	return exported(rows);
}

/** Every finding of a sensor, by id after `cursor` (the CLI's `--sensor` export). */
export async function sensorPage(
	db: Database,
	sensorId: string,
	cursor: string | null,
	limit: number,
): Promise<ExportedFinding[]> {
	const rows = await db
		.select(exportColumns)
		.from(findings)
		.innerJoin(organizations, eq(organizations.id, findings.orgId))
		.where(and(eq(findings.sensorId, sensorId), cursor ? gt(findings.id, cursor) : undefined))
		.orderBy(asc(findings.id))
		.limit(limit);
	return exported(rows);
}

export async function exportTarget(db: DbExecutor, executionId: string) {
	const [row] = await db
		.select({
			executionId: executions.id,
			sensorId: executions.sensorId,
			since: sql<Date>`coalesce(${executions.startedAt}, ${executions.ranAt})`.mapWith(
				(v: string | Date) => new Date(v),
			),
		})
		.from(executions)
		.where(eq(executions.id, executionId));
	return row ?? null;
}

/**
 * Exports Redis lost (enqueue failed after the commit, a flushed Redis) or whose exporter died
 * mid-export (lease lapsed) are enqueued again. Idempotent: the job id names the attempt.
 */
export async function reconcileExports(
	deps: { db: Database; queue: ExportQueue },
	options: { graceMs: number; batchSize: number; now?: Date },
): Promise<string[]> {
	const now = options.now ?? new Date();
	const due = await deps.db
		.select({ id: findingExports.id, attempts: findingExports.attempts, state: findingExports.state })
		.from(findingExports)
		.where(
			and(
				inArray(findingExports.state, ["pending", "exporting"]),
				lt(findingExports.nextAttemptAt, new Date(now.getTime() - options.graceMs)),
			),
		)
		.orderBy(asc(findingExports.nextAttemptAt))
		.limit(options.batchSize);
	const enqueued: string[] = [];
	for (const row of due) {
		if (await deps.queue.hasLiveJob(row.id, row.attempts)) continue;
		await deps.queue.removeJob(row.id, row.attempts).catch(() => {});
		await deps.queue.enqueueExport(row.id, row.attempts);
		enqueued.push(row.id);
	}
	return enqueued;
}

export interface ExportView {
	exportId: string;
	executionId: string;
	state: ExportState;
	attempts: number;
	documentsExported: number;
	documentsFailed: number;
	lastError: string | null;
	nextAttemptAt: string | null;
	createdAt: string;
	startedAt: string | null;
	finishedAt: string | null;
	itemErrors: { findingId: string; status: number; error: string }[];
}

/** The export of one execution of the organisation; another organisation's is "not found". */
export async function getExecutionExport(
	db: Database,
	orgId: string,
	executionId: string,
	notFoundMessage: string,
): Promise<ExportView | null> {
	const [execution] = await db
		.select({ id: executions.id })
		.from(executions)
		.where(and(eq(executions.id, executionId), eq(executions.orgId, orgId)));
	if (!execution) throw notFound(notFoundMessage);
	const [found] = await db.select().from(findingExports).where(eq(findingExports.executionId, executionId));
	if (!found) return null;
	return {
		exportId: found.id,
		executionId: found.executionId,
		state: found.state,
		attempts: found.attempts,
		documentsExported: found.documentsExported,
		documentsFailed: found.documentsFailed,
		lastError: found.lastError,
		nextAttemptAt: found.state === "pending" ? found.nextAttemptAt.toISOString() : null,
		createdAt: found.createdAt.toISOString(),
		startedAt: found.startedAt?.toISOString() ?? null,
		finishedAt: found.finishedAt?.toISOString() ?? null,
		itemErrors: found.itemErrors,
	};
}
