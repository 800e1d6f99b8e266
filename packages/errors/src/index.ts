/**
 * Domain errors: the closed set of failures the packages report. Only apps/api maps them to HTTP.
 * `message` is what the client sees, so it must never carry secrets.
 */
export type DomainErrorKind =
	| "validation"
	| "unauthorized"
	| "forbidden"
	| "not_found"
	| "conflict"
	| "too_many"
	| "unavailable";

export class DomainError extends Error {
	constructor(
		readonly kind: DomainErrorKind,
		message: string,
		options?: { cause?: unknown },
	) {
		super(message, options);
		this.name = "DomainError";
	}
}

export const validationError = (message: string) => new DomainError("validation", message);
export const unauthorized = (message = "Unauthorized access.") => new DomainError("unauthorized", message);
export const forbidden = (message: string) => new DomainError("forbidden", message);
export const notFound = (message: string) => new DomainError("not_found", message);
export const conflict = (message: string) => new DomainError("conflict", message);
/** A limit of the caller's (queued scans, request rate) is reached: retry later. */
export const tooMany = (message: string) => new DomainError("too_many", message);
export const unavailable = (message: string, cause?: unknown) => new DomainError("unavailable", message, { cause });

export function isDomainError(error: unknown): error is DomainError {
	return error instanceof DomainError;
}

const MAX_MESSAGE_CHARS = 200;

/**
 * What to record of an unexpected error where users can read it (scan diagnostics): its class and a short
 * message. Quoted parts are cut because some errors quote the input they choked on (JSON.parse, decoders),
 * so no file content, and so no secret, gets through; what is left is bounded.
 */
export function describeError(error: unknown): { errorClass: string; message: string } {
	const errorClass = error instanceof Error ? error.constructor?.name || error.name || "Error" : typeof error;
	const raw = error instanceof Error ? error.message : String(error);
	const message = raw
		.replace(/"[^"\n]*"/g, '"…"')
		.replace(/'[^'\n]*'/g, "'…'")
		.replace(/\s+/g, " ")
		.trim();
	return {
		errorClass,
		message: message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message,
	};
}
