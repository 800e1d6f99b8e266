import {
	type AttemptVerdict,
	authenticationHeaders,
	getDelivery,
	loadEndpointCredentials,
	recordAttempt,
} from "@sensorium/callback-store";
import { type CallbackResponse, decideRetry, sendCallback, webhookHeaders } from "@sensorium/callbacks";
import type { Database } from "@sensorium/db";
import type { Logger } from "@sensorium/logger";
import type { DeliveryMetrics } from "@sensorium/metrics";
import type { NetworkPolicy } from "@sensorium/network-policy";
import type { DeliveryQueue } from "@sensorium/queue";
import type { SecretBox } from "@sensorium/secrets";

export interface DispatchDeps {
	db: Database;
	secretBox: SecretBox;
	queue: DeliveryQueue;
	policy: NetworkPolicy;
	schedule: readonly number[];
	timeoutMs: number;
	endpointSlots: EndpointSlots;
	logger: Logger;
	userAgent: string;
	metrics?: DeliveryMetrics;
}

export type DispatchResult =
	| { outcome: "sent"; verdict: AttemptVerdict["kind"]; statusCode: number | null }
	| { outcome: "skipped"; reason: string }
	/** Not now: the endpoint is busy in this process, or the job came early. */
	| { outcome: "later"; afterMs: number };

/**
 * In-process limit of deliveries in flight per endpoint: a hanging endpoint holds at most this many
 * of the dispatcher's slots (each for at most the timeout), so deliveries to others keep flowing.
 */
export class EndpointSlots {
	private readonly inFlight = new Map<string, number>();

	constructor(private readonly perEndpoint: number) {}

	tryAcquire(endpointId: string): boolean {
		const current = this.inFlight.get(endpointId) ?? 0;
		if (current >= this.perEndpoint) return false;
		this.inFlight.set(endpointId, current + 1);
		return true;
	}

	release(endpointId: string): void {
		const current = (this.inFlight.get(endpointId) ?? 1) - 1;
		if (current <= 0) this.inFlight.delete(endpointId);
		else this.inFlight.set(endpointId, current);
	}
}

/**
 * One attempt of one delivery: sign the stored payload, POST it with the endpoint's authentication
 * and the Standard Webhooks headers, record the attempt, and schedule the next one from the retry
 * table. The delivery row decides; a duplicate or stale job finds it moved on and does nothing.
 */
export async function deliverCallback(deps: DispatchDeps, deliveryId: string): Promise<DispatchResult> {
	const delivery = await getDelivery(deps.db, deliveryId);
	if (!delivery) return { outcome: "skipped", reason: "missing" };
	if (delivery.status !== "pending") return { outcome: "skipped", reason: delivery.status };
	const early = delivery.nextAttemptAt.getTime() - Date.now();
	if (early > 1_000) return { outcome: "later", afterMs: early };

	const credentials = await loadEndpointCredentials(deps.db, deps.secretBox, delivery.endpointId);
	const attempt = delivery.attempts + 1;
	const attemptedAt = new Date();
	if (!credentials || credentials.deleted) {
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
	if (!deps.endpointSlots.tryAcquire(delivery.endpointId))
		return { outcome: "later", afterMs: 1_000 + Math.random() * 1_000 };

	let response: CallbackResponse;
	try {
		response = await sendCallback({
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
	} finally {
		deps.endpointSlots.release(delivery.endpointId);
	}

	let verdict: AttemptVerdict;
	if (response.ok) {
		verdict = { kind: "succeeded" };
	} else {
		const decision = decideRetry({
			schedule: deps.schedule,
			attemptsMade: attempt,
			status: response.status,
			retryAfter: response.retryAfter,
			timedOut: response.errorKind === "timeout",
		});
		verdict = decision.retry
			? { kind: "retry", nextAttemptAt: new Date(Date.now() + decision.delayMs) }
			: { kind: "failed" };
	}
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
	if (verdict.kind === "retry") {
		await deps.queue
			.enqueueDelivery(deliveryId, attempt, verdict.nextAttemptAt.getTime() - Date.now())
			.catch((err) => deps.logger.warn({ err, deliveryId }, "retry not enqueued; the reconciler will"));
	}
	return { outcome: "sent", verdict: verdict.kind, statusCode: response.status };
}

/**
 * What is kept of the receiver's answer: enough to recognise an error page, not a document. An internal
 * receiver (CALLBACK_ALLOWED_NETWORKS) may answer with anything, so little is kept, without control characters.
 */
const EXCERPT_CHARS = 200;

function responseExcerpt(body: string): string | null {
	const text = body.replace(/\p{Cc}+/gu, " ").trim();
	if (text === "") return null;
	return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
