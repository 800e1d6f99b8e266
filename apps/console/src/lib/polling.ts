import type { Delivery, ExecutionStatus } from "./types.ts";

/** How often the console asks again while something is still moving. */
export const POLL_INTERVAL_MS = 2000;

/** Queued and running executions will change on their own; finished ones will not. */
export function isActive(status: ExecutionStatus): boolean {
	return status === "queued" || status === "running";
}

/** The scans list refreshes itself while any execution it shows can still change. */
export function shouldPollExecutions(statuses: readonly ExecutionStatus[]): boolean {
	return statuses.some(isActive);
}

/** A pending delivery due within this long is worth watching; one retried in an hour is not. */
const DELIVERY_WATCH_MS = 60_000;

/**
 * An execution page refreshes while the execution runs, and after it finished while a callback
 * delivery is about to be sent (the dispatcher sends it shortly after the execution ends).
 */
export function shouldPollExecution(
	status: ExecutionStatus | undefined,
	deliveries: readonly Delivery[],
	now: number = Date.now(),
): boolean {
	if (status === undefined) return false;
	if (isActive(status)) return true;
	return deliveries.some(
		(d) =>
			d.status === "pending" && (!d.nextAttemptAt || new Date(d.nextAttemptAt).getTime() - now <= DELIVERY_WATCH_MS),
	);
}
