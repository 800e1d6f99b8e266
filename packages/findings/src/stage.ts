import { type DbExecutor, stagedObservations } from "@sensorium/db";
import { newObjectId } from "@sensorium/ids";
import { and, eq, lt, sql } from "drizzle-orm";
import type { Observation } from "./record.ts";

export interface StageTarget {
	executionId: string;
	/** The claim's attempt: rows of an attempt that died are never promoted by a later one. */
	attempt: number;
}

/**
 * Findings written as the scan goes: observations are buffered up to `batchSize`, then staged in one statement
 * while the next batch fills (one write at a time: the scan waits only if a batch fills before the previous
 * one is written). A worker holds at most two batches however many findings a repository has.
 * `recordObservations` promotes what was staged, in the finishing transaction.
 */
export class ObservationStage {
	#buffer = new Map<string, Observation>();
	/** The batch being written, if any, and its size. */
	#writing: Promise<void> | null = null;
	#writingCount = 0;
	#peak = 0;
	#observed = 0;
	#waitedMs = 0;

	constructor(
		private readonly db: DbExecutor,
		private readonly target: StageTarget,
		private readonly batchSize: number,
	) {}

	/** Observations in memory right now: the filling batch and the one being written. */
	get held(): number {
		return this.#buffer.size + this.#writingCount;
	}

	/** The most observations held at any one time: never more than two batches. */
	get peakHeld(): number {
		return this.#peak;
	}

	/** Time the scan waited for batches to be written (part of "recording" in the worker's phases). */
	get waitedMs(): number {
		return this.#waitedMs;
	}

	/** Every observation added (duplicates included), for the execution's message. */
	get observed(): number {
		return this.#observed;
	}

	/**
	 * Drops what earlier attempts of this execution staged: a crashed attempt's rows must not linger. Later
	 * attempts' rows stay: if this attempt stalled and lost its lease, they belong to the worker that owns it now.
	 */
	async begin(): Promise<void> {
		await this.db
			.delete(stagedObservations)
			.where(
				and(
					eq(stagedObservations.executionId, this.target.executionId),
					lt(stagedObservations.attempt, this.target.attempt),
				),
			);
	}

	async add(observations: readonly Observation[]): Promise<void> {
		for (const observation of observations) {
			this.#observed += 1;
			// The same asset twice at one place is one finding: the later observation wins, as in one batch.
			this.#buffer.set(observationKey(observation), observation);
			this.#peak = Math.max(this.#peak, this.held);
			if (this.#buffer.size >= this.batchSize) await this.#handOff();
		}
	}

	/** Writes what is buffered and waits until every batch is staged. */
	async flush(): Promise<void> {
		await this.#handOff();
		await this.#settle();
	}

	/** Waits for the write in flight, whatever its outcome: after a failed scan, nothing lands later. */
	async idle(): Promise<void> {
		await this.#settle().catch(() => {});
	}

	/** Starts writing the filling batch once the previous write is done. */
	async #handOff(): Promise<void> {
		await this.#settle();
		if (this.#buffer.size === 0) return;
		const batch = [...this.#buffer.values()];
		this.#buffer.clear();
		this.#writingCount = batch.length;
		this.#writing = this.#write(batch);
		// Its failure surfaces at the next hand-off or flush; until then it must not count as unhandled.
		this.#writing.catch(() => {});
	}

	async #settle(): Promise<void> {
		if (!this.#writing) return;
		const started = performance.now();
		try {
			await this.#writing;
		} finally {
			this.#waitedMs += performance.now() - started;
			this.#writing = null;
			this.#writingCount = 0;
		}
	}

	async #write(batch: Observation[]): Promise<void> {
		// One JSON parameter for the whole batch: no bind-parameter limit, and far less work on the event loop
		// than binding nine parameters per row.
		const rows = JSON.stringify(
			batch.map((o) => ({
				identity: o.identity,
				path: o.path,
				line: o.line ?? 0,
				kind: o.kind,
				crypto: o.crypto,
				analysis: o.analysis ?? null,
				layer_digest: o.layerDigest ?? null,
				finding_id: newObjectId(),
			})),
		);
		await this.db.execute(sql`
			INSERT INTO ${stagedObservations} (execution_id, attempt, identity, path, line, kind, crypto, analysis, layer_digest, finding_id)
			SELECT ${this.target.executionId}, ${this.target.attempt}::int, identity, path, line, kind, crypto, analysis, layer_digest, finding_id
			FROM jsonb_to_recordset(${rows}::jsonb)
				AS t(identity text, path text, line int, kind text, crypto jsonb, analysis jsonb, layer_digest text, finding_id text)
			ON CONFLICT (execution_id, attempt, identity, path, line) DO UPDATE
			SET kind = excluded.kind, crypto = excluded.crypto, analysis = excluded.analysis, layer_digest = excluded.layer_digest`);
	}
}

/** Removes everything any attempt of the execution staged (it finished, failed or was given up). */
export async function discardStagedObservations(db: DbExecutor, executionId: string): Promise<void> {
	await db.delete(stagedObservations).where(eq(stagedObservations.executionId, executionId));
}

function observationKey(o: Observation): string {
	return `${o.identity}\u0000${o.path}\u0000${o.line ?? 0}`;
}
