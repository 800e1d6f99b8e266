import {
	type AttemptVerdict,
	authenticationHeaders,
	type DeliveryRow,
	type EndpointCredentials,
	getDelivery,
	loadEndpointCredentials,
	recordAttempt,
} from "@sensorium/callback-store";
import { type CallbackResponse, decideRetry, sendCallback, webhookHeaders } from "@sensorium/callbacks";
import type { Database } from "@sensorium/db";
import type { Logger } from "@sensorium/logger";
import type { DeliveryMetrics } from "@sensorium/metrics";
import type { NetworkPolicy } from "@sensorium/network-policy";
import type { CallbackQueue } from "@sensorium/queue";
import type { SecretBox } from "@sensorium/secrets";
import type { EndpointSlots } from "./endpoint-slots.ts";

export interface DeliveryDeps {
	db: Database;
	secretBox: SecretBox;
	queue: CallbackQueue;
	policy: NetworkPolicy;
	schedule: readonly number[];
	timeoutMs: number;
	endpointSlots: EndpointSlots;
	logger: Logger;
	userAgent: string;
	metrics?: DeliveryMetrics;
}

export type DeliveryResult =
	| { outcome: "sent"; verdict: AttemptVerdict["kind"]; statusCode: number | null }
	| { outcome: "skipped"; reason: string }
	/** Not now: the endpoint is busy in this process, or the job came early. */
	| { outcome: "later"; afterMs: number };

/**
 * One attempt of one delivery: sign the stored payload, POST it with the endpoint's authentication
 * and the Standard Webhooks headers, record the attempt, and schedule the next one from the retry
 * table. The delivery row decides; a duplicate or stale job finds it moved on and does nothing.
 */
export async function deliverCallback(deps: DeliveryDeps, deliveryId: string): Promise<DeliveryResult> {
	const delivery = await getDelivery(deps.db, deliveryId);
	if (!delivery) return { outcome: "skipped", reason: "missing" };
	if (delivery.status !== "pending") return { outcome: "skipped", reason: delivery.status };
	const early = delivery.nextAttemptAt.getTime() - Date.now();
	if (early > 1_000) return { outcome: "later", afterMs: early };

	const credentials = await loadEndpointCredentials(deps.db, deps.secretBox, delivery.endpointId);
	const attempt = delivery.attempts + 1;
	const attemptedAt = new Date();
	if (!credentials || credentials.deleted) return endpointDeleted(deps, deliveryId, attempt, attemptedAt);
	if (!deps.endpointSlots.tryAcquire(delivery.endpointId))
		return { outcome: "later", afterMs: 1_000 + Math.random() * 1_000 };

	let response: CallbackResponse;
	try {
		response = await send(deps, delivery, credentials, attemptedAt);
	} finally {
		deps.endpointSlots.release(delivery.endpointId);
	}
	const verdict = judge(deps.schedule, attempt, response);
	const written = await recordAttempt(
		deps.db,
		deliveryId,
		{
			attempt,
			attemptedAt,
			statusCode: response.status,
			latencyMs: Math.round(response.latencyMs),
			error: response.error,
			responseBody: responseExcerpt(response.body),
		},
		verdict,
	);
	if (!written) return { outcome: "skipped", reason: "another sender recorded this attempt" };
	deps.metrics?.attempt(verdict.kind, attempt);
	deps.logger.info(
		{
			deliveryId,
			executionId: delivery.executionId,
			attempt,
			statusCode: response.status,
			verdict: verdict.kind,
			errorKind: response.errorKind,
		},
		"callback attempt",
	);
	if (verdict.kind === "retry") await scheduleRetry(deps, deliveryId, attempt, verdict.nextAttemptAt);
	return { outcome: "sent", verdict: verdict.kind, statusCode: response.status };
}

/** An endpoint deleted after the execution was submitted: the delivery fails for good, without a request. */
async function endpointDeleted(
	deps: DeliveryDeps,
	deliveryId: string,
	attempt: number,
	attemptedAt: Date,
): Promise<DeliveryResult> {
	await recordAttempt(
		deps.db,
		deliveryId,
		{
			attempt,
			attemptedAt,
			statusCode: null,
			latencyMs: 0,
			error: "The callback endpoint was deleted.",
			responseBody: null,
		},
		{ kind: "failed" },
	);
	return { outcome: "sent", verdict: "failed", statusCode: null };
}

/** The POST, signed for this attempt's timestamp with the endpoint's secret. */
function send(
	deps: DeliveryDeps,
	delivery: DeliveryRow,
	credentials: EndpointCredentials,
	attemptedAt: Date,
): Promise<CallbackResponse> {
	return sendCallback({
		url: credentials.url,
		method: "POST",
		headers: {
			"content-type": "application/json",
			"user-agent": deps.userAgent,
			...authenticationHeaders(credentials),
			...webhookHeaders(
				credentials.signingSecret,
				delivery.id,
				Math.floor(attemptedAt.getTime() / 1000),
				delivery.payload,
			),
		},
		body: delivery.payload,
		timeoutMs: deps.timeoutMs,
		policy: deps.policy,
	});
}

/** Succeeded on a 2xx; otherwise retried or failed as the retry table and the receiver's answer say. */
export function judge(schedule: readonly number[], attempt: number, response: CallbackResponse): AttemptVerdict {
	if (response.ok) return { kind: "succeeded" };
	const decision = decideRetry({
		schedule,
		attemptsMade: attempt,
		status: response.status,
		retryAfter: response.retryAfter,
		timedOut: response.errorKind === "timeout",
	});
	return decision.retry
		? { kind: "retry", nextAttemptAt: new Date(Date.now() + decision.delayMs) }
		: { kind: "failed" };
}

/** The retry's job; if Redis refuses it, the row is still pending and the reconciler enqueues it. */
async function scheduleRetry(deps: DeliveryDeps, deliveryId: string, attempt: number, at: Date): Promise<void> {
	await deps.queue
		.enqueueDelivery(deliveryId, attempt, at.getTime() - Date.now())
		.catch((err) => deps.logger.warn({ err, deliveryId }, "retry not enqueued; the reconciler will"));
}

/**
 * What is kept of the receiver's answer: enough to recognise an error page, not a document. An internal
 * receiver (CALLBACK_ALLOWED_NETWORKS) may answer with anything, so little is kept, without control characters.
 */
const EXCERPT_CHARS = 200;

export function responseExcerpt(body: string): string | null {
	const text = body.replace(/\p{Cc}+/gu, " ").trim();
	if (text === "") return null;
	return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
