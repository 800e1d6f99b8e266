import { isRecord } from "./facts.ts";
import { checkOverrides } from "./overrides.ts";
import { RULE_DEFINITIONS, type RuleDefinition, type View } from "./rules.ts";
import {
	type Analysis,
	type Evaluator,
	type EvaluatorOptions,
	type Reason,
	type RuleOverride,
	SEVERITIES,
	type Severity,
} from "./types.ts";

const DEFAULT_EXPIRING_WITHIN_DAYS = 30;

/** Lower is more urgent. */
const rank = (priority: Severity) => SEVERITIES.indexOf(priority);

function raise(priority: Severity): Severity {
	return SEVERITIES[Math.max(0, rank(priority) - 1)] as Severity;
}

/**
 * An evaluator for the built-in rules with `overrides` applied (validated here too, so a typed caller gets the same
 * errors as `parseRuleOverrides`). Evaluation is pure: the same finding and `now` give the same analysis.
 */
export function createEvaluator(overrides: readonly RuleOverride[] = [], options: EvaluatorOptions = {}): Evaluator {
	checkOverrides(overrides);
	const expiringWithinDays = options.expiringWithinDays ?? DEFAULT_EXPIRING_WITHIN_DAYS;
	if (!Number.isFinite(expiringWithinDays) || expiringWithinDays < 0) {
		throw new RangeError(`expiringWithinDays must be a non-negative number, got ${expiringWithinDays}`);
	}
	const byId = new Map(overrides.map((override) => [override.id, override]));
	const active: RuleDefinition[] = RULE_DEFINITIONS.map((rule) => {
		const override = byId.get(rule.id);
		return {
			...rule,
			priority: override?.priority ?? rule.priority,
			enabled: override?.enabled ?? rule.enabled,
		};
	}).filter((rule) => rule.enabled);

	return (finding, now): Analysis => {
		const attributes = finding.crypto[finding.kind];
		if (!isRecord(attributes)) return { priority: "info", reasons: [] };
		const view: View = { kind: finding.kind, attributes, path: finding.path, now, expiringWithinDays };
		const reasons: Reason[] = [];
		for (const rule of active) {
			const hit = rule.check(view);
			if (hit)
				reasons.push({
					rule: rule.id,
					priority: hit.escalate ? raise(rule.priority) : rule.priority,
					message: hit.message,
				});
		}
		reasons.sort((a, b) => rank(a.priority) - rank(b.priority));
		return { priority: reasons[0]?.priority ?? "info", reasons };
	};
}
