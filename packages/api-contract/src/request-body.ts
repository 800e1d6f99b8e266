import { OBJECT_ID_PATTERN } from "@sensorium/ids";
import { messages } from "@sensorium/vocabulary";
import { z } from "zod";

/** Any JSON object; anything else gets the body-shape message. */
export const jsonBodyObject = z.custom<Record<string, unknown>>(
	(v) => typeof v === "object" && v !== null && !Array.isArray(v),
	{ message: messages.bodyNotObject },
);

export const objectIdSchema = z.string().regex(OBJECT_ID_PATTERN);

export type Fail = (message: string) => void;

/**
 * A JSON object body checked rule by rule: every field outside `fields` is unexpected, then `rules` run; each
 * broken rule adds its message, so the first one is the reply and all of them are its `errors`.
 */
export function checkedBody(
	fields: readonly string[],
	rules: (body: Record<string, unknown>, fail: Fail) => void,
): z.ZodType<Record<string, unknown>> {
	return jsonBodyObject.check((ctx) => {
		const fail: Fail = (message) => ctx.issues.push({ code: "custom", message, input: ctx.value });
		for (const field of Object.keys(ctx.value)) if (!fields.includes(field)) fail(messages.unexpectedField(field));
		rules(ctx.value, fail);
	});
}

/** The `name` of what a body creates: required, 1 to 200 characters and not only spaces. */
export function checkName(body: Record<string, unknown>, fail: Fail, invalid: string): void {
	if (body.name === undefined) fail(messages.missingField("name"));
	else if (typeof body.name !== "string") fail(messages.invalidType("name", "string"));
	else if (body.name.trim() === "" || body.name.length > 200) fail(invalid);
}
