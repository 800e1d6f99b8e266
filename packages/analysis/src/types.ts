import type { Severity } from "@sensorium/vocabulary";

export { SEVERITIES, type Severity } from "@sensorium/vocabulary";

export interface Reason {
	rule: string;
	priority: Severity;
	message: string;
}

export interface Analysis {
	/** The highest priority among `reasons`; `info` when there are none. */
	priority: Severity;
	/** Highest priority first; rules of equal priority in table order. */
	reasons: Reason[];
}

export interface Rule {
	id: string;
	priority: Severity;
	description: string;
	enabled: boolean;
}

export interface RuleOverride {
	id: string;
	priority?: Severity;
	enabled?: boolean;
}

/** What the evaluator reads: a finding as `@sensorium/discovery` and `@sensorium/crypto-usage` produce it. */
export interface Finding {
	kind: string;
	/** One key, equal to `kind`, holding the attributes. */
	crypto: Record<string, unknown>;
	/** Where the finding was made; messages about material that should not be there name it. */
	path?: string;
}

export interface EvaluatorOptions {
	/** A certificate expiring within this many days (inclusive) is `certificate-expiring`. Defaults to 30. */
	expiringWithinDays?: number;
}

export type Evaluator = (finding: Finding, now: Date) => Analysis;
