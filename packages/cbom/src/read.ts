/**
 * Finding attributes come from stored documents whose producers keep evolving, so every read checks the type
 * and answers undefined rather than throwing: what cannot be read is left out of the CBOM.
 */

export type Attributes = Readonly<Record<string, unknown>>;

export function record(value: unknown): Attributes | undefined {
	return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Attributes) : undefined;
}

export function text(value: unknown): string | undefined {
	return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** Non-negative integers, also when a producer wrote them as a decimal string. */
export function count(value: unknown): number | undefined {
	const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
	return typeof number === "number" && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

export function flag(value: unknown): boolean | undefined {
	return typeof value === "boolean" ? value : undefined;
}

export function list(value: unknown): readonly unknown[] {
	return Array.isArray(value) ? value : [];
}

/** RFC 3339 in UTC, which is what the schema's `date-time` format accepts; undefined for anything unparsable. */
export function isoDate(value: unknown): string | undefined {
	if (typeof value !== "string") return undefined;
	const date = new Date(value);
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Scalars as property values; objects and arrays are not flattened into strings. */
export function scalar(value: unknown): string | undefined {
	if (typeof value === "string") return text(value);
	if (typeof value === "number" || typeof value === "boolean") return String(value);
	return undefined;
}
