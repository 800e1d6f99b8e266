import { type Database, type DbExecutor, type DiagnosticStage, executionDiagnostics, executions } from "@sensorium/db";
import { notFound } from "@sensorium/errors";
import { messages } from "@sensorium/vocabulary";
import { and, asc, eq, gt } from "drizzle-orm";

/** Diagnostics kept per execution: a pathological repository must not flood Postgres. The count goes on. */
export const MAX_DIAGNOSTICS_PER_EXECUTION = 10_000;

/** One file, archive member or sensor unit that a stage could not read or parse. */
export interface ExecutionDiagnostic {
	/** As findings' locations: `path`, `path!member!member`, `repo/path/name`. */
	path: string;
	stage: DiagnosticStage;
	errorClass: string;
	message: string;
}

const INSERT_BATCH = 1_000;

/** Writes an execution's diagnostics, replacing any an earlier attempt wrote, so a re-run never duplicates them. */
export async function replaceDiagnostics(
	tx: DbExecutor,
	executionId: string,
	diagnostics: readonly ExecutionDiagnostic[],
): Promise<void> {
	await tx.delete(executionDiagnostics).where(eq(executionDiagnostics.executionId, executionId));
	const kept = diagnostics.slice(0, MAX_DIAGNOSTICS_PER_EXECUTION);
	for (let start = 0; start < kept.length; start += INSERT_BATCH) {
		await tx.insert(executionDiagnostics).values(
			kept.slice(start, start + INSERT_BATCH).map((diagnostic, i) => ({
				executionId,
				seq: start + i + 1,
				path: diagnostic.path,
				stage: diagnostic.stage,
				errorClass: diagnostic.errorClass,
				message: diagnostic.message,
			})),
		);
	}
}

export interface DiagnosticsPage {
	diagnostics: (ExecutionDiagnostic & { id: number })[];
	/** Pass as `cursor` for the next page; null on the last one. */
	nextCursor: string | null;
	/** Files that failed in all, including those beyond the cap. */
	filesFailed: number;
}

/** The execution's diagnostics in the order they happened; another organisation's execution does not exist. */
export async function listDiagnostics(
	db: Database,
	orgId: string,
	executionId: string,
	page: { limit: number; cursor?: string | null },
): Promise<DiagnosticsPage> {
	const [execution] = await db
		.select({ filesFailed: executions.filesFailed })
		.from(executions)
		.where(and(eq(executions.id, executionId), eq(executions.orgId, orgId)));
	if (!execution) throw notFound(messages.executionNotFound);
	const after = page.cursor ? Number.parseInt(page.cursor, 10) : 0;
	const rows = await db
		.select()
		.from(executionDiagnostics)
		.where(
			and(
				eq(executionDiagnostics.executionId, executionId),
				gt(executionDiagnostics.seq, Number.isFinite(after) ? after : 0),
			),
		)
		.orderBy(asc(executionDiagnostics.seq))
		.limit(page.limit + 1);
	const more = rows.length > page.limit;
	const shown = rows.slice(0, page.limit);
	return {
		diagnostics: shown.map((row) => ({
			id: row.seq,
			path: row.path,
			stage: row.stage,
			errorClass: row.errorClass,
			message: row.message,
		})),
		nextCursor: more ? String(shown.at(-1)?.seq) : null,
		filesFailed: execution.filesFailed,
	};
}
