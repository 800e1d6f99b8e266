import { type Headers, header, nextLink, OrgApiClient, orgErrorCodes, retryAfterMs } from "../org/org-api-client.ts";
import type { SensorRunContext } from "../sensor.ts";

export const GITHUB_ERRORS = orgErrorCodes("GITHUB");

/** GitHub's advice for a secondary limit without retry-after: wait at least a minute, then back off. */
export const SECONDARY_LIMIT_WAIT_MS = 60_000;

/** How long a rate-limited answer asks to wait, or null when the answer is not about rate limits. */
export function rateLimitWaitMs(
	status: number,
	headers: Headers,
	attempt: number,
	message: string,
	now = Date.now(),
): number | null {
	if (status !== 403 && status !== 429) return null;
	const retryAfter = retryAfterMs(headers, now);
	if (retryAfter !== null) return retryAfter;
	if (header(headers, "x-ratelimit-remaining") === "0") {
		const reset = Number(header(headers, "x-ratelimit-reset"));
		if (Number.isFinite(reset)) return Math.max(reset * 1000 - now, 0) + 1000;
	}
	// GitHub may send a secondary limit as a bare 403: only its message tells it from a missing scope.
	if (status === 429 || /rate limit/i.test(message)) return SECONDARY_LIMIT_WAIT_MS * 2 ** attempt;
	return null;
}

export { nextLink };

export function githubClient(base: URL, token: string, context: SensorRunContext): OrgApiClient {
	return new OrgApiClient(
		base,
		{
			label: "GitHub",
			codes: GITHUB_ERRORS,
			headers: {
				accept: "application/vnd.github+json",
				authorization: `Bearer ${token}`,
				"x-github-api-version": "2022-11-28",
			},
			nextPage: (headers, current) => {
				const next = nextLink(header(headers, "link"));
				return next === null ? null : new URL(next, current);
			},
			rateLimitWaitMs: (status, headers, attempt, message) => rateLimitWaitMs(status, headers, attempt, message),
			forbiddenHint: "The token lacks the repo or read:org scope, or SSO authorisation.",
		},
		context.settings.networkPolicy,
		context.signal,
		context.settings.orgApiTimeoutMs,
	);
}
