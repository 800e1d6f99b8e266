import { createHash, scryptSync } from "node:crypto";
import { CRYPTO_USAGE_VERSION } from "@sensorium/crypto-usage";
import { type Database, imageLayerScans, imageLayers } from "@sensorium/db";
import { DETECTOR_VERSION } from "@sensorium/discovery";
import { describeError } from "@sensorium/errors";
import type { Observation } from "@sensorium/findings";
import type { Logger } from "@sensorium/logger";
import type { LayerCache, SourceFile } from "@sensorium/sensors";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Analyzer, FileReport as FileScan, ScanOptions } from "./file-scan.ts";

/** A layer no scan of the organisation used for this long is dropped, with what was found in it. */
export const LAYER_RETENTION_DAYS = 30;
const WRITE_BATCH = 200;
const LOOKUP_BATCH = 1000;
/** Stands for the file's location in what is stored, so results carry over to another image's location. */
const HERE = "\uE000";

/**
 * Names what detection finds in given bytes: the detector versions and the keystore passwords tried.
 * Slow to compute (scrypt), once per worker, so the stored value does not let anyone test guesses of
 * the operator's keystore passwords quickly.
 */
export function detectionFingerprint(settings: { keystorePasswords: readonly string[] }): string {
	const named = JSON.stringify({
		detector: DETECTOR_VERSION,
		cryptoUsage: CRYPTO_USAGE_VERSION,
		keystorePasswords: settings.keystorePasswords,
	});
	return scryptSync(named, "sensorium layer cache", 32).toString("hex");
}

/** What is kept of one file's scan: FileScan without policy analysis, its strings relative to the file. */
interface StoredScan {
	bytes: number;
	read: boolean;
	warnings: string[];
	diagnostics: FileScan["diagnostics"];
	observations: Omit<Observation, "analysis" | "layerDigest">[];
}

function mapStrings<T>(value: T, map: (text: string) => string): T {
	if (typeof value === "string") return map(value) as T;
	if (Array.isArray(value)) return value.map((item) => mapStrings(item, map)) as T;
	if (value !== null && typeof value === "object") {
		return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)])) as T;
	}
	return value;
}

/**
 * The layer cache of one execution, in Postgres, for the execution's organisation and detection
 * settings only. The sensor asks which files have results (`scanned`), which loads them; the scanner
 * then takes each (`take`) instead of reading the file, and `remember`s what it found in the others.
 * Failing to read or write the cache costs time, never a scan: it is logged and the layer is read.
 */
export class PostgresLayerCache implements LayerCache {
	private readonly loaded = new Map<string, StoredScan>();
	private pending: { layer_digest: string; path: string; result: StoredScan }[] = [];
	private pruned = false;

	constructor(
		private readonly db: Database,
		private readonly orgId: string,
		/** The detection fingerprint with the execution's size cap and archive setting. */
		private readonly fingerprint: string,
		private readonly logger: Logger,
	) {}

	static forExecution(
		db: Database,
		orgId: string,
		detection: string,
		options: ScanOptions,
		logger: Logger,
	): PostgresLayerCache {
		const fingerprint = createHash("sha256")
			.update(JSON.stringify([detection, options.maxFileBytes, options.scanArchives]))
			.digest("hex");
		return new PostgresLayerCache(db, orgId, fingerprint, logger);
	}

	async entries(digests: readonly string[]): Promise<Map<string, unknown>> {
		const found = new Map<string, unknown>();
		try {
			if (!this.pruned) {
				this.pruned = true;
				await this.db
					.delete(imageLayers)
					.where(
						and(
							eq(imageLayers.orgId, this.orgId),
							lt(imageLayers.usedAt, sql`now() - make_interval(days => ${LAYER_RETENTION_DAYS})`),
						),
					);
			}
			if (digests.length === 0) return found;
			const rows = await this.db
				.update(imageLayers)
				.set({ usedAt: sql`now()` })
				.where(and(eq(imageLayers.orgId, this.orgId), inArray(imageLayers.digest, [...digests])))
				.returning({ digest: imageLayers.digest, entries: imageLayers.entries });
			for (const row of rows) found.set(row.digest, row.entries);
		} catch (error) {
			this.logger.warn({ err: error }, "layer cache not read; the layers are downloaded");
		}
		return found;
	}

	async saveEntries(digest: string, entries: unknown): Promise<void> {
		try {
			await this.db
				.insert(imageLayers)
				.values({ orgId: this.orgId, digest, entries })
				// A list saved again replaces the old one: the sensor read the layer because it could not use that one.
				.onConflictDoUpdate({
					target: [imageLayers.orgId, imageLayers.digest],
					set: { entries: sql`excluded.entries`, usedAt: sql`now()` },
				});
		} catch (error) {
			this.logger.warn({ err: error, digest }, "layer entries not cached");
		}
	}

	async scanned(digest: string, paths: readonly string[]): Promise<ReadonlySet<string>> {
		const have = new Set<string>();
		for (const item of this.pending) {
			if (item.layer_digest === digest) this.loaded.set(`${digest}\n${item.path}`, item.result);
		}
		try {
			for (let start = 0; start < paths.length; start += LOOKUP_BATCH) {
				const rows = await this.db
					.select({ path: imageLayerScans.path, result: imageLayerScans.result })
					.from(imageLayerScans)
					.where(
						and(
							eq(imageLayerScans.orgId, this.orgId),
							eq(imageLayerScans.layerDigest, digest),
							eq(imageLayerScans.fingerprint, this.fingerprint),
							inArray(imageLayerScans.path, paths.slice(start, start + LOOKUP_BATCH)),
						),
					);
				for (const row of rows) this.loaded.set(`${digest}\n${row.path}`, row.result as StoredScan);
			}
		} catch (error) {
			this.logger.warn({ err: error, digest }, "layer scans not read; the layer is downloaded");
		}
		for (const path of paths) if (this.loaded.has(`${digest}\n${path}`)) have.add(path);
		return have;
	}

	/** The file's scan from the cache, at the file's location, analysed now; undefined when not loaded for it. */
	take(file: SourceFile, analyze: Analyzer | undefined): FileScan | undefined {
		if (file.layerDigest === undefined || file.layerPath === undefined) return undefined;
		const key = `${file.layerDigest}\n${file.layerPath}`;
		const stored = this.loaded.get(key);
		if (stored === undefined) return undefined;
		this.loaded.delete(key);
		const here = mapStrings(stored, (text) => text.replaceAll(HERE, file.path));
		const scan: FileScan = {
			bytes: here.bytes,
			read: here.read,
			warnings: here.warnings,
			diagnostics: here.diagnostics,
			observations: [],
		};
		for (const found of here.observations) {
			const observation: Observation = { ...found, layerDigest: file.layerDigest };
			if (analyze) {
				try {
					observation.analysis = analyze(observation);
				} catch (error) {
					const { errorClass, message } = describeError(error);
					scan.diagnostics.push({ path: observation.path, stage: "analysis", errorClass, message });
				}
			}
			scan.observations.push(observation);
		}
		return scan;
	}

	/**
	 * Keeps what was found in a file of a layer. Only outcomes the bytes and settings decide are kept: a
	 * file read and detected, or one over the size cap; a read that failed is tried again next time.
	 */
	async remember(file: SourceFile, scan: FileScan, options: ScanOptions): Promise<void> {
		if (file.layerDigest === undefined || file.layerPath === undefined) return;
		if (!scan.read && file.size <= options.maxFileBytes) return;
		const result: StoredScan = mapStrings(
			{
				bytes: scan.bytes,
				read: scan.read,
				warnings: scan.warnings,
				diagnostics: scan.diagnostics.filter((diagnostic) => diagnostic.stage !== "analysis"),
				observations: scan.observations.map(({ analysis: _, layerDigest: __, ...found }) => found),
			},
			(text) => text.replaceAll(file.path, HERE),
		);
		this.pending.push({ layer_digest: file.layerDigest, path: file.layerPath, result });
		if (this.pending.length >= WRITE_BATCH) await this.flush();
	}

	/** Writes what was remembered; results of a layer whose entry list is gone meanwhile are dropped. */
	async flush(): Promise<void> {
		const rows = this.pending;
		this.pending = [];
		if (rows.length === 0) return;
		try {
			await this.db.execute(sql`
				INSERT INTO image_layer_scans (org_id, layer_digest, fingerprint, path, result)
				SELECT ${this.orgId}, r.layer_digest, ${this.fingerprint}, r.path, r.result
				FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(layer_digest text, path text, result jsonb)
				WHERE EXISTS (SELECT 1 FROM image_layers l WHERE l.org_id = ${this.orgId} AND l.digest = r.layer_digest)
				ON CONFLICT DO NOTHING`);
		} catch (error) {
			this.logger.warn({ err: error, files: rows.length }, "layer scans not cached");
		}
	}
}
