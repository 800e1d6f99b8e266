/**
 * Whether a Postgres unique-constraint violation (23505) caused this error, optionally of one
 * constraint. Drizzle wraps driver errors, so the cause chain is followed.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
	let current: unknown = error;
	while (current && typeof current === "object") {
		const pgError = current as { code?: string; constraint?: string };
		if (pgError.code === "23505" && (constraint === undefined || pgError.constraint === constraint)) return true;
		current = (current as { cause?: unknown }).cause;
	}
	return false;
}

/**
 * Postgres refused text it cannot store (22021: a NUL byte or invalid UTF-8; 22P05: a character with no
 * equivalent in the encoding), anywhere in the cause chain: the request was wrong, not the server.
 */
export function isUnstorableText(error: unknown): boolean {
	let current: unknown = error;
	for (let depth = 0; current && typeof current === "object" && depth < 10; depth++) {
		const { code } = current as { code?: unknown };
		if (code === "22021" || code === "22P05") return true;
		current = (current as { cause?: unknown }).cause;
	}
	return false;
}

/** Connection-level failures, as opposed to a query Postgres refused: the database is away, not the request wrong. */
const UNAVAILABLE_CODES = new Set([
	"ECONNREFUSED",
	"ECONNRESET",
	"EPIPE",
	"ETIMEDOUT",
	"EHOSTUNREACH",
	"ENOTFOUND",
	"EAI_AGAIN",
	// admin_shutdown, crash_shutdown, cannot_connect_now (starting up or shutting down), too_many_connections
	"57P01",
	"57P02",
	"57P03",
	"53300",
]);

const UNAVAILABLE_MESSAGES = [
	"Connection terminated",
	"timeout exceeded when trying to connect",
	"Client has encountered a connection error and is not queryable",
	"Cannot use a pool after calling end on the pool",
];

/**
 * Whether Postgres could not be reached or dropped the connection (restart, failover, network),
 * anywhere in the cause chain: callers answer "try again later" instead of reporting a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
	let current: unknown = error;
	for (let depth = 0; current && typeof current === "object" && depth < 10; depth++) {
		const { code, message } = current as { code?: unknown; message?: unknown };
		if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
		if (typeof message === "string" && UNAVAILABLE_MESSAGES.some((text) => message.includes(text))) return true;
		const aggregate = (current as { errors?: unknown }).errors;
		if (Array.isArray(aggregate) && aggregate.some(isDatabaseUnavailable)) return true;
		current = (current as { cause?: unknown }).cause;
	}
	return false;
}
