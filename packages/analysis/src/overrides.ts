import { z } from "zod";
import { RULE_DEFINITIONS } from "./rules.ts";
import { type RuleOverride, SEVERITIES } from "./types.ts";

/** A rule override that cannot be applied; `entry` is the 0-based index of the offending array entry. */
export class RuleOverrideError extends Error {
	constructor(
		message: string,
		readonly entry?: number,
	) {
		super(message);
		this.name = "RuleOverrideError";
	}
}

const RULE_IDS: readonly string[] = RULE_DEFINITIONS.map((rule) => rule.id);

const overrideSchema = z
	.strictObject({
		id: z.string().min(1),
		priority: z.enum(SEVERITIES).optional(),
		enabled: z.boolean().optional(),
	})
	.refine((entry) => entry.priority !== undefined || entry.enabled !== undefined, {
		message: "changes nothing: set priority and/or enabled",
	});

function label(entry: unknown, index: number): string {
	const id = typeof entry === "object" && entry !== null && "id" in entry ? entry.id : undefined;
	return `rule override #${index + 1}${typeof id === "string" ? ` ("${id}")` : ""}`;
}

/** Checks ids against the rule table, and that no rule is overridden twice (which would make order matter). */
export function checkOverrides(overrides: readonly RuleOverride[]): void {
	const seen = new Set<string>();
	overrides.forEach((override, index) => {
		if (!RULE_IDS.includes(override.id)) {
			throw new RuleOverrideError(
				`${label(override, index)}: unknown rule id; known rules: ${RULE_IDS.join(", ")}`,
				index,
			);
		}
		if (seen.has(override.id)) throw new RuleOverrideError(`${label(override, index)}: rule overridden twice`, index);
		seen.add(override.id);
	});
}

/**
 * Parses overrides such as `[{"id":"rsa-short-key","priority":"critical"},{"id":"quantum-vulnerable","enabled":false}]`.
 * Every problem is reported with the entry it concerns; an unknown rule id is an error, not ignored.
 */
export function parseRuleOverrides(json: string): RuleOverride[] {
	let value: unknown;
	try {
		value = JSON.parse(json);
	} catch (error) {
		throw new RuleOverrideError(`rule overrides are not valid JSON: ${(error as Error).message}`);
	}
	if (!Array.isArray(value)) {
		throw new RuleOverrideError(
			'rule overrides must be a JSON array, e.g. [{"id":"rsa-short-key","priority":"critical"}]',
		);
	}
	const overrides = value.map((entry: unknown, index) => {
		const parsed = overrideSchema.safeParse(entry);
		if (parsed.success) return parsed.data;
		const problems = parsed.error.issues.map((issue) =>
			issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
		);
		throw new RuleOverrideError(`${label(entry, index)}: ${problems.join("; ")}`, index);
	});
	checkOverrides(overrides);
	return overrides;
}
