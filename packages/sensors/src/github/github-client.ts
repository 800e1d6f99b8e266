import { setTimeout as sleep } from "node:timers/promises";
import { createGuardedAgent, type NetworkPolicy } from "@sensorium/network-policy";
import { type Dispatcher, request } from "undici";
import { readText, transportFailure } from "../artifactory/artifactory-client.ts";
import { SensorError } from "../sensor.ts";

/** The GITHUB-… codes, documented in the README's error table. */
export const GITHUB_ERRORS = {
	unreachable: "GITHUB-1001",
	unauthorized: "GITHUB-1002",
	forbidden: "GITHUB-1003",
	notFound: "GITHUB-1004",
	rateLimited: "GITHUB-1006",
	timeLimit: "GITHUB-1009",
} as const;

/** Attempts of one rate-limited request before the listing gives up with GITHUB-1006. */
const MAX_ATTEMPTS = 5;
/** GitHub's advice for a secondary limit without retry-after: wait at least a minute, then back off. */
export const SECONDARY_LIMIT_WAIT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 60_000;
const PAGE_LIMIT = 16 * 1024 * 1024;
const ERROR_BODY_LIMIT = 16 * 1024;
const DETAIL_LIMIT = 200;

function header(headers: Dispatcher.ResponseData["headers"], name: string): string | undefined {
	const value = headers[name];
	return Array.isArray(value) ? value[0] : value;
}

/** The URL of `Link: <…>; rel="next"`, used verbatim as GitHub asks, or null on the last page. */
export function nextLink(link: string | undefined): string | null {
	if (!link) return null;
	for (const part of link.split(",")) {
		const match = /^\s*<([^>]+)>\s*;(.*)$/.exec(part);
		if (match && /\brel="?([^"]*\s)?next(\s[^"]*)?"?/.test(match[2] ?? "")) return match[1] ?? null;
	}
	return null;
}

/** How long a rate-limited answer asks to wait, or null when the answer is not about rate limits. */
export function rateLimitWaitMs(
	status: number,
	headers: Dispatcher.ResponseData["headers"],
	attempt: number,
	message: string,
	now = Date.now(),
): number | null {
	if (status !== 403 && status !== 429) return null;
	const retryAfter = Number(header(headers, "retry-after"));
	if (Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
	if (header(headers, "x-ratelimit-remaining") === "0") {
		const reset = Number(header(headers, "x-ratelimit-reset"));
		if (Number.isFinite(reset)) return Math.max(reset * 1000 - now, 0) + 1000;
	}
	// GitHub may send a secondary limit as a bare 403: only its message tells it from a missing scope.
	if (status === 429 || /rate limit/i.test(message)) return SECONDARY_LIMIT_WAIT_MS * 2 ** attempt;
	return null;
}

function githubMessage(body: string): string {
	let message = "";
	try {
		const parsed = JSON.parse(body) as { message?: unknown };
		if (typeof parsed.message === "string") message = parsed.message;
	} catch {
		return "";
	}
	const printable = message.replace(/\p{Cc}+/gu, " ").trim();
	return printable.length > DETAIL_LIMIT ? `${printable.slice(0, DETAIL_LIMIT)}…` : printable;
}

function statusFailure(status: number, what: string, detail: string): SensorError {
	const suffix = detail ? `: ${detail}` : "";
	switch (status) {
		case 401:
			return new SensorError(
				GITHUB_ERRORS.unauthorized,
				`GitHub rejected the token (401) on ${what}${suffix}. Check the sensor's token.`,
			);
		case 403:
			return new SensorError(
				GITHUB_ERRORS.forbidden,
				`GitHub refused ${what} (403)${suffix}. The token lacks the repo or read:org scope, or SSO authorisation.`,
			);
		case 404:
			return new SensorError(GITHUB_ERRORS.notFound, `GitHub answered 404 on ${what}${suffix}.`);
		default:
			return new SensorError(
				GITHUB_ERRORS.unreachable,
				`GitHub answered HTTP ${status} on ${what}${suffix}.`,
				status >= 500,
			);
	}
}

/** Retags the shared transport mapping (written for Artifactory) with GitHub's codes. */
function asGithubError(error: unknown): unknown {
	if (!(error instanceof SensorError)) return error;
	const code = error.code.endsWith("-1009") ? GITHUB_ERRORS.timeLimit : GITHUB_ERRORS.unreachable;
	return new SensorError(code, error.message, error.retryable);
}

/**
 * REST calls to one GitHub API: every connection through the network policy's guarded agent, the token
 * only in the Authorization header of requests to the API's own origin, rate limits waited out.
 */
export class GitHubClient {
	private readonly dispatcher: Dispatcher;
	private notBefore = 0;

	constructor(
		readonly base: URL,
		private readonly token: string,
		policy: NetworkPolicy,
		private readonly signal: AbortSignal,
	) {
		this.dispatcher = createGuardedAgent(policy, {
			headersTimeout: REQUEST_TIMEOUT_MS,
			bodyTimeout: REQUEST_TIMEOUT_MS,
		});
	}

	close(): Promise<void> {
		return this.dispatcher.close();
	}

	/** Every item of a paginated list, following `Link: rel="next"`; `onPage` sees each page's items. */
	async *paginate<T>(path: string, what: string): AsyncGenerator<T[]> {
		let target: URL | null = new URL(`${this.base.href.replace(/\/$/, "")}${path}`);
		while (target !== null) {
			const { body, headers } = await this.get(target, what);
			const items = JSON.parse(body) as unknown;
			if (!Array.isArray(items))
				throw new SensorError(GITHUB_ERRORS.unreachable, `GitHub answered ${what} with no list.`);
			yield items as T[];
			const next = nextLink(header(headers, "link"));
			target = next === null ? null : new URL(next, target);
			// A next page on another origin would receive the token.
			if (target !== null && target.origin !== this.base.origin) {
				throw new SensorError(GITHUB_ERRORS.unreachable, `GitHub's next page for ${what} points to another host.`);
			}
		}
	}

	private async get(target: URL, what: string): Promise<{ body: string; headers: Dispatcher.ResponseData["headers"] }> {
		for (let attempt = 0; ; attempt += 1) {
			const wait = this.notBefore - Date.now();
			if (wait > 0) await sleep(wait, undefined, { signal: this.signal });
			let response: Dispatcher.ResponseData;
			try {
				response = await request(target, {
					method: "GET",
					headers: {
						accept: "application/vnd.github+json",
						authorization: `Bearer ${this.token}`,
						"user-agent": "sensorium-github-sensor",
						"x-github-api-version": "2022-11-28",
					},
					dispatcher: this.dispatcher,
					signal: this.signal,
				});
			} catch (error) {
				throw asGithubError(transportFailure(error, target.host, this.signal));
			}
			const { statusCode: status, headers } = response;
			if (status >= 200 && status < 300) {
				const body = await readText(response.body, PAGE_LIMIT);
				if (body === null) throw new SensorError(GITHUB_ERRORS.unreachable, `GitHub's answer to ${what} is too large.`);
				// The last request of the window succeeded: the next one would be refused until the reset.
				if (header(headers, "x-ratelimit-remaining") === "0") {
					this.notBefore = Number(header(headers, "x-ratelimit-reset")) * 1000 || 0;
				}
				return { body, headers };
			}
			const detail = githubMessage((await readText(response.body, ERROR_BODY_LIMIT)) ?? "");
			const delay = rateLimitWaitMs(status, headers, attempt, detail);
			if (delay === null) throw statusFailure(status, what, detail);
			if (attempt + 1 >= MAX_ATTEMPTS) {
				throw new SensorError(
					GITHUB_ERRORS.rateLimited,
					`GitHub kept rate-limiting ${what} after ${MAX_ATTEMPTS} attempts (HTTP ${status}).`,
					true,
				);
			}
			this.notBefore = Date.now() + delay;
		}
	}
}
