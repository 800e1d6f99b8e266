import {
	callbackAttempts,
	callbackDeliveries,
	callbackEndpoints,
	type Database,
	type DbExecutor,
	executions,
	sensors,
} from "@sensorium/db";
import { notFound } from "@sensorium/errors";
import { newObjectId } from "@sensorium/ids";
import type { CallbackQueue } from "@sensorium/queue";
import { and, asc, eq, inArray, isNull, lt } from "drizzle-orm";

/** The spec's callback payload (section 6). */
export interface CallbackPayload {
	sensorId: string;
	executionId: string;
	status: "successful" | "failed";
	errorCode?: string;
	message: string;
	labels: Record<string, string>[];
}

/**
 * Records the completion event for the sensor's callback endpoint, if it has a live one. Run it in
 * the transaction that writes the final status: the event then exists exactly when the status does,
 * and a repeat (a crash and a re-run of the finish) finds the unique key and adds nothing.
 */
export async function createDeliveryForExecution(
	tx: DbExecutor,
	payload: CallbackPayload,
): Promise<{ deliveryId: string; attempts: number } | null> {
	const [target] = await tx
		.select({ endpointId: callbackEndpoints.id, orgId: callbackEndpoints.orgId })
		.from(sensors)
		.innerJoin(
			callbackEndpoints,
			and(eq(callbackEndpoints.id, sensors.callbackEndpointId), isNull(callbackEndpoints.deletedAt)),
		)
		.where(eq(sensors.id, payload.sensorId));
	if (!target) return null;
	const body: CallbackPayload = {
		sensorId: payload.sensorId,
		executionId: payload.executionId,
		status: payload.status,
		...(payload.status === "failed" && payload.errorCode ? { errorCode: payload.errorCode } : {}),
		message: payload.message,
		labels: payload.labels,
	};
	await tx
		.insert(callbackDeliveries)
		.values({
			id: newObjectId(),
			orgId: target.orgId,
			executionId: payload.executionId,
			endpointId: target.endpointId,
			payload: JSON.stringify(body),
		})
		.onConflictDoNothing();
	const [row] = await tx
		.select({ id: callbackDeliveries.id, attempts: callbackDeliveries.attempts })
		.from(callbackDeliveries)
		.where(
			and(
				eq(callbackDeliveries.executionId, payload.executionId),
				eq(callbackDeliveries.endpointId, target.endpointId),
			),
		);
	return row ? { deliveryId: row.id, attempts: row.attempts } : null;
}

export type DeliveryRow = typeof callbackDeliveries.$inferSelect;

export async function getDelivery(db: DbExecutor, deliveryId: string): Promise<DeliveryRow | null> {
	const [row] = await db.select().from(callbackDeliveries).where(eq(callbackDeliveries.id, deliveryId));
	return row ?? null;
}

export interface AttemptRecord {
	attempt: number;
	attemptedAt: Date;
	statusCode: number | null;
	latencyMs: number;
	error: string | null;
	responseBody: string | null;
}

export type AttemptVerdict = { kind: "succeeded" } | { kind: "retry"; nextAttemptAt: Date } | { kind: "failed" };

/**
 * Stores one attempt and moves the delivery on, only if it is still pending at the attempt count
 * the sender saw: two senders racing on one delivery cannot both advance it.
 */
export async function recordAttempt(
	db: Database,
	deliveryId: string,
	record: AttemptRecord,
	verdict: AttemptVerdict,
): Promise<boolean> {
	return db.transaction(async (tx) => {
		const moved = await tx
			.update(callbackDeliveries)
			.set({
				attempts: record.attempt,
				lastStatusCode: record.statusCode,
				lastError: record.error,
				status: verdict.kind === "retry" ? "pending" : verdict.kind,
				nextAttemptAt: verdict.kind === "retry" ? verdict.nextAttemptAt : record.attemptedAt,
				deliveredAt: verdict.kind === "succeeded" ? record.attemptedAt : null,
			})
			.where(
				and(
					eq(callbackDeliveries.id, deliveryId),
					eq(callbackDeliveries.status, "pending"),
					eq(callbackDeliveries.attempts, record.attempt - 1),
				),
			)
			.returning({ id: callbackDeliveries.id });
		if (moved.length === 0) return false;
		await tx.insert(callbackAttempts).values({ id: newObjectId(), deliveryId, ...record });
		return true;
	});
}

export interface DeliveryView {
	deliveryId: string;
	/** The endpoint's id, named as the HTTP API names it. */
	callbackId: string;
	status: string;
	attempts: number;
	nextAttemptAt: string | null;
	lastStatusCode: number | null;
	createdAt: string;
	deliveredAt: string | null;
	payload: unknown;
	attemptLog: {
		attempt: number;
		attemptedAt: string;
		statusCode: number | null;
		latencyMs: number;
		error: string | null;
		responseBody: string | null;
	}[];
}

export async function listExecutionDeliveries(
	db: Database,
	orgId: string,
	executionId: string,
	notFoundMessage: string,
): Promise<DeliveryView[]> {
	const [execution] = await db
		.select({ id: executions.id })
		.from(executions)
		.where(and(eq(executions.id, executionId), eq(executions.orgId, orgId)));
	if (!execution) throw notFound(notFoundMessage);
	const deliveries = await db
		.select()
		.from(callbackDeliveries)
		.where(eq(callbackDeliveries.executionId, executionId))
		.orderBy(asc(callbackDeliveries.createdAt));
	const attempts =
		deliveries.length === 0
			? []
			: await db
					.select()
					.from(callbackAttempts)
					.where(
						inArray(
							callbackAttempts.deliveryId,
							deliveries.map((d) => d.id),
						),
					)
					.orderBy(asc(callbackAttempts.attempt));
	return deliveries.map((d) => ({
		deliveryId: d.id,
		callbackId: d.endpointId,
		status: d.status,
		attempts: d.attempts,
		nextAttemptAt: d.status === "pending" ? d.nextAttemptAt.toISOString() : null,
		lastStatusCode: d.lastStatusCode,
		createdAt: d.createdAt.toISOString(),
		deliveredAt: d.deliveredAt?.toISOString() ?? null,
		payload: JSON.parse(d.payload),
		attemptLog: attempts
			.filter((a) => a.deliveryId === d.id)
			.map((a) => ({
				attempt: a.attempt,
				attemptedAt: a.attemptedAt.toISOString(),
				statusCode: a.statusCode,
				latencyMs: a.latencyMs,
				error: a.error,
				responseBody: a.responseBody,
			})),
	}));
}

export const DELIVERY_NOT_FOUND = "The specified deliveryId was not found.";

/** Sends a delivery again now, whatever its state; a manual re-send schedules no further retries of its own. */
export async function redeliver(
	deps: { db: Database; queue: CallbackQueue },
	input: { orgId: string; executionId: string; deliveryId: string },
): Promise<{ deliveryId: string; attempts: number }> {
	const [row] = await deps.db
		.update(callbackDeliveries)
		.set({ status: "pending", nextAttemptAt: new Date() })
		.where(
			and(
				eq(callbackDeliveries.id, input.deliveryId),
				eq(callbackDeliveries.executionId, input.executionId),
				eq(callbackDeliveries.orgId, input.orgId),
			),
		)
		.returning({ id: callbackDeliveries.id, attempts: callbackDeliveries.attempts });
	if (!row) throw notFound(DELIVERY_NOT_FOUND);
	await deps.queue.removeJob(row.id, row.attempts).catch(() => {});
	await deps.queue.enqueueDelivery(row.id, row.attempts);
	return { deliveryId: row.id, attempts: row.attempts };
}

/**
 * Pending deliveries that are due (past `graceMs`) but have no live job (enqueue failed after the
 * commit, Redis lost it) are enqueued again. Idempotent: the job id names the attempt.
 */
export async function reconcilePendingDeliveries(
	deps: { db: Database; queue: CallbackQueue },
	options: { graceMs: number; batchSize: number; now?: Date },
): Promise<string[]> {
	const now = options.now ?? new Date();
	const due = await deps.db
		.select({ id: callbackDeliveries.id, attempts: callbackDeliveries.attempts })
		.from(callbackDeliveries)
		.where(
			and(
				eq(callbackDeliveries.status, "pending"),
				lt(callbackDeliveries.nextAttemptAt, new Date(now.getTime() - options.graceMs)),
			),
		)
		.orderBy(asc(callbackDeliveries.nextAttemptAt))
		.limit(options.batchSize);
	const enqueued: string[] = [];
	for (const delivery of due) {
		if (await deps.queue.hasLiveJob(delivery.id, delivery.attempts)) continue;
		await deps.queue.removeJob(delivery.id, delivery.attempts).catch(() => {});
		await deps.queue.enqueueDelivery(delivery.id, delivery.attempts);
		enqueued.push(delivery.id);
	}
	return enqueued;
}
