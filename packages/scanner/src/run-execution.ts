import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { type Database, isDatabaseUnavailable } from "@sensorium/db";
import {
	abandonExecution,
	type ClaimResult,
	claimExecution,
	type ExecutionDiagnostic,
	type FinishResult,
	finishExecution,
	lastSuccessfulExecution,
	type Outcome,
	releaseExecution,
	renewLease,
} from "@sensorium/executions";
import { discardStagedObservations, ObservationStage, recordObservations } from "@sensorium/findings";
import type { Logger } from "@sensorium/logger";
import type { ExecutionMetrics } from "@sensorium/metrics";
import { type CallbackQueue, type ExportQueue, isRedisUnavailable } from "@sensorium/queue";
import { isSealed, type SecretBox, sealedPlace } from "@sensorium/secrets";
import { redactSecrets, type Sensor, SensorError, type SensorSettings, type SensorSnapshot } from "@sensorium/sensors";
import { CheckpointRecorder } from "./checkpoint.ts";
import { SCAN_ERRORS } from "./errors.ts";
import {
	type Analyzer,
	type DiscoveryService,
	type FileReport,
	readAndInspect,
	type ScanOptions,
} from "./file-scan.ts";
import { PostgresLayerCache } from "./layer-cache.ts";
import { sshHostKeyStore } from "./ssh-host-keys.ts";
import { workDirPrefix } from "./work-dirs.ts";

export interface ScannerDeps {
	db: Database;
	secretBox: SecretBox;
	sensors: Readonly<Record<string, Sensor<Record<string, unknown>>>>;
	/** Finds the assets in one file (on the process's discovery threads); options come from the sensor's config. */
	discovery: DiscoveryService;
	/**
	 * Names what discovery finds in given bytes (`detectionFingerprint` of its settings). When set, what was
	 * found in the files of image layers is kept per organisation and reused for later images sharing them.
	 */
	detectionFingerprint?: string;
	/** Policy analysis on this thread, for findings taken from the layer cache (discovery threads analyse the rest). */
	analyze?: Analyzer;
	/** Observations held before they are written (FINDINGS_BATCH_SIZE): findings are staged as the scan goes. */
	findingsBatchSize: number;
	/** Operator cap on any sensor's max_file_size_mb (SENSOR_MAX_FILE_SIZE_MB), in bytes. */
	maxFileBytes: number;
	settings: SensorSettings;
	logger: Logger;
	workerId: string;
	/** How long a claim lasts without a heartbeat; another worker may take over after it. */
	leaseMs: number;
	heartbeatMs: number;
	executionTimeoutMs: number;
	/** Executions of one organisation running at once across all workers (ORG_MAX_RUNNING_EXECUTIONS). */
	maxRunningPerOrg?: number;
	/** Claims of one execution (crashes, hand-backs) before it is failed for good. */
	maxAttempts: number;
	/** Attempts at an execution whose sensor reports a retryable error (host unreachable, timeout). */
	sensorErrorAttempts: number;
	defaultAutoResolutionDays: number;
	/** Parent of each execution's private work directory. */
	tmpDir: string;
	/** Where completion callbacks go once the final status is committed. */
	callbackQueue: CallbackQueue;
	/** Where OpenSearch exports go once the final status is committed (the exporter's reconciler also finds them). */
	exportQueue?: ExportQueue;
	metrics?: ExecutionMetrics;
}

const MIB = 1024 * 1024;
const DEFAULT_MAX_FILE_MB = 25;

export type RunResult =
	| { outcome: "finished"; status: "successful" | "failed"; errorCode?: string }
	/** Nothing to do: finished already, unknown, or taken over by another worker. */
	| { outcome: "skipped"; reason: string }
	/** Try again later: another worker holds it, or this worker is shutting down and handed it back. */
	| { outcome: "retry"; afterMs: number };

class LostLease extends Error {}

/** One claimed execution while a worker runs it: what every step reads and reports to. */
interface Run {
	deps: ScannerDeps;
	executionId: string;
	execution: Claimed["execution"];
	sensor: Claimed["sensor"];
	claimedAt: number;
	log: Logger;
	progress: Progress;
}

type Claimed = Extract<ClaimResult, { outcome: "claimed" }>;

/** The signals a scan stops on, and the heartbeat that renews its lease meanwhile. */
interface Lease {
	signal: AbortSignal;
	lost: AbortSignal;
	timeLimit: AbortSignal;
	stop(): void;
}

/**
 * Runs one execution end to end: claim, open the sensor, send its files to the discovery threads as the
 * sensor produces them (a bounded number in flight), stage the observations in batches as they come back,
 * then promote them to findings and write the outcome in one transaction fenced by the lease. Safe to call
 * for a job delivered twice or after a crash: each attempt stages apart and only the finishing one counts.
 */
export async function runExecution(deps: ScannerDeps, executionId: string, shutdown: AbortSignal): Promise<RunResult> {
	const claim = await claimExecution(deps.db, {
		executionId,
		workerId: deps.workerId,
		leaseMs: deps.leaseMs,
		maxRunningPerOrg: deps.maxRunningPerOrg,
	});
	if (claim.outcome === "missing" || claim.outcome === "finished") return { outcome: "skipped", reason: claim.outcome };
	if (claim.outcome === "held" || claim.outcome === "deferred")
		return { outcome: "retry", afterMs: claim.retryAfterMs };
	const { execution, sensor } = claim;
	const run: Run = {
		deps,
		executionId,
		execution,
		sensor,
		claimedAt: Date.now(),
		log: deps.logger.child({ executionId, sensorId: sensor.id, attempt: execution.attempt }),
		progress: { files: 0, bytes: 0, failedFiles: new Set(), diagnostics: [] },
	};
	if (execution.attempt > deps.maxAttempts) return giveUp(run);
	const implementation = deps.sensors[sensor.type];
	if (!implementation) return fail(run, SCAN_ERRORS.sensorTypeUnsupported, `This worker cannot run "${sensor.type}".`);
	const opened = openSensorConfig(run);
	if (!opened) {
		return fail(
			run,
			SCAN_ERRORS.credentialsUnreadable,
			"The sensor's stored credentials cannot be decrypted: SENSORIUM_SECRET_KEY differs from the key they were stored with, or they were altered or copied from another sensor.",
		);
	}
	const lease = holdLease(run, shutdown);
	const stage = new ObservationStage(deps.db, { executionId, attempt: execution.attempt }, deps.findingsBatchSize);
	let workDir: string | undefined;
	try {
		workDir = await mkdtemp(join(deps.tmpDir, workDirPrefix(executionId)));
		return await scanAndRecord(run, implementation, opened.config, lease.signal, workDir, stage);
	} catch (error) {
		await stage.idle();
		// Awaited here, not returned: the finally below awaits too, and a rejection must not float meanwhile.
		return await settleFailure(run, error, lease, shutdown, opened.secrets);
	} finally {
		lease.stop();
		if (workDir) {
			await rm(workDir, { recursive: true, force: true }).catch((err) =>
				run.log.warn({ err }, "could not remove work dir"),
			);
		}
	}
}

/**
 * Attempts only grow when a claim lapsed or was handed back: the worker died, stalled, shut down, or lost
 * Postgres or Redis. Failures of the scan itself end it at once instead (SCAN-1099, sensor codes).
 */
async function giveUp(run: Run): Promise<RunResult> {
	const { deps, executionId } = run;
	const message = `The scan was interrupted ${deps.maxAttempts} times (its worker stopped, stalled or lost its connection to Postgres or Redis before finishing) and was given up.`;
	await announce(deps, await abandonExecution(deps.db, executionId, message, SCAN_ERRORS.attemptsExhausted));
	await discardStagedObservations(deps.db, executionId);
	return { outcome: "finished", status: "failed", errorCode: SCAN_ERRORS.attemptsExhausted };
}

/** Writes a failed outcome (if the lease is still ours), drops what was staged, and announces it. */
async function fail(run: Run, errorCode: string, message: string): Promise<RunResult> {
	const { deps, executionId, progress, log } = run;
	const finished = await finishExecution(deps.db, {
		executionId,
		workerId: deps.workerId,
		outcome: {
			status: "failed",
			errorCode,
			message,
			filesScanned: progress.files,
			bytesScanned: progress.bytes,
			filesFailed: progress.failedFiles.size,
			diagnostics: progress.diagnostics,
			...(progress.sensor ? { sensorProgress: { ...progress.sensor } } : {}),
		},
	});
	log.info({ errorCode }, "execution failed");
	if (finished.written) {
		deps.metrics?.finished("failed", (Date.now() - run.claimedAt) / 1000);
		await discardStagedObservations(deps.db, executionId).catch((err) =>
			log.warn({ err }, "staged observations not removed; the next run of this execution removes them"),
		);
	}
	await announce(deps, finished);
	return finished.written
		? { outcome: "finished", status: "failed", errorCode }
		: { outcome: "skipped", reason: "lease lost" };
}

/** The sensor's config with its sealed fields opened, and those values (what must never reach a message). */
function openSensorConfig(run: Run): { config: Record<string, unknown>; secrets: string[] } | undefined {
	const { sensor } = run;
	let config: Record<string, unknown>;
	try {
		config = run.deps.secretBox.openFields(sensor.config, sealedPlace.sensorConfig(sensor.id));
	} catch {
		return undefined;
	}
	// Only what was sealed at rest is secret: the URL's host or a path is the user's own and helps them
	// understand the error. redactSecrets also removes URL userinfo wherever it appears.
	const secrets = Object.keys(sensor.config)
		.filter((key) => isSealed(sensor.config[key]))
		.map((key) => config[key])
		.filter((value): value is string => typeof value === "string" && value.length >= 4);
	return { config, secrets };
}

/** Renews the lease with the progress so far; the scan stops on shutdown, its time limit, or a lost lease. */
function holdLease(run: Run, shutdown: AbortSignal): Lease {
	const { deps, executionId, progress } = run;
	const timeLimit = AbortSignal.timeout(deps.executionTimeoutMs);
	const lost = new AbortController();
	const heartbeat = setInterval(() => {
		renewLease(deps.db, {
			executionId,
			workerId: deps.workerId,
			leaseMs: deps.leaseMs,
			filesScanned: progress.files,
			bytesScanned: progress.bytes,
			filesFailed: progress.failedFiles.size,
			...(progress.sensor ? { sensorProgress: { ...progress.sensor } } : {}),
		}).then(
			(ours) => ours || lost.abort(new LostLease()),
			(error) => run.log.warn({ err: error }, "lease renewal failed"),
		);
	}, deps.heartbeatMs);
	return {
		signal: AbortSignal.any([shutdown, timeLimit, lost.signal]),
		lost: lost.signal,
		timeLimit,
		stop: () => clearInterval(heartbeat),
	};
}

async function scanAndRecord(
	run: Run,
	implementation: Sensor<Record<string, unknown>>,
	config: Record<string, unknown>,
	signal: AbortSignal,
	workDir: string,
	stage: ObservationStage,
): Promise<RunResult> {
	const { deps, sensor, progress } = run;
	const previous = sensor.incremental ? await lastSuccessfulExecution(deps.db, sensor.id) : null;
	await stage.begin();
	const opening = performance.now();
	const checkpoint = await CheckpointRecorder.load(deps.db, { executionId: run.executionId, workerId: deps.workerId });
	const scanOptions = scanOptionsOf(config, deps.maxFileBytes);
	const layerCache = deps.detectionFingerprint
		? PostgresLayerCache.forExecution(deps.db, sensor.orgId, deps.detectionFingerprint, scanOptions, run.log)
		: undefined;
	const snapshot = await implementation.open(config, {
		workDir,
		signal,
		previousCursor: previous?.cursor ?? null,
		incremental: sensor.incremental,
		settings: deps.settings,
		orgId: sensor.orgId,
		sshHostKeys: sshHostKeyStore(deps.db, sensor.id),
		checkpoint,
		...(layerCache ? { layerCache } : {}),
	});
	if (snapshot.progress) progress.sensor = snapshot.progress;
	const discovering = performance.now();
	const { readPaths, warnings } = await scanSnapshot(
		deps,
		snapshot,
		signal,
		progress,
		scanOptions,
		stage,
		checkpoint,
		layerCache,
	);
	await stage.flush();
	if (warnings.count > 0)
		run.log.info({ warnings: warnings.first, count: warnings.count }, "some content was not scanned");
	const outcome = successfulOutcome(run, snapshot, stage.observed);
	const recording = performance.now();
	await recordOutcome(run, outcome, snapshot, readPaths, previous?.id ?? null);
	deps.metrics?.finished("successful", (Date.now() - run.claimedAt) / 1000);
	deps.metrics?.findings(outcome.summary ?? {});
	const done = performance.now();
	run.log.info(
		{
			files: progress.files,
			bytes: progress.bytes,
			findings: stage.observed,
			mode: snapshot.mode,
			// Most observations held in memory at once (at most 2 × FINDINGS_BATCH_SIZE), and where the time went:
			// opening the sensor (clone, download), discovery (reading files included), and recording (the
			// batches the scan waited for, then the finishing transaction).
			observationsHeldPeak: stage.peakHeld,
			phasesMs: {
				open: Math.round(discovering - opening),
				discovery: Math.round(recording - discovering - stage.waitedMs),
				record: Math.round(done - recording + stage.waitedMs),
			},
		},
		"execution finished",
	);
	return { outcome: "finished", status: "successful" };
}

/** Stored configs may predate SENSOR_MAX_FILE_SIZE_MB: the operator's cap wins over any of them. */
function scanOptionsOf(config: Record<string, unknown>, operatorMaxFileBytes: number): ScanOptions {
	const configured =
		typeof config.max_file_size_mb === "number" ? config.max_file_size_mb * MIB : DEFAULT_MAX_FILE_MB * MIB;
	return { maxFileBytes: Math.min(configured, operatorMaxFileBytes), scanArchives: config.scan_archives !== false };
}

/** The successful outcome, with the sensor's own per-unit diagnostics (a repository, an image) added. */
function successfulOutcome(run: Run, snapshot: SensorSnapshot, found: number): Outcome {
	const { progress, deps } = run;
	for (const unit of snapshot.diagnostics ?? []) {
		progress.failedFiles.add(unit.path);
		progress.diagnostics.push({ ...unit });
	}
	for (const diagnostic of progress.diagnostics) deps.metrics?.diagnostic(diagnostic.stage);
	return {
		status: "successful",
		message: [
			successMessage(snapshot.mode, progress.files, found),
			failureNote(progress.failedFiles.size),
			snapshot.notice,
		]
			.filter(Boolean)
			.join(" "),
		cursor: snapshot.cursor,
		filesScanned: progress.files,
		bytesScanned: progress.bytes,
		filesFailed: progress.failedFiles.size,
		diagnostics: progress.diagnostics,
		...(snapshot.progress ? { sensorProgress: { ...snapshot.progress } } : {}),
	};
}

/** Promotes the staged observations and writes the outcome in one transaction, fenced by the lease. */
async function recordOutcome(
	run: Run,
	outcome: Outcome,
	snapshot: SensorSnapshot,
	readPaths: Set<string>,
	previousExecutionId: string | null,
): Promise<void> {
	const { deps, sensor, execution, executionId } = run;
	const finished = await deps.db.transaction(async (tx) => {
		outcome.summary = await recordObservations(tx, {
			orgId: sensor.orgId,
			sensorId: sensor.id,
			executionId,
			attempt: execution.attempt,
			labels: execution.labels,
			scope: {
				mode: snapshot.mode,
				readPaths,
				deletedPaths: new Set(snapshot.deleted),
				previousExecutionId: snapshot.mode === "full" ? null : previousExecutionId,
			},
			autoResolutionDays: sensor.autoResolutionDays ?? deps.defaultAutoResolutionDays,
			now: new Date(),
		});
		const result = await finishExecution(tx, { executionId, workerId: deps.workerId, outcome });
		if (!result.written) throw new LostLease();
		return result;
	});
	await announce(deps, finished);
}

/** What a scan that stopped early comes to: skipped, handed back, retried later, or failed with its reason. */
async function settleFailure(
	run: Run,
	error: unknown,
	lease: Lease,
	shutdown: AbortSignal,
	secrets: readonly string[],
): Promise<RunResult> {
	const { deps, executionId, execution, log } = run;
	if (error instanceof LostLease || lease.lost.aborted) return { outcome: "skipped", reason: "lease lost" };
	if (lease.timeLimit.aborted) {
		return fail(
			run,
			SCAN_ERRORS.timeLimit,
			`The scan exceeded its time limit of ${Math.round(deps.executionTimeoutMs / 1000)} s.`,
		);
	}
	if (shutdown.aborted) {
		await releaseExecution(deps.db, executionId, deps.workerId);
		return { outcome: "retry", afterMs: 0 };
	}
	if (error instanceof SensorError) {
		if (error.retryable && execution.attempt < deps.sensorErrorAttempts) {
			log.info({ errorCode: error.code }, "retryable sensor error; the execution is queued again");
			await releaseExecution(deps.db, executionId, deps.workerId);
			return { outcome: "retry", afterMs: 5_000 * execution.attempt };
		}
		return fail(run, error.code, redactSecrets(error.message, secrets));
	}
	if (isDatabaseUnavailable(error) || isRedisUnavailable(error)) {
		// Postgres or Redis went away mid-scan: the queue retries once they are back; release the lease so it can.
		await releaseExecution(deps.db, executionId, deps.workerId).catch(() => {});
		throw error;
	}
	// Anything else is a bug or an input no stage isolated: retrying would fail the same way, so say what
	// happened now, with a reference that finds the stack in this worker's log.
	const reference = randomBytes(6).toString("hex");
	log.error({ err: error, reference }, "internal error while scanning");
	return fail(
		run,
		SCAN_ERRORS.internal,
		`An internal error occurred while scanning; the operator can find it in the worker's log under reference ${reference}.`,
	);
}

interface Progress {
	files: number;
	bytes: number;
	sensor?: Readonly<Record<string, number>>;
	/** Paths with at least one diagnostic (a file may have several, one per damaged member). */
	failedFiles: Set<string>;
	diagnostics: ExecutionDiagnostic[];
}

async function scanSnapshot(
	deps: ScannerDeps,
	snapshot: SensorSnapshot,
	signal: AbortSignal,
	progress: Progress,
	options: ScanOptions,
	stage: ObservationStage,
	checkpoint: CheckpointRecorder,
	layerCache: PostgresLayerCache | undefined,
): Promise<{ readPaths: Set<string>; warnings: { first: string[]; count: number } }> {
	const warnings = { first: [] as string[], count: 0 };
	const readPaths = new Set<string>();
	// Files handed to discovery are taken back in the sensor's order by one consumer that runs beside the reader:
	// a result is recorded as soon as it and those before it are ready, not when the next file arrives (a sensor
	// may wait long for it: a clone, a download), so a unit's checkpoint is written once its last file is scanned.
	// No more than the pool's capacity are outstanding: the reader waits, which is the backpressure on the sensor.
	const outstanding: Promise<void>[] = [];
	let consumer: Promise<void> = Promise.resolve();
	const take = async (report: Promise<FileReport & { path: string }>) => {
		const scanned = await report;
		if (scanned.read) readPaths.add(scanned.path);
		warnings.count += scanned.warnings.length;
		if (warnings.first.length < 50) warnings.first.push(...scanned.warnings.slice(0, 50 - warnings.first.length));
		if (scanned.diagnostics.length > 0) {
			progress.failedFiles.add(scanned.path);
			progress.diagnostics.push(...scanned.diagnostics);
		}
		progress.files += 1;
		progress.bytes += scanned.bytes;
		await stage.add(scanned.observations);
		await checkpoint.scanned(scanned.path, scanned);
		outstanding.shift();
	};
	let lastYield = performance.now();
	for await (const file of checkpoint.track(snapshot)) {
		signal.throwIfAborted();
		// A file of an image layer scanned before under the same settings is neither read nor inspected again.
		const cached = layerCache?.take(file, deps.analyze);
		const report: Promise<FileReport> = cached
			? Promise.resolve(cached)
			: (await readAndInspect(file, deps.discovery.inspect, options, signal)).report.then(async (scanned) => {
					await layerCache?.remember(file, scanned, options);
					return scanned;
				});
		const { layerDigest } = file;
		const pending = report.then((scanned) => ({
			...scanned,
			path: file.path,
			// The layer is known here, not in the discovery thread: each finding records the layer that provided it.
			observations: layerDigest ? scanned.observations.map((o) => ({ ...o, layerDigest })) : scanned.observations,
		}));
		// Once a take fails (a lost database), the ones after it do not run and the reader stops at its next wait.
		consumer = consumer.then(() => take(pending));
		// Awaited below or at the end; if the scan stops first (an abort), nobody awaits them.
		pending.catch(() => {});
		consumer.catch(() => {});
		outstanding.push(consumer);
		while (outstanding.length >= deps.discovery.capacity) await outstanding[0];
		// Files that need no discovery (over the size cap) settle at once: give timers a turn regularly anyway.
		if (performance.now() - lastYield > 20) {
			await yieldToEventLoop();
			lastYield = performance.now();
		}
	}
	await consumer;
	await layerCache?.flush();
	// Units an earlier attempt finished and the sensor took over count as if their files were read again.
	for (const unit of await checkpoint.resumedResults()) {
		await stage.add(unit.observations);
		for (const path of unit.readPaths) readPaths.add(path);
		for (const path of unit.failedPaths) progress.failedFiles.add(path);
		progress.diagnostics.push(...unit.diagnostics);
		progress.files += unit.files;
		progress.bytes += unit.bytes;
	}
	return { readPaths, warnings };
}

/** Enqueues the completion callback; if Redis refuses, the dispatcher's reconciler finds the pending row. */
async function announce(deps: ScannerDeps, finished: FinishResult): Promise<void> {
	if (finished.export && deps.exportQueue) {
		const { exportId, attempts } = finished.export;
		await deps.exportQueue
			.enqueueExport(exportId, attempts)
			.catch((err) => deps.logger.warn({ err, exportId }, "export not enqueued; reconciler will"));
	}
	if (!finished.delivery) return;
	await deps.callbackQueue
		.enqueueDelivery(finished.delivery.deliveryId, finished.delivery.attempts)
		.catch((err) =>
			deps.logger.warn({ err, deliveryId: finished.delivery?.deliveryId }, "callback not enqueued; reconciler will"),
		);
}

function failureNote(failed: number): string | undefined {
	if (failed === 0) return undefined;
	return `${failed} ${failed === 1 ? "file" : "files"} could not be read or parsed (see the diagnostics).`;
}

function successMessage(mode: SensorSnapshot["mode"], files: number, found: number): string {
	if (mode === "unchanged") return "Scan completed: nothing changed since the previous scan.";
	const scope = mode === "changed" ? "changed files" : "files";
	return `Scan completed: ${files} ${scope} scanned, ${found} cryptographic assets found.`;
}
