import { AddressNotAllowedError, createGuardedAgent, type NetworkPolicy } from "@sensorium/network-policy";
import { type Agent, type Dispatcher, request } from "undici";

/**
 * A normal answer is read to the end so its keep-alive connection can be reused; beyond this the
 * connection is dropped rather than downloading whatever the receiver sends.
 */
const MAX_READ_BYTES = 64 * 1024;
const MAX_BODY_CHARS = 4096;

export interface CallbackResponse {
	/** Status 200-299. */
	ok: boolean;
	/** Null when no HTTP answer arrived. */
	status: number | null;
	latencyMs: number;
	/** The first 4096 characters of the response body; best effort (cut off when the body fails or is late). */
	body: string;
	retryAfter: string | null;
	/** Short and safe to store and show: never contains header values, so never a customer's token. */
	error: string | null;
	/**
	 * "ssrf": the address is not allowed by the policy; "dns", "connect", "tls", "timeout": no HTTP
	 * answer; "http": a non-2xx answer, a malformed answer, or a request undici refused to build.
	 */
	errorKind: "ssrf" | "dns" | "connect" | "timeout" | "tls" | "http" | null;
}

export interface CallbackRequest {
	url: string;
	method?: "POST" | "HEAD" | "GET";
	headers: Record<string, string>;
	body?: string;
	/** Covers connecting, the response headers and the response body. */
	timeoutMs: number;
}

export interface CallbackClient {
	/** Never rejects for network problems: they come back as `errorKind` and `error`. */
	send(request: CallbackRequest): Promise<CallbackResponse>;
	/** Closes the keep-alive connections; `send` must not be called afterwards. */
	close(): Promise<void>;
}

/**
 * A client with its own keep-alive connection pool whose connector enforces `policy` on the address
 * each connection actually goes to: IP literals before connecting, host names inside the DNS lookup
 * the socket uses, so DNS rebinding between a check and the connect has nothing to slip through.
 * Redirects are never followed: a 3xx is a failed attempt like any other non-2xx.
 */
export function createCallbackClient(policy: NetworkPolicy): CallbackClient {
	const agent = createGuardedAgent(policy);
	return {
		send: (input) => send(agent, input),
		close: () => agent.close(),
	};
}

/** sendCallback reuses one client per policy; the pool's idle sockets are unref'd and expire on their own. */
const clientsByPolicy = new WeakMap<NetworkPolicy, CallbackClient>();

/** One request through the shared client of `input.policy` (see createCallbackClient). */
export function sendCallback(input: CallbackRequest & { policy: NetworkPolicy }): Promise<CallbackResponse> {
	let client = clientsByPolicy.get(input.policy);
	if (!client) {
		client = createCallbackClient(input.policy);
		clientsByPolicy.set(input.policy, client);
	}
	return client.send(input);
}

async function send(agent: Agent, input: CallbackRequest): Promise<CallbackResponse> {
	const started = performance.now();
	const signal = AbortSignal.timeout(input.timeoutMs);
	const finish = (response: Omit<CallbackResponse, "latencyMs">): CallbackResponse => ({
		...response,
		latencyMs: performance.now() - started,
	});
	let response: Dispatcher.ResponseData;
	try {
		response = await request(input.url, {
			dispatcher: agent,
			method: input.method ?? "POST",
			headers: input.headers,
			body: input.body,
			signal,
			headersTimeout: input.timeoutMs,
			bodyTimeout: input.timeoutMs,
		});
	} catch (error) {
		const failure = describeFailure(error, input, signal);
		return finish({ ok: false, status: null, body: "", retryAfter: null, ...failure });
	}
	const status = response.statusCode;
	const ok = status >= 200 && status <= 299;
	const retryAfter = response.headers["retry-after"];
	return finish({
		ok,
		status,
		body: await readBody(response.body),
		retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null,
		errorKind: ok ? null : "http",
		error: ok ? null : `HTTP ${status}${status >= 300 && status <= 399 ? " (redirects are not followed)" : ""}`,
	});
}

/**
 * Once the status line is in, it is the receiver's answer: a body that breaks off or outlasts the
 * timeout only shortens what is kept, so a 2xx is not retried because of a slow body.
 */
async function readBody(body: Dispatcher.ResponseData["body"]): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	try {
		for await (const chunk of body) {
			chunks.push(chunk);
			size += chunk.length;
			if (size >= MAX_READ_BYTES) break;
		}
	} catch {
		// Keep what arrived; see above.
	}
	const text = Buffer.concat(chunks).subarray(0, MAX_READ_BYTES).toString("utf8");
	if (text.length <= MAX_BODY_CHARS) return text;
	const last = text.charCodeAt(MAX_BODY_CHARS - 1);
	// Do not keep half of a surrogate pair.
	return text.slice(0, last >= 0xd800 && last <= 0xdbff ? MAX_BODY_CHARS - 1 : MAX_BODY_CHARS);
}

const TIMEOUT_CODES = new Set([
	"UND_ERR_CONNECT_TIMEOUT",
	"UND_ERR_HEADERS_TIMEOUT",
	"UND_ERR_BODY_TIMEOUT",
	"ETIMEDOUT",
]);
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME"]);
const TLS_CODES = new Set([
	"EPROTO",
	"DEPTH_ZERO_SELF_SIGNED_CERT",
	"SELF_SIGNED_CERT_IN_CHAIN",
	"UNABLE_TO_VERIFY_LEAF_SIGNATURE",
	"UNABLE_TO_GET_ISSUER_CERT",
	"UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
	"HOSTNAME_MISMATCH",
]);

/** Messages are built from error codes only: undici's own messages may quote header names or values. */
function describeFailure(
	error: unknown,
	input: CallbackRequest,
	signal: AbortSignal,
): { errorKind: NonNullable<CallbackResponse["errorKind"]>; error: string } {
	if (error instanceof AddressNotAllowedError) return { errorKind: "ssrf", error: error.message };
	const code = errorCode(error);
	if (signal.aborted || TIMEOUT_CODES.has(code)) {
		return { errorKind: "timeout", error: `no answer within ${input.timeoutMs} ms` };
	}
	if (DNS_CODES.has(code)) return { errorKind: "dns", error: `DNS lookup of ${hostOf(input.url)} failed (${code})` };
	if (TLS_CODES.has(code) || /^(ERR_TLS_|ERR_SSL_|CERT_)/.test(code)) {
		return { errorKind: "tls", error: `TLS handshake failed (${code})` };
	}
	if (code.startsWith("HPE_")) return { errorKind: "http", error: `invalid HTTP response (${code})` };
	if (code === "UND_ERR_INVALID_ARG" || code === "ERR_INVALID_URL") {
		return { errorKind: "http", error: "request not sent: invalid URL, method or header" };
	}
	if (code === "ECONNREFUSED") return { errorKind: "connect", error: "connection refused" };
	return { errorKind: "connect", error: `connection failed (${code})` };
}

/** Node reports a failed multi-address connect as an AggregateError carrying the codes of its parts. */
function errorCode(error: unknown): string {
	if (!(error instanceof Error)) return "unknown error";
	const { code, errors } = error as Error & { code?: unknown; errors?: unknown[] };
	if (typeof code === "string") return code;
	const first = errors?.[0];
	return first instanceof Error ? errorCode(first) : error.name;
}

function hostOf(url: string): string {
	return URL.canParse(url) ? new URL(url).hostname : "the callback host";
}
