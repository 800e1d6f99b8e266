/** Statuses of a whole `_bulk` request worth sending again: overloaded or a proxy in between failing. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
	return RETRYABLE_STATUSES.has(status);
}

export interface Backoff {
	baseMs: number;
	maxMs: number;
}

/**
 * Exponential backoff with equal jitter: half the step is fixed, half random, so many exporters
 * coming back from the same outage do not retry in step.
 */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
	const step = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
	return Math.round(step / 2 + random() * (step / 2));
}
