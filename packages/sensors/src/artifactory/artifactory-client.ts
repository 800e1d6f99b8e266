import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createGuardedAgent, createNetworkPolicy, type NetworkPolicy } from "@sensorium/network-policy";
import { type Dispatcher, request } from "undici";
import { SensorError } from "../sensor.ts";
import { ARTIFACTORY_ERRORS, jfrogErrorMessage, statusFailure } from "./artifactory-errors.ts";

/** Attempts of one request answered 429, 503 or 408 before the scan gives up. */
export const MAX_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 250;
/** A Retry-After longer than this is shortened: the execution's time limit bounds the whole scan anyway. */
const MAX_RETRY_AFTER_MS = 30_000;
const MAX_REDIRECTS = 5;
const REQUEST_TIMEOUT_MS = 60_000;
const ERROR_BODY_LIMIT = 16 * 1024;

const PUBLIC_ONLY = createNetworkPolicy([]);

export interface RequestOptions {
	method?: "GET" | "POST";
	body?: string;
	contentType?: string;
	/** What the request is for, in error messages ("listing repositories"). */
	what: string;
	/** The error code of a 400 answer, when the request's content is something the server may reject. */
	badRequestCode?: string;
}

function retryAfterMs(header: string | string[] | undefined, attempt: number): number {
	const value = Array.isArray(header) ? header[0] : header;
	if (value !== undefined && value.trim() !== "") {
		const seconds = Number(value);
		const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
		if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
	}
	return BACKOFF_BASE_MS * 2 ** attempt * (0.8 + Math.random() * 0.4);
}

/** The body as text, or null when it is longer than `limit` bytes (the rest is not read). */
export async function readText(body: Dispatcher.ResponseData["body"], limit: number): Promise<string | null> {
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of body) {
		length += (chunk as Buffer).length;
		if (length > limit) {
			body.destroy();
			return null;
		}
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks).toString("utf8");
}

async function readLimited(body: Dispatcher.ResponseData["body"]): Promise<string> {
	return (await readText(body, ERROR_BODY_LIMIT)) ?? "";
}

const TLS_CODES = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|ERR_SSL_)/;

function causeChain(error: unknown): Error[] {
	const chain: Error[] = [];
	for (let current = error; current instanceof Error && chain.length < 5; current = current.cause) chain.push(current);
	return chain;
}

/** Turns a failure to get any answer (DNS, refused, TLS, policy, timeout) into the sensor's error. */
export function transportFailure(error: unknown, host: string, signal: AbortSignal): unknown {
	if (signal.aborted) return signal.reason;
	const chain = causeChain(error);
	const refusedByPolicy = chain.find((e) => e.name === "AddressNotAllowedError");
	if (refusedByPolicy) {
		return new SensorError(
			ARTIFACTORY_ERRORS.unreachable,
			`The worker may not connect to ${host}: ${refusedByPolicy.message}. An administrator can allow the network with SENSOR_ALLOWED_NETWORKS.`,
		);
	}
	const codes = chain.map((e) => (e as NodeJS.ErrnoException).code ?? "");
	if (codes.some((code) => code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT")) {
		return new SensorError(
			ARTIFACTORY_ERRORS.timeLimit,
			`${host} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s.`,
			true,
		);
	}
	const tls = codes.find((code) => TLS_CODES.test(code));
	if (tls) {
		return new SensorError(ARTIFACTORY_ERRORS.unreachable, `The TLS connection to ${host} failed (${tls}).`);
	}
	const code = codes.find((c) => c !== "") ?? chain[0]?.message ?? "unknown error";
	return new SensorError(ARTIFACTORY_ERRORS.unreachable, `Could not reach ${host} (${code}).`, true);
}

/**
 * HTTP to one Artifactory: every connection through the network policy's guarded agent, plain http
 * only to hosts the operator allowed explicitly, the Authorization header only to Artifactory's own
 * origin (a redirect to a CDN or object store gets none), 429/503/408 retried with Retry-After.
 */
export class ArtifactoryClient {
	readonly dispatcher: Dispatcher;
	/** The scan's signal, or close(): downloads still running when the scan stops early are cut off. */
	readonly signal: AbortSignal;
	private readonly closing = new AbortController();
	private readonly checkedHosts = new Map<string, Promise<void>>();

	constructor(
		readonly base: URL,
		private readonly authorization: string,
		private readonly policy: NetworkPolicy,
		signal: AbortSignal,
	) {
		this.signal = AbortSignal.any([signal, this.closing.signal]);
		this.dispatcher = createGuardedAgent(policy, {
			headersTimeout: REQUEST_TIMEOUT_MS,
			bodyTimeout: REQUEST_TIMEOUT_MS,
		});
	}

	/** `base` + `/` + path, where path is already encoded. */
	url(path: string): URL {
		return new URL(`${this.base.href.replace(/\/$/, "")}/${path}`);
	}

	async close(): Promise<void> {
		this.closing.abort(new Error("the Artifactory scan has stopped"));
		await this.dispatcher.close();
	}

	/**
	 * Sends the request, following redirects and retrying what the server asks to be retried; resolves
	 * with a 2xx response whose body the caller must consume, or throws the mapped SensorError.
	 */
	async send(target: URL, options: RequestOptions): Promise<Dispatcher.ResponseData> {
		for (let attempt = 0; ; attempt += 1) {
			const response = await this.follow(target, options);
			if (response.statusCode >= 200 && response.statusCode < 300) return response;
			const detail = jfrogErrorMessage(await readLimited(response.body));
			const status = response.statusCode;
			if (status === 429 || status === 503 || status === 408) {
				if (attempt + 1 < MAX_ATTEMPTS) {
					await sleep(retryAfterMs(response.headers["retry-after"], attempt), undefined, { signal: this.signal });
					continue;
				}
				if (status === 408) {
					throw new SensorError(
						ARTIFACTORY_ERRORS.timeLimit,
						`Artifactory timed out ${options.what} ${MAX_ATTEMPTS} times (408)${detail ? `: ${detail}` : ""}.`,
						true,
					);
				}
				throw new SensorError(
					ARTIFACTORY_ERRORS.rateLimited,
					`Artifactory kept answering ${status} on ${options.what} after ${MAX_ATTEMPTS} attempts${detail ? `: ${detail}` : ""}.`,
					true,
				);
			}
			if (status === 400 && options.badRequestCode) {
				throw new SensorError(
					options.badRequestCode,
					`Artifactory rejected ${options.what} (400)${detail ? `: ${detail}` : ""}.`,
				);
			}
			throw statusFailure(status, options.what, detail);
		}
	}

	private async follow(start: URL, options: RequestOptions): Promise<Dispatcher.ResponseData> {
		let target = start;
		for (let hop = 0; ; hop += 1) {
			await this.checkTransport(target);
			const headers: Record<string, string> = { "user-agent": "sensorium-artifactory-sensor" };
			if (target.origin === this.base.origin) headers.authorization = this.authorization;
			if (options.contentType) headers["content-type"] = options.contentType;
			let response: Dispatcher.ResponseData;
			try {
				response = await request(target, {
					method: options.method ?? "GET",
					headers,
					body: options.body,
					dispatcher: this.dispatcher,
					signal: this.signal,
				});
			} catch (error) {
				throw transportFailure(error, target.host, this.signal);
			}
			const location = response.headers.location;
			if (response.statusCode < 300 || response.statusCode >= 400 || location === undefined) return response;
			await response.body.dump();
			if (hop >= MAX_REDIRECTS) {
				throw new SensorError(ARTIFACTORY_ERRORS.unreachable, `Too many redirects while ${options.what}.`);
			}
			target = new URL(Array.isArray(location) ? (location[0] ?? "") : location, target);
		}
	}

	/** https anywhere the policy allows; plain http only to hosts in networks the operator allowed explicitly. */
	private checkTransport(target: URL): Promise<void> {
		if (target.protocol === "https:") return Promise.resolve();
		const key = `${target.protocol}//${target.hostname}`;
		let check = this.checkedHosts.get(key);
		if (!check) {
			check = this.checkPlainHttp(target);
			this.checkedHosts.set(key, check);
		}
		return check;
	}

	private async checkPlainHttp(target: URL): Promise<void> {
		const refused = new SensorError(
			ARTIFACTORY_ERRORS.unreachable,
			`${target.protocol}//${target.host} is not https: plain http is allowed only to hosts in the networks an administrator listed in SENSOR_ALLOWED_NETWORKS.`,
		);
		if (target.protocol !== "http:") throw refused;
		const hostname = target.hostname.replace(/^\[|\]$/g, "");
		let addresses: string[];
		try {
			addresses =
				isIP(hostname) !== 0 ? [hostname] : (await lookup(hostname, { all: true })).map((entry) => entry.address);
		} catch (error) {
			throw transportFailure(error, target.host, this.signal);
		}
		const explicitlyAllowed = (address: string) => !PUBLIC_ONLY.isAllowed(address) && this.policy.isAllowed(address);
		if (addresses.length === 0 || !addresses.every(explicitlyAllowed)) throw refused;
	}
}
