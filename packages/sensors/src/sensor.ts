import type { NetworkPolicy } from "@sensorium/network-policy";

/** One file a sensor offers for scanning; `path` is relative to the scanned root, with `/` separators. */
export interface SourceFile {
	path: string;
	size: number;
	read(): Promise<Buffer>;
	/** The image layer that provided the file (Container Sensor), recorded with its findings. */
	layerDigest?: string;
	/**
	 * The file's path inside that layer. With `layerDigest` it names the bytes for good, so the scanner
	 * keeps what it found in them (LayerCache) and uses it instead of calling `read()` when the sensor's
	 * `LayerCache.scanned` said it had it.
	 */
	layerPath?: string;
	/**
	 * A local file with the same bytes that stays in place until the execution ends (a clone's checkout), so
	 * that discovery threads read it themselves instead of the event loop. Offer it only when that holds.
	 */
	localPath?: string;
}

export interface SensorRunContext {
	/** A fresh private directory the sensor may use (clones, temp files); the caller removes it. */
	workDir: string;
	/** Aborted on the per-execution time limit or worker shutdown. */
	signal: AbortSignal;
	/** Where the previous successful execution of this sensor got to (e.g. a commit id), or null. */
	previousCursor: string | null;
	/** True when the sensor is incremental and previousCursor may be used. */
	incremental: boolean;
	/** Worker settings that are not part of the sensor's config. */
	settings: SensorSettings;
	/** The organisation the execution belongs to: some settings (filesystem roots) are per organisation. */
	orgId: string;
	/** Where the sensor's ssh host keys are pinned on first use. */
	sshHostKeys: SshHostKeyStore;
	/** What earlier executions of the organisation learnt from image layers; absent: nothing is cached. */
	layerCache?: LayerCache;
	/**
	 * Units (an organisation's repositories) that earlier attempts of this same execution finished, and
	 * where to record more, so an attempt taking over after a shutdown or a dead worker resumes instead of
	 * starting over. Absent when the caller keeps no checkpoints.
	 */
	checkpoint?: ExecutionCheckpoint;
}

/**
 * What earlier executions of one organisation learnt from image layers, which their digest names for
 * good: each layer's entries, and the files of it the scanner has results for under this execution's
 * detection settings. A layer whose visible files all have results need not be downloaded. Never
 * shared between organisations: a hit skips the download that proves the registry lets this sensor
 * read the layer.
 */
export interface LayerCache {
	/** The entry lists saved for these layers, by digest (as saved; the sensor checks their shape). */
	entries(digests: readonly string[]): Promise<Map<string, unknown>>;
	saveEntries(digest: string, entries: unknown): Promise<void>;
	/**
	 * Which of `paths` (files of the layer) the scanner has results for. The scanner uses those results
	 * for SourceFiles with this `layerDigest` and `layerPath` and does not call their `read()`.
	 */
	scanned(digest: string, paths: readonly string[]): Promise<ReadonlySet<string>>;
}

/**
 * Progress of one execution across its attempts. A sensor yields a unit's files one after another and
 * then calls `complete`; a later attempt finds the unit in `completed` and, when its state still holds,
 * calls `resume` instead of yielding the files again: the scanner brings back what they gave.
 */
export interface ExecutionCheckpoint {
	/** The state recorded for each unit earlier attempts of this execution completed. */
	readonly completed: ReadonlyMap<string, string>;
	/**
	 * The files yielded since the previous `complete` (none, for a unit with nothing to read) make up
	 * `unit`; it is recorded with `state` once the scanner is done with them. Never waits for the scanner.
	 */
	complete(unit: string, state: string): Promise<void>;
	/** Takes over an earlier attempt's `unit`: what its files gave counts in this attempt's outcome. */
	resume(unit: string): void;
}

/** The ssh host keys one sensor pinned, in known_hosts format; kept across executions. */
export interface SshHostKeyStore {
	/** The pinned known_hosts text, or null before the sensor's first ssh connection. */
	load(): Promise<string | null>;
	/** Pins the keys of the first successful connection; an existing pin is kept. */
	pin(knownHosts: string): Promise<void>;
}

/** A directory the Filesystem Sensor may read below: for one organisation, or for all when orgId is null. */
export interface FilesystemRoot {
	orgId: string | null;
	path: string;
}

export interface SensorSettings {
	/**
	 * Which addresses a sensor may connect to (SENSOR_ALLOWED_NETWORKS on top of "public only"). Every
	 * connection a sensor makes is checked on the address actually connected to: use
	 * `createGuardedAgent(networkPolicy)` from @sensorium/network-policy as the undici dispatcher.
	 */
	networkPolicy: NetworkPolicy;
	allowGitFileUrls: boolean;
	/** Roots the Filesystem Sensor may read below (SENSOR_FS_ROOTS). */
	filesystemRoots: FilesystemRoot[];
	/** Upper bound on git clone/fetch time in ms. */
	gitTimeoutMs: number;
	/** Artifacts the Artifactory Sensor downloads at once (ARTIFACTORY_DOWNLOAD_CONCURRENCY). */
	artifactoryDownloadConcurrency: number;
	/** Repositories an organisation-wide sensor clones at once (ORG_SENSOR_REPOSITORY_CONCURRENCY, default 2). */
	orgRepositoryConcurrency?: number;
	/** Longest wait before a registry request answered 429 or 503 is retried (default 30 s); a longer Retry-After is shortened. */
	registryMaxRetryWaitMs?: number;
	/** How long an organisation sensor waits for one API answer (ORG_SENSOR_API_TIMEOUT_MS, default 60 s). */
	orgApiTimeoutMs?: number;
}

export interface SensorSnapshot {
	/** Cursor to remember if the execution succeeds (commit id for Git, null when not applicable). */
	cursor: string | null;
	/**
	 * "full": files() yields every file. "changed": files() yields only added or modified files since
	 * previousCursor, and `deleted` lists removed paths. "unchanged": nothing changed since previousCursor.
	 */
	mode: "full" | "changed" | "unchanged";
	deleted: string[];
	files(): AsyncIterable<SourceFile>;
	/**
	 * Units the sensor could not read while files() ran (an image, a repository, an artifact): each is
	 * one diagnostic and the scan goes on without it. Read by the scanner after files() is exhausted.
	 */
	diagnostics?: SourceDiagnostic[];
	/** Counters of the sensor's own work (artifactsListed, …), updated while files() runs; shown in progress. */
	progress?: Readonly<Record<string, number>>;
	/**
	 * True when files() calls `context.checkpoint.complete` after each unit: the scanner then keeps what
	 * each unit's files gave, for a later attempt of the execution that resumes it.
	 */
	checkpointed?: boolean;
	/** A remark for the execution's success message (e.g. that nothing matched the filters), with its code. */
	notice?: string;
}

/** One unit a sensor skipped because reading it failed; `code` is the sensor's error code when it has one. */
export interface SourceDiagnostic {
	/** Where the unit is, in the form findings' locations take (`repo/path/name`, `registry/name@sha256:…`). */
	path: string;
	stage: "list" | "read";
	/** The error's class name, or the sensor's error code (`CONTAINER-1004`). */
	errorClass: string;
	/** Short and free of secrets. */
	message: string;
}

export interface Sensor<Config> {
	sensorType: string;
	open(config: Config, context: SensorRunContext): Promise<SensorSnapshot>;
}

/** A failure the user can act on; `code` is `<NAMESPACE>-<number>` and documented in the README. */
export class SensorError extends Error {
	constructor(
		readonly code: string,
		message: string,
		readonly retryable = false,
	) {
		super(message);
		this.name = "SensorError";
	}
}
