/**
 * Puts the API's validation messages next to the form fields they are about. The API names the
 * field at the start of each message ("Missing required field: name.", "Invalid value for url: …");
 * messages about something else (reachability, unexpected fields) go to the field a rule names, or
 * stay with the form.
 */
export interface SortedErrors<F extends string> {
	fields: Partial<Record<F, string[]>>;
	form: string[];
}

export interface FieldRule<F extends string> {
	pattern: RegExp;
	field: F;
}

const FIELD_IN_MESSAGE = /^(?:Missing required field: |Invalid (?:value|type|input|format) for )([A-Za-z]+)\b/;

/** The request field a message names, if it names one. */
export function fieldOf(message: string): string | null {
	return FIELD_IN_MESSAGE.exec(message)?.[1] ?? null;
}

export function sortErrors<F extends string>(
	problems: readonly string[],
	fields: readonly F[],
	rules: readonly FieldRule<F>[] = [],
): SortedErrors<F> {
	const sorted: SortedErrors<F> = { fields: {}, form: [] };
	for (const problem of problems) {
		const named = fieldOf(problem);
		const field =
			fields.find((f) => f === named) ?? rules.find((rule) => rule.pattern.test(problem))?.field ?? undefined;
		if (field === undefined) sorted.form.push(problem);
		else sorted.fields[field] = [...(sorted.fields[field] ?? []), problem];
	}
	return sorted;
}

export const TOKEN_FIELDS = ["name", "description", "type", "expiresInDays"] as const;
export type TokenField = (typeof TOKEN_FIELDS)[number];

export const CALLBACK_FIELDS = ["name", "url", "authType", "headerName", "tokenValue"] as const;
export type CallbackField = (typeof CALLBACK_FIELDS)[number];

/** Registration probes the URL: both of its refusals are about what was typed in the URL field. */
export const CALLBACK_RULES: readonly FieldRule<CallbackField>[] = [
	{ pattern: /^Callback URL is not (?:reachable|allowed)\b/, field: "url" },
];
