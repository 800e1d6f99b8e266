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
 * Findings written as the scan goes: observations are buffered up to `batchSize` and then staged in one
 * statement, so a worker holds at most one batch however many findings a repository has. `recordObservations`
 * promotes what was staged, in the finishing transaction.
 */
export class ObservationStage {
	#buffer = new Map<string, Observation>();
	#peak = 0;
	#observed = 0;

	constructor(
		private readonly db: DbExecutor,
		private readonly target: StageTarget,
		private readonly batchSize: number,
	) {}

	/** Observations in memory right now, waiting for their batch. */
	get held(): number {
		return this.#buffer.size;
	}

	/** The most observations held at any one time: never more than the batch size. */
	get peakHeld(): number {
		return this.#peak;
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
			this.#peak = Math.max(this.#peak, this.#buffer.size);
			if (this.#buffer.size >= this.batchSize) await this.flush();
		}
	}

	async flush(): Promise<void> {
		if (this.#buffer.size === 0) return;
		const batch = [...this.#buffer.values()];
		this.#buffer.clear();
		await this.db
			.insert(stagedObservations)
			.values(
				batch.map((o) => ({
					executionId: this.target.executionId,
					attempt: this.target.attempt,
					identity: o.identity,
					path: o.path,
					line: o.line ?? 0,
					kind: o.kind,
					crypto: o.crypto,
					analysis: o.analysis ?? null,
					findingId: newObjectId(),
				})),
			)
			.onConflictDoUpdate({
				target: [
					stagedObservations.executionId,
					stagedObservations.attempt,
					stagedObservations.identity,
					stagedObservations.path,
					stagedObservations.line,
				],
				set: {
					kind: sql`excluded.kind`,
					crypto: sql`excluded.crypto`,
					analysis: sql`excluded.analysis`,
				},
			});
	}
}

/** Removes everything any attempt of the execution staged (it finished, failed or was given up). */
export async function discardStagedObservations(db: DbExecutor, executionId: string): Promise<void> {
	await db.delete(stagedObservations).where(eq(stagedObservations.executionId, executionId));
}

function observationKey(o: Observation): string {
	return `${o.identity}\u0000${o.path}\u0000${o.line ?? 0}`;
}
