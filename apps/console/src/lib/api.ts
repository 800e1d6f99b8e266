import type {
	AccessToken,
	CallbackEndpoint,
	Delivery,
	DiagnosticsPage,
	Execution,
	ExecutionFilter,
	ExecutionPage,
	FindingExport,
	FindingPage,
	IssuedToken,
	NewCallbackRequest,
	NewTokenRequest,
	RegisteredCallback,
	Sensor,
	Session,
} from "./types.ts";

export const UNREACHABLE_MESSAGE = "Cannot reach the Sensorium API. Check your connection and try again.";

/** A failed request: the API's `message`, and every problem it listed (`errors`, else the message alone). */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
		readonly problems: string[] = [message],
	) {
		super(message);
		this.name = "ApiError";
	}
}

/** The API's error body `{status:"failed", message, errors?}`, or a plain description when a proxy answered instead. */
export function failureOf(status: number, statusText: string, body: unknown): ApiError {
	if (body && typeof body === "object" && typeof (body as { message?: unknown }).message === "string") {
		const { message, errors } = body as { message: string; errors?: unknown };
		const problems = Array.isArray(errors) && errors.every((e) => typeof e === "string") ? errors : [message];
		return new ApiError(status, message, problems);
	}
	return new ApiError(status, `The API answered ${status}${statusText ? ` ${statusText}` : ""}.`);
}

export interface ApiClientOptions {
	/** Origin and path prefix of the API; empty for the same origin, which is how the console is deployed. */
	baseUrl?: string;
	fetch?: typeof fetch;
	/** Called when an authenticated request is refused with 401: the session expired or was ended elsewhere. */
	onUnauthorized?: () => void;
}

const SESSION_PATH = "/v3/session";

function query(params: Record<string, string | number | undefined>): string {
	const search = new URLSearchParams();
	for (const [key, value] of Object.entries(params))
		if (value !== undefined && value !== "") search.set(key, String(value));
	const text = search.toString();
	return text ? `?${text}` : "";
}

/**
 * The console's only way to the server: same-origin requests with the session cookie, and the
 * session's CSRF token on every state-changing request (the API refuses them without it).
 */
export class ApiClient {
	private csrfToken: string | null = null;
	private readonly baseUrl: string;
	private readonly fetchImpl: typeof fetch;
	private readonly onUnauthorized: () => void;

	constructor(options: ApiClientOptions = {}) {
		this.baseUrl = options.baseUrl ?? "";
		this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
		this.onUnauthorized = options.onUnauthorized ?? (() => {});
	}

	private async send(method: string, path: string, body?: unknown): Promise<Response> {
		const headers: Record<string, string> = { accept: "application/json" };
		if (body !== undefined) headers["content-type"] = "application/json";
		if (method !== "GET" && method !== "HEAD" && this.csrfToken) headers["x-csrf-token"] = this.csrfToken;
		try {
			return await this.fetchImpl(`${this.baseUrl}${path}`, {
				method,
				headers,
				credentials: "same-origin",
				body: body === undefined ? undefined : JSON.stringify(body),
			});
		} catch {
			throw new ApiError(0, UNREACHABLE_MESSAGE);
		}
	}

	private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
		const response = await this.send(method, path, body);
		const parsed: unknown = await response.json().catch(() => null);
		if (response.ok) return parsed as T;
		// A 401 on the session routes is an answer (not signed in, wrong password), not an expiry.
		if (response.status === 401 && path !== SESSION_PATH) {
			this.csrfToken = null;
			this.onUnauthorized();
		}
		throw failureOf(response.status, response.statusText, parsed);
	}

	private remember(session: Session): Session {
		this.csrfToken = session.csrfToken;
		return { user: session.user, csrfToken: session.csrfToken };
	}

	/** The current session, or null when the browser has none. */
	async getSession(): Promise<Session | null> {
		try {
			return this.remember(await this.request<Session>("GET", SESSION_PATH));
		} catch (error) {
			if (error instanceof ApiError && error.status === 401) return null;
			throw error;
		}
	}

	async signIn(email: string, password: string): Promise<Session> {
		return this.remember(await this.request<Session>("POST", SESSION_PATH, { email, password }));
	}

	async signOut(): Promise<void> {
		try {
			await this.request("DELETE", SESSION_PATH);
		} finally {
			this.csrfToken = null;
		}
	}

	async listTokens(): Promise<AccessToken[]> {
		return (await this.request<{ tokens: AccessToken[] }>("GET", "/v3/tokens")).tokens;
	}

	createToken(request: NewTokenRequest): Promise<IssuedToken> {
		return this.request("POST", "/v3/tokens", request);
	}

	async revokeToken(tokenId: string): Promise<void> {
		await this.request("DELETE", `/v3/tokens/${encodeURIComponent(tokenId)}`);
	}

	async listCallbacks(): Promise<CallbackEndpoint[]> {
		return (await this.request<{ callbacks: CallbackEndpoint[] }>("GET", "/v3/callbacks")).callbacks;
	}

	registerCallback(request: NewCallbackRequest): Promise<RegisteredCallback> {
		return this.request("POST", "/v3/callbacks", request);
	}

	async rotateCallbackToken(callbackId: string, tokenValue: string): Promise<void> {
		await this.request("POST", `/v3/callbacks/${encodeURIComponent(callbackId)}/rotate-token`, { tokenValue });
	}

	async deleteCallback(callbackId: string): Promise<void> {
		await this.request("DELETE", `/v3/callbacks/${encodeURIComponent(callbackId)}`);
	}

	listExecutions(filter: ExecutionFilter = {}): Promise<ExecutionPage> {
		return this.request("GET", `/v3/executions${query({ ...filter })}`);
	}

	async listSensors(): Promise<Sensor[]> {
		return (await this.request<{ sensors: Sensor[] }>("GET", "/v3/sensors")).sensors;
	}

	getExecution(executionId: string): Promise<Execution> {
		return this.request("GET", `/v3/scan/${encodeURIComponent(executionId)}`);
	}

	listFindings(
		executionId: string,
		filter: { type?: string; limit?: number; cursor?: string } = {},
	): Promise<FindingPage> {
		return this.request("GET", `/v3/scan/${encodeURIComponent(executionId)}/findings${query(filter)}`);
	}

	async listDeliveries(executionId: string): Promise<Delivery[]> {
		const path = `/v3/scan/${encodeURIComponent(executionId)}/callbacks`;
		return (await this.request<{ deliveries: Delivery[] }>("GET", path)).deliveries;
	}

	listDiagnostics(executionId: string, cursor: string | null = null): Promise<DiagnosticsPage> {
		const query = new URLSearchParams({ limit: "100" });
		if (cursor) query.set("cursor", cursor);
		return this.request("GET", `/v3/scan/${encodeURIComponent(executionId)}/diagnostics?${query}`);
	}

	getExport(executionId: string): Promise<FindingExport> {
		return this.request("GET", `/v3/scan/${encodeURIComponent(executionId)}/export`);
	}

	cbomUrl(executionId: string): string {
		return `${this.baseUrl}/v3/scan/${encodeURIComponent(executionId)}/cbom`;
	}

	/** Whether this API can produce the execution's CBOM (older or trimmed deployments answer 404). */
	async cbomAvailable(executionId: string): Promise<boolean> {
		const response = await this.send("HEAD", `/v3/scan/${encodeURIComponent(executionId)}/cbom`);
		return response.ok;
	}

	async runAgain(sensorId: string): Promise<string> {
		return (await this.request<{ executionId: string }>("POST", "/v3/scan/execute", { sensorId })).executionId;
	}
}
