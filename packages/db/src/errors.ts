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
