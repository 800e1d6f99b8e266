import { type Database, executions } from "@sensorium/db";
import type { ExecutionQueue } from "@sensorium/queue";
import { and, asc, eq, lt, sql } from "drizzle-orm";

const RECONCILER_LOCK_ID = 0x5e_45_0e_c0;

export interface ReconcileOptions {
	/** Executions younger than this are left alone: their enqueue may still be in flight. */
	graceMs: number;
	batchSize: number;
	now?: Date;
}

export interface ReconcileResult {
	/** False when another host held the reconciler lock, so this run did nothing. */
	ran: boolean;
	reenqueued: string[];
}

/**
 * Re-enqueues executions that are `queued` in Postgres but have no live job in Redis: a crash
 * between commit and enqueue, a Redis flush or restart without persistence. Safe on many hosts at
 * once: one holds a transaction-scoped advisory lock per round, and enqueueing is idempotent by jobId.
 */
export async function reconcileQueuedExecutions(
	deps: { db: Database; queue: ExecutionQueue },
	options: ReconcileOptions,
): Promise<ReconcileResult> {
	const now = options.now ?? new Date();
	return deps.db.transaction(async (tx) => {
		const lock = await tx.execute<{ locked: boolean }>(
			sql`SELECT pg_try_advisory_xact_lock(${RECONCILER_LOCK_ID}) AS locked`,
		);
		if (!lock.rows[0]?.locked) return { ran: false, reenqueued: [] };
		const stale = await tx
			.select({ id: executions.id, priority: executions.priority })
			.from(executions)
			.where(and(eq(executions.status, "queued"), lt(executions.ranAt, new Date(now.getTime() - options.graceMs))))
			.orderBy(asc(executions.ranAt), asc(executions.id))
			.limit(options.batchSize);
		const reenqueued: string[] = [];
		for (const execution of stale) {
			const state = await deps.queue.jobState(execution.id);
			if (state === "completed" || state === "failed") {
				// The job ran out without moving the row; only a fresh job can run it again.
				await deps.queue.removeJob(execution.id);
			} else if (state !== "missing") {
				continue;
			}
			await deps.queue.enqueueExecution(execution.id, execution.priority);
			reenqueued.push(execution.id);
		}
		return { ran: true, reenqueued };
	});
}
