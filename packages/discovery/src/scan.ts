import { constants as bufferConstants } from "node:buffer";
import { type ZlibOptions, constants as zlibConstants } from "node:zlib";
import { describeError } from "@sensorium/errors";
import type { DiagnosticStage, DiscoveryDiagnostic, DiscoveryOptions } from "./types.ts";

/** Public defaults: a keystore matching one of these is protected by a password anyone can guess. */
export const DEFAULT_KEYSTORE_PASSWORDS: readonly string[] = Object.freeze([
	"changeit",
	"",
	"changeme",
	"password",
	"secret",
	"keystore",
	"123456",
]);

const MIB = 1024 * 1024;
const DEFAULTS = {
	maxFileBytes: 8 * MIB,
	archiveDepth: 5,
	archiveMaxDecompressedBytes: 512 * MIB,
	archiveMaxEntries: 100_000,
	archiveTimeLimitMs: 60_000,
};

/**
 * Deflate cannot expand data by more than about 1032:1, so this bounds what a stream that failed half-way may
 * have produced; charging that keeps the byte budget an upper bound even for corrupt members.
 */
const MAX_DEFLATE_RATIO = 1032;

export type Inflate = (data: Buffer, options: ZlibOptions) => Buffer;

function formatBytes(bytes: number): string {
	return bytes >= MIB ? `${(bytes / MIB).toFixed(bytes % MIB === 0 ? 0 : 1)} MiB` : `${bytes} bytes`;
}

/**
 * Everything one top-level file's scan shares: the resolved options, the archive budgets every nested archive
 * draws from, and the warnings that tell the caller the result may be incomplete.
 */
export class Scan {
	readonly warnings: string[] = [];
	readonly diagnostics: DiscoveryDiagnostic[] = [];
	readonly maxFileBytes: number;
	readonly scanArchives: boolean;
	readonly archiveDepth: number;
	readonly keystorePasswords: readonly string[];
	private readonly maxEntries: number;
	private readonly maxBytes: number;
	private readonly timeLimitMs: number;
	private bytesLeft: number;
	private entryAllowance: number;
	/** Set when the first archive is opened, so plain files never read the clock. */
	private deadline: number | undefined;
	private exhausted = false;

	/** `root` is the scanned file's own path: diagnostics name members relative to it. */
	constructor(
		options: DiscoveryOptions,
		private readonly root = "",
	) {
		this.maxFileBytes = options.maxFileBytes ?? DEFAULTS.maxFileBytes;
		this.scanArchives = options.scanArchives ?? true;
		this.archiveDepth = options.archiveDepth ?? DEFAULTS.archiveDepth;
		this.keystorePasswords = options.keystorePasswords ?? DEFAULT_KEYSTORE_PASSWORDS;
		this.maxBytes = options.archiveMaxDecompressedBytes ?? DEFAULTS.archiveMaxDecompressedBytes;
		this.maxEntries = options.archiveMaxEntries ?? DEFAULTS.archiveMaxEntries;
		this.timeLimitMs = options.archiveTimeLimitMs ?? DEFAULTS.archiveTimeLimitMs;
		this.bytesLeft = this.maxBytes;
		this.entryAllowance = this.maxEntries;
	}

	warn(location: string, message: string): void {
		this.warnings.push(`${location}: ${message}`);
	}

	/** Records that `stage` could not handle `location` (the file, or a member inside it); the scan goes on. */
	diagnose(location: string, stage: DiagnosticStage, errorClass: string, message: string): void {
		this.diagnostics.push({ ...this.memberOf(location), stage, errorClass, message });
	}

	private memberOf(location: string): { member?: string } {
		return location.startsWith(`${this.root}!`) ? { member: location.slice(this.root.length + 1) } : {};
	}

	/**
	 * Runs one stage on one file or member; an exception becomes a diagnostic and `fallback` stands in for
	 * what the stage would have found, so no single input can fail the scan of anything else.
	 */
	guard<T>(location: string, stage: DiagnosticStage, fallback: T, run: () => T): T {
		try {
			return run();
		} catch (error) {
			const { errorClass, message } = describeError(error);
			this.diagnostics.push({ ...this.memberOf(location), stage, errorClass, message });
			return fallback;
		}
	}

	/** True while any archive budget is left; once one runs out, no further member anywhere is opened. */
	get open(): boolean {
		return !this.exhausted;
	}

	get entriesLeft(): number {
		return this.entryAllowance;
	}

	startArchive(): void {
		this.deadline ??= performance.now() + this.timeLimitMs;
	}

	/** Counts one archive entry; false (and one warning for the whole scan) once a budget is spent. */
	admitEntry(location: string): boolean {
		if (this.exhausted) return false;
		if (performance.now() >= (this.deadline ?? Number.POSITIVE_INFINITY)) {
			return this.exhaust(location, `archive time limit (${this.timeLimitMs} ms) reached`);
		}
		if (this.entryAllowance <= 0) return this.exhaust(location, `archive entry limit (${this.maxEntries}) reached`);
		this.entryAllowance--;
		return true;
	}

	/** Members over maxFileBytes are skipped like files over it; the warning says what was not looked at. */
	fits(location: string, size: number): boolean {
		if (size <= this.maxFileBytes) return true;
		this.warn(location, `skipped: ${formatBytes(size)}, over maxFileBytes (${formatBytes(this.maxFileBytes)})`);
		return false;
	}

	/**
	 * Decompresses a member within maxFileBytes and within what is left of the byte budget, so no member (a
	 * compressed tar included) ever needs more memory than a file may have. `declaredSize` comes from the archive
	 * and may lie: it only lets honest oversize members be refused before any work is done.
	 */
	decompress(location: string, data: Buffer, declaredSize: number, inflate: Inflate): Buffer | undefined {
		if (this.exhausted || !this.fits(location, declaredSize)) return undefined;
		if (declaredSize > this.bytesLeft || this.bytesLeft <= 0) return this.exhaustBytes(location);
		const fileCap = this.maxFileBytes;
		const cap = Math.min(fileCap, this.bytesLeft, bufferConstants.MAX_LENGTH);
		try {
			// A sync flush returns what a truncated stream decoded instead of throwing it away.
			const output = inflate(data, { maxOutputLength: cap, finishFlush: zlibConstants.Z_SYNC_FLUSH });
			this.bytesLeft -= output.length;
			return output;
		} catch (error) {
			if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
				this.bytesLeft -= cap;
				if (cap < fileCap) return this.exhaustBytes(location);
				this.warn(location, `skipped: over maxFileBytes (${formatBytes(this.maxFileBytes)}) once decompressed`);
				return undefined;
			}
			this.bytesLeft -= Math.min(cap, data.length * MAX_DEFLATE_RATIO);
			this.warn(location, `corrupt compressed data (${(error as Error).message})`);
			return undefined;
		}
	}

	private exhaustBytes(location: string): undefined {
		this.exhaust(location, `archive decompression budget (${formatBytes(this.maxBytes)}) exhausted`);
		return undefined;
	}

	private exhaust(location: string, reason: string): false {
		this.exhausted = true;
		this.warn(location, `${reason}; no further archive members were opened`);
		return false;
	}
}
