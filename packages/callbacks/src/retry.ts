/**
 * Svix's schedule (config.default.toml): after the immediate first attempt wait 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h, so eight attempts over about 27.6 hours.
 */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = Object.freeze([5, 300, 1800, 7200, 18000, 36000, 36000]);

/** More entries than this is almost certainly a typo, and keeps a delivery from living for months. */
const MAX_SCHEDULE_ENTRIES = 30;
const JITTER = 0.2;
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** Parses CALLBACK_RETRY_SCHEDULE: seconds between attempts, separated by commas ("5,300,1800"). */
export function parseRetrySchedule(text: string): number[] {
	const items = text.split(",").map((item) => item.trim());
	const fail = (problem: string) => {
		throw new Error(
			`Invalid retry schedule "${text}": ${problem}; expected seconds separated by commas, e.g. 5,300,1800.`,
		);
	};
	if (items.length > MAX_SCHEDULE_ENTRIES) fail(`${items.length} entries, at most ${MAX_SCHEDULE_ENTRIES} are allowed`);
	return items.map((item, index) => {
		const position = `entry ${index + 1}`;
		if (item === "") fail(`${position} is empty`);
		if (/^-\d+(\.\d+)?$/.test(item)) fail(`${position} (${item}) is negative`);
		if (!/^\d+(\.\d+)?$/.test(item)) fail(`${position} (${item}) is not a number of seconds`);
		return Number(item);
	});
}

export interface RetryDecision {
	retry: boolean;
	/** 0 when `retry` is false. */
	delayMs: number;
	/** For logs: "success", "gone", "schedule exhausted", "Retry-After", "timeout", "network error", "HTTP <status>". */
	reason: string;
}

/**
 * When to try a callback again, after `attemptsMade` attempts (the first one was immediate):
 *
 * | Last attempt                                | Decision                                                     |
 * | ------------------------------------------- | ------------------------------------------------------------ |
 * | 2xx                                         | stop: success (callers normally stop before asking)          |
 * | 410 Gone                                    | stop: the receiver says the endpoint is gone for good        |
 * | attemptsMade > schedule.length              | stop: schedule exhausted                                     |
 * | 429 or 503 with a valid Retry-After         | Retry-After clamped to [scheduled, 2 × scheduled], no jitter |
 * | other status (3xx, 4xx, 5xx), network error | scheduled × uniform(0.8, 1.2)                                |
 *
 * `scheduled` is `schedule[attemptsMade - 1]` seconds. The clamp (Svix's limit_retry_delay) lets a
 * receiver slow us down, but neither make us hammer it nor park a delivery indefinitely. Jitter
 * spreads the retries of one outage over time instead of sending them all at once.
 */
export function decideRetry(input: {
	schedule: readonly number[];
	attemptsMade: number;
	status: number | null;
	retryAfter?: string | null;
	timedOut?: boolean;
	now?: Date;
	random?: () => number;
}): RetryDecision {
	const { schedule, attemptsMade, status } = input;
	if (!Number.isInteger(attemptsMade) || attemptsMade < 1) {
		throw new RangeError(`attemptsMade counts attempts already made and starts at 1; got ${attemptsMade}.`);
	}
	if (status !== null && status >= 200 && status <= 299) return { retry: false, delayMs: 0, reason: "success" };
	if (status === 410) return { retry: false, delayMs: 0, reason: "gone" };
	const scheduled = schedule[attemptsMade - 1];
	if (scheduled === undefined) return { retry: false, delayMs: 0, reason: "schedule exhausted" };

	const scheduledMs = scheduled * 1000;
	const requestedMs =
		status !== null && RETRY_AFTER_STATUSES.has(status)
			? retryAfterMs(input.retryAfter, input.now ?? new Date())
			: null;
	if (requestedMs !== null) {
		return {
			retry: true,
			delayMs: Math.round(Math.min(Math.max(requestedMs, scheduledMs), 2 * scheduledMs)),
			reason: "Retry-After",
		};
	}
	const factor = 1 - JITTER + 2 * JITTER * (input.random ?? Math.random)();
	const reason = status !== null ? `HTTP ${status}` : input.timedOut ? "timeout" : "network error";
	return { retry: true, delayMs: Math.round(scheduledMs * factor), reason };
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 section 10.2.3); anything else is ignored. */
function retryAfterMs(value: string | null | undefined, now: Date): number | null {
	const text = value?.trim();
	if (!text) return null;
	if (/^\d+$/.test(text)) return Number(text) * 1000;
	// V8's Date.parse also takes bare numbers such as "1.5"; an HTTP-date always names day and month.
	if (!/[a-z]/i.test(text)) return null;
	const date = Date.parse(text);
	return Number.isNaN(date) ? null : Math.max(0, date - now.getTime());
}
