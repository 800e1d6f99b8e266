import { detectCryptoUsage, isCryptoUsageCandidate } from "@sensorium/crypto-usage";
import type { DiagnosticStage } from "@sensorium/db";
import { type DiscoveryReport, discoverDetailed } from "@sensorium/discovery";
import { describeError } from "@sensorium/errors";
import type { ExecutionDiagnostic } from "@sensorium/executions";
import type { Observation } from "@sensorium/findings";
import type { SourceFile } from "@sensorium/sensors";

export interface ScanOptions {
	maxFileBytes: number;
	scanArchives: boolean;
}

/** Finds the assets in one file: certificates, keys, keystores, tokens, crypto use in code and config. */
export type Detector = (path: string, bytes: Uint8Array, options: ScanOptions) => DiscoveryReport;

/** Policy evaluation of one finding; kept apart from detection. */
export type Analyzer = (observation: Observation) => Record<string, unknown>;

/**
 * The detection pipeline: discovery, then the language detectors on files routed to a language. Each is a
 * stage of its own, so a crash in one still leaves what the other found.
 */
export function createDetector(settings: { keystorePasswords: readonly string[] }): Detector {
	return (path, bytes, options) => {
		const report = discoverDetailed(path, bytes, { ...options, keystorePasswords: settings.keystorePasswords });
		if (isCryptoUsageCandidate(path) && bytes.length <= options.maxFileBytes) {
			try {
				report.discoveries.push(...detectCryptoUsage(path, Buffer.from(bytes).toString("utf8")));
			} catch (error) {
				report.diagnostics.push({ stage: "crypto-usage", ...describeError(error) });
			}
		}
		return report;
	};
}

export interface FileScan {
	observations: Observation[];
	warnings: string[];
	diagnostics: ExecutionDiagnostic[];
	/** False when the file could not be read, or detection failed as a whole: its earlier findings stand. */
	read: boolean;
	bytes: number;
}

const MIB = 1024 * 1024;

/**
 * One file through every stage, each isolated: whatever one file does (too large, unreadable, a parser bug),
 * it becomes diagnostics of that file and the scan goes on with the next.
 */
export async function scanFile(
	file: SourceFile,
	pipeline: { detect: Detector; analyze?: Analyzer },
	options: ScanOptions,
): Promise<FileScan> {
	const result: FileScan = { observations: [], warnings: [], diagnostics: [], read: false, bytes: 0 };
	const diagnose = (path: string, stage: DiagnosticStage, errorClass: string, message: string) =>
		result.diagnostics.push({ path, stage, errorClass, message });
	if (file.size > options.maxFileBytes) {
		// Never read: a file over the limit would be held whole in memory.
		diagnose(
			file.path,
			"read",
			"FileTooLarge",
			`skipped: ${formatMiB(file.size)}, over max_file_size_mb (${formatMiB(options.maxFileBytes)})`,
		);
		return result;
	}
	let bytes: Buffer;
	try {
		bytes = await file.read();
	} catch (error) {
		const { errorClass, message } = describeError(error);
		diagnose(file.path, "read", errorClass, message);
		return result;
	}
	result.bytes = bytes.length;
	let report: DiscoveryReport;
	try {
		report = pipeline.detect(file.path, bytes, options);
	} catch (error) {
		const { errorClass, message } = describeError(error);
		diagnose(file.path, "route", errorClass, message);
		return result;
	}
	result.read = true;
	result.warnings = report.warnings;
	for (const diagnostic of report.diagnostics) {
		const path = diagnostic.member ? `${file.path}!${diagnostic.member}` : file.path;
		diagnose(path, diagnostic.stage, diagnostic.errorClass, diagnostic.message);
	}
	for (const found of report.discoveries) {
		// Inside archives the location is the `outer.war!WEB-INF/lib/x.jar!META-INF/CERT.RSA` chain.
		const path = found.member ? `${file.path}!${found.member}` : file.path;
		const observation: Observation = {
			kind: found.kind,
			identity: found.identity,
			path,
			line: found.line,
			crypto: found.crypto,
			...(file.layerDigest ? { layerDigest: file.layerDigest } : {}),
		};
		if (pipeline.analyze) {
			try {
				observation.analysis = pipeline.analyze(observation);
			} catch (error) {
				const { errorClass, message } = describeError(error);
				diagnose(path, "analysis", errorClass, message);
			}
		}
		result.observations.push(observation);
	}
	return result;
}

function formatMiB(bytes: number): string {
	return `${(bytes / MIB).toFixed(bytes % MIB === 0 ? 0 : 1)} MiB`;
}
