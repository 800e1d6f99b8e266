import { EXECUTION_STATUSES, type ExecutionPage, type ExecutionStatus } from "./types.ts";

/** Executions per request of the scans list. */
export const PAGE_SIZE = 50;
/** The most the API returns in one request. */
export const MAX_PAGE_SIZE = 200;

export function parseStatus(value: string | null): ExecutionStatus | undefined {
	return EXECUTION_STATUSES.find((status) => status === value);
}

/** A refresh asks again for as many executions as are on screen, within one request. */
export function refreshLimit(shown: number): number {
	return Math.min(MAX_PAGE_SIZE, Math.max(PAGE_SIZE, shown));
}

/**
 * Puts a refreshed first page in front of what was loaded before: when more was on screen than one
 * request returns, the older executions beyond the refreshed ones stay (ids grow with time, so
 * "older" is "smaller id").
 */
export function mergeRefreshed(current: ExecutionPage, fresh: ExecutionPage): ExecutionPage {
	const last = fresh.executions.at(-1)?.executionId;
	if (!fresh.nextCursor || last === undefined) return fresh;
	const tail = current.executions.filter((execution) => execution.executionId < last);
	return tail.length ? { executions: [...fresh.executions, ...tail], nextCursor: current.nextCursor } : fresh;
}

/** Appends an older page, ignoring executions already shown (a new scan shifts pages while one reads). */
export function appendPage(current: ExecutionPage, older: ExecutionPage): ExecutionPage {
	const shown = new Set(current.executions.map((execution) => execution.executionId));
	return {
		executions: [...current.executions, ...older.executions.filter((execution) => !shown.has(execution.executionId))],
		nextCursor: older.nextCursor,
	};
}
