import { RULE_DEFINITIONS } from "./rules.ts";
import type { Rule } from "./types.ts";

export { createEvaluator } from "./evaluate.ts";
export { parseRuleOverrides, RuleOverrideError } from "./overrides.ts";
export type {
	Analysis,
	Evaluator,
	EvaluatorOptions,
	Finding,
	Reason,
	Rule,
	RuleOverride,
	Severity,
} from "./types.ts";
export { SEVERITIES } from "./types.ts";

/** The built-in rules with their default priorities, as documented in the README (copies: editing them changes nothing). */
export const DEFAULT_RULES: readonly Rule[] = Object.freeze(
	RULE_DEFINITIONS.map(({ id, priority, description, enabled }) =>
		Object.freeze({ id, priority, description, enabled }),
	),
);
