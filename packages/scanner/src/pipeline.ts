import { createEvaluator, type RuleOverride } from "@sensorium/analysis";
import { createDetector, type Pipeline } from "./file-scan.ts";

/** Everything a discovery thread needs to build its pipeline: plain data, copied into each thread. */
export interface PipelineSettings {
	keystorePasswords: readonly string[];
	/** Policy evaluation of each finding (ANALYSIS_RULES, ANALYSIS_EXPIRING_WITHIN_DAYS); null leaves it out. */
	analysis: { overrides: readonly RuleOverride[]; expiringWithinDays: number } | null;
}

export function createPipeline(settings: PipelineSettings): Pipeline {
	const detect = createDetector({ keystorePasswords: settings.keystorePasswords });
	if (!settings.analysis) return { detect };
	const evaluate = createEvaluator(settings.analysis.overrides, {
		expiringWithinDays: settings.analysis.expiringWithinDays,
	});
	return { detect, analyze: (observation) => ({ ...evaluate(observation, new Date()) }) };
}
