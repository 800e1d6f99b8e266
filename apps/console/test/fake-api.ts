/** A stand-in for the API in component tests: answers by method and path, and records every request. */
export interface Recorded {
	method: string;
	path: string;
	query: URLSearchParams;
	headers: Record<string, string>;
	body: unknown;
}

export interface Answer {
	status?: number;
	body?: unknown;
}

type Handler = (request: Recorded) => Answer | Promise<Answer>;

export interface FakeApi {
	fetch: typeof fetch;
	requests: Recorded[];
	/** Answers `METHOD /path` (no query); a later `on` for the same route replaces the earlier one. */
	on(route: string, answer: Answer | Handler): FakeApi;
	sent(route: string): Recorded[];
}

export const ADMIN = {
	userId: "u1",
	email: "admin@acme.example",
	role: "admin",
	orgId: "o1",
	orgName: "Acme",
} as const;

export const USER = { ...ADMIN, userId: "u2", email: "dev@acme.example", role: "user" } as const;

export function fakeApi(): FakeApi {
	const routes = new Map<string, Handler>();
	const requests: Recorded[] = [];
	const api: FakeApi = {
		requests,
		on(route, answer) {
			routes.set(route, typeof answer === "function" ? answer : () => answer);
			return api;
		},
		sent: (route) => requests.filter((request) => `${request.method} ${request.path}` === route),
		fetch: async (input, init = {}) => {
			const url = new URL(String(input), "http://console.test");
			const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>));
			const recorded: Recorded = {
				method: init.method ?? "GET",
				path: url.pathname,
				query: url.searchParams,
				headers,
				body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
			};
			requests.push(recorded);
			const handler = routes.get(`${recorded.method} ${recorded.path}`);
			const answer = handler
				? await handler(recorded)
				: { status: 404, body: { status: "failed", message: "Not found." } };
			return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
				status: answer.status ?? 200,
				headers: { "content-type": "application/json" },
			});
		},
	};
	return api;
}

/** A signed-in session for `user`, with the CSRF token the console must send back. */
export function signedIn(api: FakeApi, user: typeof ADMIN | typeof USER = ADMIN): FakeApi {
	return api.on("GET /v3/session", { body: { status: "successful", user, csrfToken: "csrf-1" } });
}
