/** The console's screens; paths are relative to where it is served (/console/). */
export type Route =
	| { name: "scans" }
	| { name: "execution"; executionId: string }
	| { name: "tokens" }
	| { name: "callbacks" }
	| { name: "not-found" };

export const paths = {
	scans: "/scans",
	execution: (executionId: string) => `/scans/${encodeURIComponent(executionId)}`,
	tokens: "/settings/tokens",
	callbacks: "/settings/callbacks",
};

export function parseRoute(path: string): Route {
	const clean = path.replace(/\/+$/, "") || "/";
	if (clean === "/" || clean === paths.scans) return { name: "scans" };
	if (clean === paths.tokens) return { name: "tokens" };
	if (clean === paths.callbacks) return { name: "callbacks" };
	const execution = /^\/scans\/([^/]+)$/.exec(clean);
	if (execution?.[1]) {
		try {
			return { name: "execution", executionId: decodeURIComponent(execution[1]) };
		} catch {
			return { name: "not-found" };
		}
	}
	return { name: "not-found" };
}

/** The part of a browser path below the console's base ("/console/scans" → "/scans"). */
export function stripBase(pathname: string, base: string): string {
	const prefix = base.replace(/\/+$/, "");
	if (prefix && (pathname === prefix || pathname.startsWith(`${prefix}/`))) return pathname.slice(prefix.length) || "/";
	return pathname;
}

export function withBase(path: string, base: string): string {
	return `${base.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`;
}

export function routeTitle(route: Route): string {
	switch (route.name) {
		case "scans":
			return "Scans";
		case "execution":
			return "Scan";
		case "tokens":
			return "Access Tokens";
		case "callbacks":
			return "Callback Endpoints";
		case "not-found":
			return "Page not found";
	}
}

/** Admin-only screens: the API refuses their data to other users, so the console does not offer them. */
export function needsAdmin(route: Route): boolean {
	return route.name === "tokens" || route.name === "callbacks";
}
