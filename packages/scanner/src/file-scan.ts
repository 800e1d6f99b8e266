import { readFileSync } from "node:fs";
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

/** What a discovery thread runs on each file. */
export interface Pipeline {
	detect: Detector;
	analyze?: Analyzer;
}

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

/** What discovery made of one file's bytes. */
export interface FileReport {
	/** Bytes read (0 when the file could not be read). */
	bytes: number;
	observations: Observation[];
	warnings: string[];
	diagnostics: ExecutionDiagnostic[];
	/** False when detection failed as a whole: the file's earlier findings stand. */
	read: boolean;
}

/** The bytes of a file, or a local file that holds them (SourceFile.localPath) for discovery to read. */
export type FileSource = { bytes: Buffer } | { localPath: string };

/** Runs discovery on one file; never throws (a failure to read or any stage's is a diagnostic of that file). */
export type Discovery = (
	path: string,
	source: FileSource,
	options: ScanOptions,
	signal: AbortSignal,
) => Promise<FileReport>;

/** Where a scan sends its files: `capacity` is how many it keeps in flight to keep discovery busy. */
export interface DiscoveryService {
	inspect: Discovery;
	capacity: number;
}

const MIB = 1024 * 1024;

/**
 * One file through every stage, each isolated: whatever one file does (too large, unreadable, a parser bug),
 * it becomes diagnostics of that file and the scan goes on with the next. The file is read here, in order;
 * the returned `report` is discovery's work, which may still be running (on a thread) when this resolves.
 */
/** The report of a file discovery never got to: nothing read, one diagnostic saying why. */
export function unreadFile(path: string, stage: DiagnosticStage, errorClass: string, message: string): FileReport {
	return { bytes: 0, observations: [], warnings: [], read: false, diagnostics: [{ path, stage, errorClass, message }] };
}

export async function readAndInspect(
	file: SourceFile,
	discovery: Discovery,
	options: ScanOptions,
	signal: AbortSignal,
): Promise<{ report: Promise<FileReport> }> {
	if (file.size > options.maxFileBytes) {
		// Never read: a file over the limit would be held whole in memory.
		const message = `skipped: ${formatMiB(file.size)}, over max_file_size_mb (${formatMiB(options.maxFileBytes)})`;
		return { report: Promise.resolve(unreadFile(file.path, "read", "FileTooLarge", message)) };
	}
	// A file on local disk is read by the discovery thread itself, keeping that work off the event loop.
	if (file.localPath) return { report: discovery(file.path, { localPath: file.localPath }, options, signal) };
	let bytes: Buffer;
	try {
		bytes = await file.read();
	} catch (error) {
		const { errorClass, message } = describeError(error);
		return { report: Promise.resolve(unreadFile(file.path, "read", errorClass, message)) };
	}
	return { report: discovery(file.path, { bytes }, options, signal) };
}

/** Reads a SourceFile.localPath inside a discovery thread: a failure is a `read` diagnostic of that file. */
export function readLocalFile(path: string, localPath: string): { bytes: Buffer } | { report: FileReport } {
	try {
		return { bytes: readFileSync(localPath) };
	} catch (error) {
		const { errorClass, message } = describeError(error);
		return { report: unreadFile(path, "read", errorClass, message) };
	}
}

/** The stages after reading: detection, then analysis of each finding; runs inside a discovery thread. */
export function inspectFile(path: string, bytes: Uint8Array, pipeline: Pipeline, options: ScanOptions): FileReport {
	const result: FileReport = { bytes: bytes.length, observations: [], warnings: [], diagnostics: [], read: false };
	const diagnose = (at: string, stage: DiagnosticStage, errorClass: string, message: string) =>
		result.diagnostics.push({ path: at, stage, errorClass, message });
	let report: DiscoveryReport;
	try {
		report = pipeline.detect(path, bytes, options);
	} catch (error) {
		const { errorClass, message } = describeError(error);
		diagnose(path, "route", errorClass, message);
		return result;
	}
	result.read = true;
	result.warnings = report.warnings;
	for (const diagnostic of report.diagnostics) {
		diagnose(
			diagnostic.member ? `${path}!${diagnostic.member}` : path,
			diagnostic.stage,
			diagnostic.errorClass,
			diagnostic.message,
		);
	}
	for (const found of report.discoveries) {
		// Inside archives the location is the `outer.war!WEB-INF/lib/x.jar!META-INF/CERT.RSA` chain.
		const at = found.member ? `${path}!${found.member}` : path;
		const observation: Observation = {
			kind: found.kind,
			identity: found.identity,
			path: at,
			line: found.line,
			crypto: found.crypto,
		};
		if (pipeline.analyze) {
			try {
				observation.analysis = pipeline.analyze(observation);
			} catch (error) {
				const { errorClass, message } = describeError(error);
				diagnose(at, "analysis", errorClass, message);
			}
		}
		result.observations.push(observation);
	}
	return result;
}

function formatMiB(bytes: number): string {
	return `${(bytes / MIB).toFixed(bytes % MIB === 0 ? 0 : 1)} MiB`;
}
