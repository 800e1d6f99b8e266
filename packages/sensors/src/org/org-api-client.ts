import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createGuardedAgent, createNetworkPolicy, type NetworkPolicy } from "@sensorium/network-policy";
import { type Dispatcher, request } from "undici";
import { readText, transportFailure } from "../artifactory/artifactory-client.ts";
import { SensorError } from "../sensor.ts";

/** One namespace's codes (`GITHUB-1001`, …), documented in the README's error tables. */
export interface OrgErrorCodes {
	unreachable: string;
	unauthorized: string;
	forbidden: string;
	notFound: string;
	rateLimited: string;
	timeLimit: string;
}

export function orgErrorCodes(namespace: string): OrgErrorCodes {
	return {
		unreachable: `${namespace}-1001`,
		unauthorized: `${namespace}-1002`,
		forbidden: `${namespace}-1003`,
		notFound: `${namespace}-1004`,
		rateLimited: `${namespace}-1006`,
		timeLimit: `${namespace}-1009`,
	};
}

export type Headers = Dispatcher.ResponseData["headers"];

export interface OrgApiHost {
	/** "GitHub", "GitLab": in error messages. */
	label: string;
	codes: OrgErrorCodes;
	/** Authentication and content negotiation, sent only to the API's own origin. */
	headers: Record<string, string>;
	/** The next page after `current` (from the answer's headers or its parsed body), or null on the last one. */
	nextPage(headers: Headers, current: URL, body: unknown): URL | null;
	/** The items of one page; the body itself when it is the list. */
	items?(body: unknown): unknown;
	/** How long a refused answer asks to wait, or null when it is not a rate limit. */
	rateLimitWaitMs(status: number, headers: Headers, attempt: number, message: string): number | null;
	/** What a 403 that is not a rate limit means for this host's tokens. */
	forbiddenHint: string;
}

/** Attempts of one rate-limited request before the listing gives up with `-1006`. */
const MAX_ATTEMPTS = 5;
export const DEFAULT_API_TIMEOUT_MS = 60_000;
const PAGE_LIMIT = 16 * 1024 * 1024;
const ERROR_BODY_LIMIT = 16 * 1024;
const DETAIL_LIMIT = 200;
const PUBLIC_ONLY = createNetworkPolicy([]);

export function header(headers: Headers, name: string): string | undefined {
	const value = headers[name];
	return Array.isArray(value) ? value[0] : value;
}

/** The URL of `Link: <…>; rel="next"`, used verbatim as the hosts ask, or null on the last page. */
export function nextLink(link: string | undefined): string | null {
	if (!link) return null;
	for (const part of link.split(",")) {
		const match = /^\s*<([^>]+)>\s*;(.*)$/.exec(part);
		if (match && /\brel="?([^"]*\s)?next(\s[^"]*)?"?/.test(match[2] ?? "")) return match[1] ?? null;
	}
	return null;
}

/** `retry-after` in seconds or as an HTTP date, in ms, or null. */
export function retryAfterMs(headers: Headers, now: number): number | null {
	const value = header(headers, "retry-after")?.trim();
	if (!value) return null;
	const seconds = Number(value);
	if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
	const date = Date.parse(value);
	return Number.isFinite(date) ? Math.max(date - now, 0) : null;
}

/** A 429 without an answer saying how long: 2 s, then doubling. */
const BACKOFF_BASE_MS = 2_000;

/**
 * How long a 429 asks to wait (GitLab's and Bitbucket's rate limits): `Retry-After`, else until the
 * `resetHeader` time when the host sends one, else a doubling backoff; null for any other status.
 */
export function tooManyRequestsWaitMs(
	status: number,
	headers: Headers,
	attempt: number,
	now: number,
	resetHeader?: string,
): number | null {
	if (status !== 429) return null;
	const retryAfter = retryAfterMs(headers, now);
	if (retryAfter !== null) return retryAfter;
	const reset = resetHeader === undefined ? undefined : header(headers, resetHeader);
	if (reset !== undefined && Number.isFinite(Number(reset))) return Math.max(Number(reset) * 1000 - now, 0) + 1000;
	return BACKOFF_BASE_MS * 2 ** attempt;
}

function messageOf(body: string): string {
	let message = "";
	try {
		const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
		const found = parsed.message ?? parsed.error;
		if (typeof found === "string") message = found;
	} catch {
		return "";
	}
	const printable = message.replace(/\p{Cc}+/gu, " ").trim();
	return printable.length > DETAIL_LIMIT ? `${printable.slice(0, DETAIL_LIMIT)}…` : printable;
}

/**
 * REST calls to one hosting service's API: every connection through the network policy's guarded
 * agent, the credentials only to the API's own origin, rate limits waited out within the execution.
 */
export class OrgApiClient {
	private readonly dispatcher: Dispatcher;
	private notBefore = 0;
	private transportChecked: Promise<void> | null = null;

	constructor(
		readonly base: URL,
		private readonly host: OrgApiHost,
		private readonly policy: NetworkPolicy,
		private readonly signal: AbortSignal,
		private readonly timeoutMs = DEFAULT_API_TIMEOUT_MS,
	) {
		this.dispatcher = createGuardedAgent(policy, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
	}

	get codes(): OrgErrorCodes {
		return this.host.codes;
	}

	close(): Promise<void> {
		return this.dispatcher.close();
	}

	/** `base` + path, where path is already encoded. */
	url(path: string): URL {
		return new URL(`${this.base.href.replace(/\/$/, "")}${path}`);
	}

	/** Each page of a paginated list, following the host's next-page answer. */
	async *paginate<T>(first: URL, what: string): AsyncGenerator<T[]> {
		let target: URL | null = first;
		while (target !== null) {
			const { body, headers } = await this.get(target, what);
			const parsed = JSON.parse(body) as unknown;
			const items = this.host.items ? this.host.items(parsed) : parsed;
			if (!Array.isArray(items)) {
				throw new SensorError(this.host.codes.unreachable, `${this.host.label} answered ${what} with no list.`);
			}
			yield items as T[];
			target = this.host.nextPage(headers, target, parsed);
			// A next page on another origin would receive the credentials.
			if (target !== null && target.origin !== this.base.origin) {
				throw new SensorError(
					this.host.codes.unreachable,
					`${this.host.label}'s next page for ${what} points to another host.`,
				);
			}
		}
	}

	/** One JSON document. */
	async json<T>(target: URL, what: string): Promise<T> {
		return JSON.parse((await this.get(target, what)).body) as T;
	}

	/** One string of a JSON document (a branch's head commit), or null when the document has none there. */
	async stringAt<T>(target: URL, what: string, pick: (document: T) => unknown): Promise<string | null> {
		const value = pick(await this.json<T>(target, what));
		return typeof value === "string" ? value : null;
	}

	private async get(target: URL, what: string): Promise<{ body: string; headers: Headers }> {
		const { label, codes } = this.host;
		this.transportChecked ??= this.checkTransport();
		await this.transportChecked;
		for (let attempt = 0; ; attempt += 1) {
			const wait = this.notBefore - Date.now();
			if (wait > 0) {
				// The time limit or a shutdown ends the wait with its own reason, as everywhere else in a scan.
				await sleep(wait, undefined, { signal: this.signal }).catch((error: unknown) => {
					throw this.signal.aborted ? this.signal.reason : error;
				});
			}
			let response: Dispatcher.ResponseData;
			try {
				response = await request(target, {
					method: "GET",
					headers: { "user-agent": "sensorium-org-sensor", ...this.host.headers },
					dispatcher: this.dispatcher,
					signal: this.signal,
				});
			} catch (error) {
				throw this.transportFailure(error, target.host);
			}
			const { statusCode: status, headers } = response;
			if (status >= 200 && status < 300) {
				const body = await readText(response.body, PAGE_LIMIT);
				if (body === null) throw new SensorError(codes.unreachable, `${label}'s answer to ${what} is too large.`);
				// The last request of the window succeeded: the next one would be refused until the reset.
				if (header(headers, "x-ratelimit-remaining") === "0" || header(headers, "ratelimit-remaining") === "0") {
					const reset = Number(header(headers, "x-ratelimit-reset") ?? header(headers, "ratelimit-reset"));
					if (Number.isFinite(reset)) this.notBefore = reset * 1000;
				}
				return { body, headers };
			}
			const detail = messageOf((await readText(response.body, ERROR_BODY_LIMIT)) ?? "");
			const delay = this.host.rateLimitWaitMs(status, headers, attempt, detail);
			if (delay === null) throw this.statusFailure(status, what, detail);
			if (attempt + 1 >= MAX_ATTEMPTS) {
				throw new SensorError(
					codes.rateLimited,
					`${label} kept rate-limiting ${what} after ${MAX_ATTEMPTS} attempts (HTTP ${status}).`,
					true,
				);
			}
			this.notBefore = Date.now() + delay;
		}
	}

	/**
	 * The credentials travel in headers, so plain http is allowed only to hosts in networks the
	 * operator allowed explicitly (an on-premises server), never to a public address.
	 */
	private async checkTransport(): Promise<void> {
		if (this.base.protocol === "https:") return;
		const hostname = this.base.hostname.replace(/^\[|\]$/g, "");
		let addresses: string[];
		try {
			addresses =
				isIP(hostname) !== 0 ? [hostname] : (await lookup(hostname, { all: true })).map((entry) => entry.address);
		} catch (error) {
			throw this.transportFailure(error, this.base.host);
		}
		const explicitlyAllowed = (address: string) => !PUBLIC_ONLY.isAllowed(address) && this.policy.isAllowed(address);
		if (addresses.length === 0 || !addresses.every(explicitlyAllowed)) {
			throw new SensorError(
				this.host.codes.unreachable,
				`${this.base.origin} is not https: plain http is allowed only to hosts in the networks an administrator listed in SENSOR_ALLOWED_NETWORKS.`,
			);
		}
	}

	private statusFailure(status: number, what: string, detail: string): SensorError {
		const { label, codes } = this.host;
		const suffix = detail ? `: ${detail}` : "";
		switch (status) {
			case 401:
				return new SensorError(codes.unauthorized, `${label} rejected the credentials (401) on ${what}${suffix}.`);
			case 403:
				return new SensorError(codes.forbidden, `${label} refused ${what} (403)${suffix}. ${this.host.forbiddenHint}`);
			case 404:
				return new SensorError(codes.notFound, `${label} answered 404 on ${what}${suffix}.`);
			default:
				return new SensorError(
					codes.unreachable,
					`${label} answered HTTP ${status} on ${what}${suffix}.`,
					status >= 500,
				);
		}
	}

	/** The shared transport mapping (written for Artifactory), retagged with this host's codes. */
	private transportFailure(error: unknown, host: string): unknown {
		const mapped = transportFailure(error, host, this.signal);
		if (!(mapped instanceof SensorError)) return mapped;
		if (mapped.code.endsWith("-1009")) {
			return new SensorError(
				this.host.codes.timeLimit,
				`${host} did not answer within ${Math.round(this.timeoutMs / 1000)} s.`,
				mapped.retryable,
			);
		}
		return new SensorError(this.host.codes.unreachable, mapped.message, mapped.retryable);
	}
}
