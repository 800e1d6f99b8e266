/**
 * Domain errors: the closed set of failures the packages report. Only apps/api maps them to HTTP.
 * `message` is what the client sees, so it must never carry secrets.
 */
export type DomainErrorKind = "validation" | "unauthorized" | "forbidden" | "not_found" | "conflict" | "unavailable";

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
export const unavailable = (message: string, cause?: unknown) => new DomainError("unavailable", message, { cause });

export function isDomainError(error: unknown): error is DomainError {
	return error instanceof DomainError;
}
