import { createDeliveryForExecution } from "@sensorium/callback-store";
import {
	type Database,
	type DbExecutor,
	executionCheckpoints,
	executions,
	findingExports,
	sensors,
} from "@sensorium/db";
import { newObjectId } from "@sensorium/ids";
import type { ExecutionQueue } from "@sensorium/queue";
import { and, asc, eq, gt, lt, ne, or, type SQL, sql } from "drizzle-orm";
import { type ExecutionDiagnostic, replaceDiagnostics } from "./diagnostics.ts";

export type ClaimResult =
	| { outcome: "claimed"; execution: typeof executions.$inferSelect; sensor: typeof sensors.$inferSelect }
	/** Already successful or failed: a duplicate delivery, nothing to do. */
	| { outcome: "finished" }
	/** Another worker holds a live lease; try again after it could have expired. */
	| { outcome: "held"; retryAfterMs: number }
	/**
	 * The organisation is at its running cap, or an earlier execution of it (by priority, then
	 * submission) is still waiting: try again later, leaving the slot to other organisations.
	 */
	| { outcome: "deferred"; retryAfterMs: number }
	| { outcome: "missing" };

/** How soon a deferred execution is offered again; short, because a slot of its organisation may free any time. */
export const ORG_DEFERRAL_MS = 1_000;

export interface ClaimInput {
	executionId: string;
	workerId: string;
	leaseMs: number;
	now?: Date;
	/** At most this many executions of one organisation run at once (ORG_MAX_RUNNING_EXECUTIONS); unset: no cap. */
	maxRunningPerOrg?: number;
}

const PRIORITY_ORDER = sql`case ${executions.priority} when 'high' then 1 when 'medium' then 2 else 3 end`;

/**
 * Takes an execution for one worker with a conditional update, so a job delivered twice runs once:
 * `queued` rows, or `running` rows whose holder stopped renewing its lease (a killed worker).
 */
export async function claimExecution(db: Database, input: ClaimInput): Promise<ClaimResult> {
	const cap = input.maxRunningPerOrg;
	if (cap === undefined) return claim(db, input);
	return db.transaction(async (tx) => {
		const [target] = await tx
			.select({
				orgId: executions.orgId,
				status: executions.status,
				priority: executions.priority,
				ranAt: executions.ranAt,
			})
			.from(executions)
			.where(eq(executions.id, input.executionId));
		if (!target) return { outcome: "missing" };
		if (target.status === "successful" || target.status === "failed") return { outcome: "finished" };
		// Claims of one organisation take turns, so two workers cannot both take its last free slot.
		await tx.execute(
			sql`select pg_advisory_xact_lock(hashtextextended(${`sensorium:org-running:${target.orgId}`}, 0))`,
		);
		const now = input.now ?? new Date();
		const [running] = await tx
			.select({ count: sql<number>`count(*)::int` })
			.from(executions)
			.where(
				and(
					eq(executions.orgId, target.orgId),
					eq(executions.status, "running"),
					gt(executions.leaseExpiresAt, now),
					ne(executions.id, input.executionId),
				),
			);
		if ((running?.count ?? 0) >= cap) return { outcome: "deferred", retryAfterMs: ORG_DEFERRAL_MS };
		if (target.status === "queued") {
			// Within an organisation the spec's order holds even under the cap: priority, then submission.
			const targetRank = sql`case ${target.priority} when 'high' then 1 when 'medium' then 2 else 3 end`;
			const [earlier] = await tx
				.select({ id: executions.id })
				.from(executions)
				.where(
					and(
						eq(executions.orgId, target.orgId),
						eq(executions.status, "queued"),
						ne(executions.id, input.executionId),
						or(
							sql`${PRIORITY_ORDER} < ${targetRank}`,
							and(
								sql`${PRIORITY_ORDER} = ${targetRank}`,
								sql`(${executions.ranAt}, ${executions.id}) < (${target.ranAt.toISOString()}::timestamptz, ${input.executionId})`,
							),
						),
					),
				)
				.limit(1);
			if (earlier) return { outcome: "deferred", retryAfterMs: ORG_DEFERRAL_MS };
		}
		return claim(tx, input);
	});
}

async function claim(db: DbExecutor, input: ClaimInput): Promise<ClaimResult> {
	const now = input.now ?? new Date();
	const claimed = await db
		.update(executions)
		.set({
			status: "running",
			message: "Scan is running.",
			workerId: input.workerId,
			leaseExpiresAt: new Date(now.getTime() + input.leaseMs),
			startedAt: sql`coalesce(${executions.startedAt}, ${now.toISOString()}::timestamptz)`,
			attempt: sql`${executions.attempt} + 1`,
			filesScanned: 0,
			bytesScanned: 0,
			filesFailed: 0,
		})
		.where(
			and(
				eq(executions.id, input.executionId),
				or(eq(executions.status, "queued"), and(eq(executions.status, "running"), lt(executions.leaseExpiresAt, now))),
			),
		)
		.returning();
	const execution = claimed[0];
	if (execution) {
		const [sensor] = await db.select().from(sensors).where(eq(sensors.id, execution.sensorId));
		if (!sensor) throw new Error(`Execution ${execution.id} has no sensor`);
		return { outcome: "claimed", execution, sensor };
	}
	const [row] = await db
		.select({ status: executions.status, leaseExpiresAt: executions.leaseExpiresAt })
		.from(executions)
		.where(eq(executions.id, input.executionId));
	if (!row) return { outcome: "missing" };
	if (row.status === "successful" || row.status === "failed") return { outcome: "finished" };
	const remaining = (row.leaseExpiresAt?.getTime() ?? now.getTime()) - now.getTime();
	return { outcome: "held", retryAfterMs: Math.max(remaining, 0) + 1_000 };
}

const heldBy = (executionId: string, workerId: string) =>
	and(eq(executions.id, executionId), eq(executions.workerId, workerId), eq(executions.status, "running"));

/** Renews the lease and publishes progress; false means the execution is no longer ours: stop. */
export async function renewLease(
	db: DbExecutor,
	input: {
		executionId: string;
		workerId: string;
		leaseMs: number;
		filesScanned: number;
		bytesScanned: number;
		filesFailed?: number;
		sensorProgress?: Record<string, number>;
	},
): Promise<boolean> {
	const updated = await db
		.update(executions)
		.set({
			leaseExpiresAt: sql`now() + ${`${input.leaseMs} milliseconds`}::interval`,
			filesScanned: input.filesScanned,
			bytesScanned: input.bytesScanned,
			...(input.filesFailed !== undefined ? { filesFailed: input.filesFailed } : {}),
			...(input.sensorProgress ? { sensorProgress: input.sensorProgress } : {}),
		})
		.where(heldBy(input.executionId, input.workerId))
		.returning({ id: executions.id });
	return updated.length === 1;
}

export interface Outcome {
	status: "successful" | "failed";
	message: string;
	errorCode?: string;
	cursor?: string | null;
	summary?: Record<string, number>;
	filesScanned: number;
	bytesScanned: number;
	filesFailed?: number;
	/** Replaces whatever diagnostics an earlier attempt of the execution wrote, in the same transaction. */
	diagnostics?: readonly ExecutionDiagnostic[];
	sensorProgress?: Record<string, number>;
}

export interface FinishResult {
	/** False when the execution was not ours (or not open) any more: nothing was written. */
	written: boolean;
	/** The completion event for the sensor's callback endpoint, to enqueue once committed. */
	delivery: { deliveryId: string; attempts: number } | null;
	/** The OpenSearch export of this execution's findings, to enqueue once committed. */
	export: { exportId: string; attempts: number } | null;
}

/**
 * Writes the final status and, in the same transaction, the callback delivery (if the sensor has an
 * endpoint) and the OpenSearch export record, so a crash can lose neither nor create either twice.
 */
async function complete(db: DbExecutor, where: SQL | undefined, outcome: Outcome, now: Date): Promise<FinishResult> {
	return db.transaction(async (tx) => {
		const [row] = await tx
			.update(executions)
			.set({
				status: outcome.status,
				message: outcome.message,
				errorCode: outcome.errorCode ?? null,
				cursor: outcome.cursor ?? null,
				summary: outcome.summary ?? null,
				filesScanned: outcome.filesScanned,
				bytesScanned: outcome.bytesScanned,
				filesFailed: outcome.filesFailed ?? 0,
				...(outcome.sensorProgress ? { sensorProgress: outcome.sensorProgress } : {}),
				finishedAt: now,
				leaseExpiresAt: null,
			})
			.where(where)
			.returning({
				id: executions.id,
				sensorId: executions.sensorId,
				orgId: executions.orgId,
				labels: executions.labels,
			});
		if (!row) return { written: false, delivery: null, export: null };
		if (outcome.diagnostics) await replaceDiagnostics(tx, row.id, outcome.diagnostics);
		// A finished execution is never resumed: what its attempts checkpointed is in its outcome now.
		await tx.delete(executionCheckpoints).where(eq(executionCheckpoints.executionId, row.id));
		const delivery = await createDeliveryForExecution(tx, {
			sensorId: row.sensorId,
			executionId: row.id,
			status: outcome.status,
			errorCode: outcome.errorCode,
			message: outcome.message,
			labels: row.labels,
		});
		const [exported] = await tx
			.insert(findingExports)
			.values({ id: newObjectId(now), orgId: row.orgId, sensorId: row.sensorId, executionId: row.id })
			.onConflictDoNothing()
			.returning({ exportId: findingExports.id, attempts: findingExports.attempts });
		return { written: true, delivery, export: exported ?? null };
	});
}

/** Final status from the lease holder: a worker that lost its execution cannot overwrite the result. */
export function finishExecution(
	db: DbExecutor,
	input: { executionId: string; workerId: string; outcome: Outcome; now?: Date },
): Promise<FinishResult> {
	return complete(db, heldBy(input.executionId, input.workerId), input.outcome, input.now ?? new Date());
}

/** Gives an interrupted execution back to the queue's next taker without waiting for its lease to lapse. */
export async function releaseExecution(db: DbExecutor, executionId: string, workerId: string): Promise<void> {
	await db
		.update(executions)
		.set({
			status: "queued",
			message: "Scan is queued again after its worker stopped.",
			workerId: null,
			leaseExpiresAt: null,
		})
		.where(heldBy(executionId, workerId));
}

/** Fails an execution that cannot run at all (it has exhausted its attempts), whoever held it. */
export function abandonExecution(
	db: DbExecutor,
	executionId: string,
	message: string,
	errorCode: string,
): Promise<FinishResult> {
	return complete(
		db,
		and(eq(executions.id, executionId), or(eq(executions.status, "queued"), eq(executions.status, "running"))),
		{ status: "failed", message, errorCode, filesScanned: 0, bytesScanned: 0 },
		new Date(),
	);
}

/** The last successful execution of a sensor, which an incremental scan continues from. */
export async function lastSuccessfulExecution(db: DbExecutor, sensorId: string) {
	const [row] = await db
		.select({ id: executions.id, cursor: executions.cursor })
		.from(executions)
		.where(and(eq(executions.sensorId, sensorId), eq(executions.status, "successful")))
		.orderBy(sql`${executions.finishedAt} desc nulls last`, sql`${executions.id} desc`)
		.limit(1);
	return row ?? null;
}

/**
 * Running executions whose lease expired more than `graceMs` ago and whose job BullMQ no longer
 * holds (the worker died and the job was lost with Redis) go back to `queued` and into the queue.
 * Stalled-job recovery handles the common case; this covers Redis losing the job too.
 */
export async function reconcileExpiredLeases(
	deps: { db: Database; queue: ExecutionQueue },
	options: { graceMs: number; batchSize: number; now?: Date },
): Promise<string[]> {
	const now = options.now ?? new Date();
	const expired = await deps.db
		.select({ id: executions.id, priority: executions.priority })
		.from(executions)
		.where(
			and(eq(executions.status, "running"), lt(executions.leaseExpiresAt, new Date(now.getTime() - options.graceMs))),
		)
		.orderBy(asc(executions.ranAt))
		.limit(options.batchSize);
	const requeued: string[] = [];
	for (const execution of expired) {
		const state = await deps.queue.jobState(execution.id);
		if (state === "active" || state === "waiting" || state === "prioritized" || state === "delayed") continue;
		const reset = await deps.db
			.update(executions)
			.set({
				status: "queued",
				message: "Scan is queued again after its worker stopped.",
				workerId: null,
				leaseExpiresAt: null,
			})
			.where(and(eq(executions.id, execution.id), eq(executions.status, "running"), lt(executions.leaseExpiresAt, now)))
			.returning({ id: executions.id });
		if (reset.length === 0) continue;
		if (state !== "missing") await deps.queue.removeJob(execution.id);
		await deps.queue.enqueueExecution(execution.id, execution.priority);
		requeued.push(execution.id);
	}
	return requeued;
}
