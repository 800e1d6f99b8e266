import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type { Dispatcher } from "undici";
import { request } from "undici";
import { SensorError } from "../sensor.ts";
import { CONTAINER_ERRORS, statusFailure } from "./container-errors.ts";

/** Attempts of one request answered 429 or 503 before the image is given up. */
export const MAX_ATTEMPTS = 4;
const BACKOFF_BASE_MS = 250;
/** A Retry-After longer than this is shortened: the execution's time limit bounds the whole scan anyway. */
export const MAX_RETRY_WAIT_MS = 30_000;
const MAX_REDIRECTS = 5;
const ERROR_BODY_LIMIT = 16 * 1024;
const TOKEN_BODY_LIMIT = 64 * 1024;
/** A token is renewed this long before it expires, so it does not lapse between the check and the request. */
const TOKEN_MARGIN_MS = 10_000;
const TLS_CODES = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|ERR_SSL_)/;

export interface RegistryCredentials {
	username?: string | undefined;
	password?: string | undefined;
	/** A registry bearer token, sent as it is. */
	token?: string | undefined;
}

export interface Challenge {
	scheme: string;
	params: Record<string, string>;
}

/** `Bearer realm="…",service="…"`, or null when the header is absent or not one challenge we understand. */
export function parseChallenge(header: string | string[] | undefined): Challenge | null {
	const value = Array.isArray(header) ? header[0] : header;
	if (!value) return null;
	const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(value);
	if (!match) return null;
	const params: Record<string, string> = {};
	const pattern = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
	for (let param = pattern.exec(match[2] ?? ""); param !== null; param = pattern.exec(match[2] ?? "")) {
		params[(param[1] as string).toLowerCase()] = (param[2] ?? param[3] ?? "").replace(/\\(.)/g, "$1");
	}
	return { scheme: (match[1] as string).toLowerCase(), params };
}

function retryAfterMs(header: string | string[] | undefined, attempt: number, maxMs: number): number {
	const value = Array.isArray(header) ? header[0] : header;
	if (value !== undefined && value.trim() !== "") {
		const seconds = Number(value);
		const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
		if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), maxMs);
	}
	return Math.min(BACKOFF_BASE_MS * 2 ** attempt * (0.8 + Math.random() * 0.4), maxMs);
}

/** The body as text, or null when it is longer than `limit` bytes (the rest is not read). */
async function readText(body: Dispatcher.ResponseData["body"], limit: number): Promise<string | null> {
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

function causeChain(error: unknown): Error[] {
	const chain: Error[] = [];
	for (let current = error; current instanceof Error && chain.length < 5; current = current.cause) chain.push(current);
	return chain;
}

/** Turns a failure to get any answer (DNS, refused, TLS, network policy, timeout) into CONTAINER-1001. */
function transportFailure(error: unknown, host: string, signal: AbortSignal): unknown {
	if (signal.aborted) return signal.reason;
	const chain = causeChain(error);
	const refusedByPolicy = chain.find((e) => e.name === "AddressNotAllowedError");
	if (refusedByPolicy) {
		return new SensorError(
			CONTAINER_ERRORS.unreachable,
			`The worker may not connect to ${host}: ${refusedByPolicy.message}. An administrator can allow the network with SENSOR_ALLOWED_NETWORKS.`,
		);
	}
	const codes = chain.map((e) => (e as NodeJS.ErrnoException).code ?? "");
	const tls = codes.find((code) => TLS_CODES.test(code));
	if (tls) {
		return new SensorError(
			CONTAINER_ERRORS.unreachable,
			`The TLS connection to ${host} failed (${tls}). A registry without https must be listed in insecure_registries.`,
		);
	}
	const code = codes.find((c) => c !== "") ?? chain[0]?.message ?? "unknown error";
	return new SensorError(CONTAINER_ERRORS.unreachable, `Could not reach the registry ${host} (${code}).`, true);
}

export interface SendOptions {
	method?: "GET" | "HEAD";
	accept?: string;
	/** The repository the request reads: the bearer token's scope is `repository:<name>:pull`. */
	repository: string;
	/** What the request is for, in error messages ("the manifest of alpine:3.20"). */
	what: string;
}

/**
 * The OCI Distribution API of one registry: `GET /v2/` to learn its challenge, Basic credentials or
 * bearer tokens from the realm it names (anonymous without credentials; cached per scope until they
 * expire; a 401 fetches a fresh one once), 429/503 retried with Retry-After, redirects followed with
 * `Authorization` only to the registry's own origin. Every connection goes through `dispatcher`, the
 * network policy's guarded agent.
 */
export class RegistryClient {
	readonly origin: string;
	private challenge: Challenge | null = null;
	private pinged: Promise<void> | null = null;
	private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

	constructor(
		readonly host: string,
		private readonly insecureHosts: ReadonlySet<string>,
		private readonly credentials: RegistryCredentials,
		private readonly dispatcher: Dispatcher,
		private readonly signal: AbortSignal,
		private readonly maxRetryWaitMs = MAX_RETRY_WAIT_MS,
	) {
		this.origin = `${insecureHosts.has(host) ? "http" : "https"}://${host}`;
	}

	/** `GET /v2/`, once: 200 needs no credentials, 401 names the scheme and realm to use. */
	ping(): Promise<void> {
		this.pinged ??= (async () => {
			const response = await this.follow(new URL(`${this.origin}/v2/`), "GET", {}, "checking the registry API");
			const body = (await readText(response.body, ERROR_BODY_LIMIT)) ?? "";
			if (response.statusCode === 401) {
				this.challenge = parseChallenge(response.headers["www-authenticate"]);
				return;
			}
			if (response.statusCode >= 200 && response.statusCode < 300) return;
			if (response.statusCode === 404) {
				throw new SensorError(
					CONTAINER_ERRORS.unreachable,
					`${this.host} does not serve the registry API (GET /v2/ answered 404).`,
				);
			}
			throw statusFailure(response.statusCode, "checking the registry API", body);
		})();
		return this.pinged;
	}

	/** A 2xx response whose body the caller must consume, or the mapped SensorError. */
	async send(path: string, options: SendOptions): Promise<Dispatcher.ResponseData> {
		await this.ping();
		let renewed = false;
		for (let attempt = 0; ; ) {
			const headers: Record<string, string> = {};
			if (options.accept) headers.accept = options.accept;
			const authorization = await this.authorization(options.repository, options.what);
			if (authorization) headers.authorization = authorization;
			const response = await this.follow(
				new URL(`${this.origin}${path}`),
				options.method ?? "GET",
				headers,
				options.what,
			);
			const status = response.statusCode;
			if (status >= 200 && status < 300) return response;
			const body = (await readText(response.body, ERROR_BODY_LIMIT)) ?? "";
			if (status === 401 && !renewed && this.credentials.token === undefined) {
				// The token expired or lacks the scope, or the registry now asks for another scheme: once more.
				renewed = true;
				this.challenge = parseChallenge(response.headers["www-authenticate"]) ?? this.challenge;
				this.tokens.delete(options.repository);
				continue;
			}
			if (
				status === 401 &&
				parseChallenge(response.headers["www-authenticate"])?.params.error === "insufficient_scope"
			) {
				// The token server issued a token without pull access: the user is known but not allowed.
				throw statusFailure(403, options.what, body);
			}
			if (status === 429 || status === 503) {
				attempt += 1;
				if (attempt < MAX_ATTEMPTS) {
					const wait = retryAfterMs(response.headers["retry-after"], attempt, this.maxRetryWaitMs);
					await sleep(wait, undefined, { signal: this.signal });
					continue;
				}
				if (status === 429) {
					throw new SensorError(
						CONTAINER_ERRORS.rateLimited,
						`The registry ${this.host} kept answering 429 (too many requests) on ${options.what} after ${MAX_ATTEMPTS} attempts.`,
						true,
					);
				}
			}
			throw statusFailure(status, options.what, body);
		}
	}

	/**
	 * Streams a blob to `file` through SHA-256, never writing more than the manifest's size for it.
	 * A mismatch is retried once, since a broken connection or proxy can garble one transfer.
	 */
	async downloadBlob(
		repository: string,
		descriptor: { digest: string; size: number },
		file: string,
		what: string,
	): Promise<void> {
		for (let attempt = 1; ; attempt += 1) {
			const problem = await this.downloadOnce(repository, descriptor, file, what).catch(async (error: unknown) => {
				await rm(file, { force: true });
				throw error;
			});
			if (problem === null) return;
			await rm(file, { force: true });
			if (attempt >= 2) {
				throw new SensorError(
					CONTAINER_ERRORS.digestMismatch,
					`${what} does not match its digest ${descriptor.digest} (${problem}), twice: the blob is corrupt in the registry's storage or altered in transit.`,
				);
			}
		}
	}

	private async downloadOnce(
		repository: string,
		descriptor: { digest: string; size: number },
		file: string,
		what: string,
	): Promise<string | null> {
		const response = await this.send(`/v2/${repository}/blobs/${descriptor.digest}`, { repository, what });
		const hash = createHash("sha256");
		let received = 0;
		const meter = new Transform({
			transform(chunk: Buffer, _encoding, done) {
				received += chunk.length;
				if (received > descriptor.size) {
					done(new SensorError(CONTAINER_ERRORS.digestMismatch, `${what} is larger than its manifest says.`));
					return;
				}
				hash.update(chunk);
				done(null, chunk);
			},
		});
		try {
			await pipeline(response.body, meter, createWriteStream(file, { flags: "wx", mode: 0o600 }), {
				signal: this.signal,
			});
		} catch (error) {
			if (this.signal.aborted) throw this.signal.reason;
			if (error instanceof SensorError) return `more than ${descriptor.size} bytes`;
			if ((error as NodeJS.ErrnoException).code === "ENOSPC") {
				throw new SensorError(
					CONTAINER_ERRORS.sizeExceeded,
					`The worker's scratch disk is full while downloading ${what}; lower max_image_size_mb or give WORKER_TMP_DIR more room.`,
					true,
				);
			}
			throw new SensorError(
				CONTAINER_ERRORS.unreachable,
				`The download of ${what} broke off after ${received} bytes.`,
				true,
			);
		}
		if (received !== descriptor.size) return `${received} of ${descriptor.size} bytes`;
		if (`sha256:${hash.digest("hex")}` !== descriptor.digest) return "SHA-256";
		return null;
	}

	private async authorization(repository: string, what: string): Promise<string | undefined> {
		const { username, password, token } = this.credentials;
		if (token !== undefined) return `Bearer ${token}`;
		if (this.challenge?.scheme === "basic") {
			if (username === undefined || password === undefined) {
				throw new SensorError(
					CONTAINER_ERRORS.unauthorized,
					`The registry ${this.host} asks for a username and password (Basic) on ${what}; none are configured.`,
				);
			}
			return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
		}
		if (this.challenge?.scheme !== "bearer") return undefined;
		const cached = this.tokens.get(repository);
		if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
		const fresh = await this.fetchToken(this.challenge, repository, what);
		this.tokens.set(repository, fresh);
		return `Bearer ${fresh.token}`;
	}

	/** The token endpoint the challenge names, with Basic credentials when configured, anonymous otherwise. */
	private async fetchToken(
		challenge: Challenge,
		repository: string,
		what: string,
	): Promise<{ token: string; expiresAt: number }> {
		let realm: URL;
		try {
			realm = new URL(challenge.params.realm ?? "");
		} catch {
			throw new SensorError(CONTAINER_ERRORS.unreachable, `The registry ${this.host} names no valid token realm.`);
		}
		if (realm.protocol !== "https:" && !(realm.protocol === "http:" && this.insecureHosts.has(realm.host))) {
			throw new SensorError(
				CONTAINER_ERRORS.unreachable,
				`The token realm ${realm.origin} is not https; list its host in insecure_registries to allow plain http.`,
			);
		}
		if (challenge.params.service) realm.searchParams.set("service", challenge.params.service);
		realm.searchParams.set("scope", `repository:${repository}:pull`);
		const headers: Record<string, string> = {};
		const { username, password } = this.credentials;
		if (username !== undefined && password !== undefined) {
			headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
		}
		const issuedAt = Date.now();
		const response = await this.follow(realm, "GET", headers, `getting a token for ${what}`);
		const text = (await readText(response.body, TOKEN_BODY_LIMIT)) ?? "";
		if (response.statusCode < 200 || response.statusCode >= 300) {
			throw statusFailure(response.statusCode, `getting a token for ${what}`, text);
		}
		let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
		try {
			parsed = JSON.parse(text) as typeof parsed;
		} catch {
			throw new SensorError(CONTAINER_ERRORS.unreachable, `The token endpoint of ${this.host} answered no JSON.`);
		}
		const token = typeof parsed.token === "string" ? parsed.token : parsed.access_token;
		if (typeof token !== "string" || token === "") {
			throw new SensorError(CONTAINER_ERRORS.unreachable, `The token endpoint of ${this.host} answered no token.`);
		}
		// The spec's default lifetime is 60 s, and a shorter one is read as 60 s.
		const seconds = typeof parsed.expires_in === "number" && parsed.expires_in > 60 ? parsed.expires_in : 60;
		return { token, expiresAt: issuedAt + seconds * 1000 - TOKEN_MARGIN_MS };
	}

	/** One request, following redirects; `Authorization` goes only to the origin it was meant for. */
	private async follow(
		start: URL,
		method: "GET" | "HEAD",
		headers: Record<string, string>,
		what: string,
	): Promise<Dispatcher.ResponseData> {
		let target = start;
		for (let hop = 0; ; hop += 1) {
			const sent: Record<string, string> = { ...headers, "user-agent": "sensorium-container-sensor" };
			if (target.origin !== start.origin) delete sent.authorization;
			let response: Dispatcher.ResponseData;
			try {
				response = await request(target, { method, headers: sent, dispatcher: this.dispatcher, signal: this.signal });
			} catch (error) {
				throw transportFailure(error, target.host, this.signal);
			}
			const location = response.headers.location;
			if (response.statusCode < 300 || response.statusCode >= 400 || location === undefined) return response;
			await response.body.dump();
			if (hop >= MAX_REDIRECTS) {
				throw new SensorError(CONTAINER_ERRORS.unreachable, `Too many redirects on ${what}.`);
			}
			target = new URL(Array.isArray(location) ? (location[0] ?? "") : location, target);
			if (target.protocol !== "https:" && !(target.protocol === "http:" && this.insecureHosts.has(target.host))) {
				throw new SensorError(
					CONTAINER_ERRORS.unreachable,
					`${what} redirects to ${target.origin}, which is not https and not in insecure_registries.`,
				);
			}
		}
	}
}
