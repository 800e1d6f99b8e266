import { type Database, executionCheckpoints, executions } from "@sensorium/db";
import type { ExecutionDiagnostic } from "@sensorium/executions";
import type { Observation } from "@sensorium/findings";
import type { ExecutionCheckpoint, SensorSnapshot, SourceFile } from "@sensorium/sensors";
import { eq, sql } from "drizzle-orm";
import type { FileReport } from "./file-scan.ts";

/** What scanning one unit's files gave, kept with its checkpoint and counted again by the attempt that resumes it. */
export interface UnitResults {
	files: number;
	bytes: number;
	readPaths: string[];
	/** Files with at least one diagnostic. */
	failedPaths: string[];
	observations: Observation[];
	diagnostics: ExecutionDiagnostic[];
}

interface Mark {
	unit: string;
	state: string;
	/** The unit is done once this many files were scanned. */
	afterFiles: number;
}

const noResults = (): UnitResults => ({
	files: 0,
	bytes: 0,
	readPaths: [],
	failedPaths: [],
	observations: [],
	diagnostics: [],
});

/**
 * The scanner's side of a sensor's checkpoints. Files are counted as the sensor yields them and as the
 * scanner finishes them; a unit the sensor completes is written once every file it yielded before was
 * scanned (at once when the scanner keeps pace, later when files are still in flight), with what those
 * files gave. Writes are fenced by the lease like every other write of a running execution.
 */
export class CheckpointRecorder implements ExecutionCheckpoint {
	#yielded = 0;
	#scanned = 0;
	/** Results of scanned files since the last recorded unit: they belong to the next one. */
	#pending = noResults();
	#marks: Mark[] = [];
	#writing: Promise<void> = Promise.resolve();
	#keeping = false;
	readonly #resumed = new Set<string>();

	private constructor(
		private readonly db: Database,
		private readonly target: { executionId: string; workerId: string },
		readonly completed: ReadonlyMap<string, string>,
	) {}

	/** The units earlier attempts of the execution recorded. */
	static async load(db: Database, target: { executionId: string; workerId: string }): Promise<CheckpointRecorder> {
		const rows = await db
			.select({ unit: executionCheckpoints.unit, state: executionCheckpoints.state })
			.from(executionCheckpoints)
			.where(eq(executionCheckpoints.executionId, target.executionId));
		return new CheckpointRecorder(db, target, new Map(rows.map((row) => [row.unit, row.state])));
	}

	/** The snapshot's files, counted; results are kept only for a sensor that records units. */
	track(snapshot: SensorSnapshot): AsyncIterable<SourceFile> {
		this.#keeping = snapshot.checkpointed === true;
		const files = snapshot.files();
		if (!this.#keeping) return files;
		const recorder = this;
		return (async function* () {
			for await (const file of files) {
				recorder.#yielded += 1;
				yield file;
			}
		})();
	}

	complete(unit: string, state: string): Promise<void> {
		this.#marks.push({ unit, state, afterFiles: this.#yielded });
		return this.#writeDue();
	}

	resume(unit: string): void {
		this.#resumed.add(unit);
	}

	/** One file is done, in the order the sensor yielded them; resolves once any unit it completed is written. */
	scanned(path: string, scan: FileReport): Promise<void> {
		if (!this.#keeping) return Promise.resolve();
		const pending = this.#pending;
		pending.files += 1;
		pending.bytes += scan.bytes;
		if (scan.read) pending.readPaths.push(path);
		if (scan.diagnostics.length > 0) pending.failedPaths.push(path);
		pending.observations.push(...scan.observations);
		pending.diagnostics.push(...scan.diagnostics);
		this.#scanned += 1;
		return this.#writeDue();
	}

	/** What earlier attempts recorded for the units this attempt resumed. */
	async resumedResults(): Promise<UnitResults[]> {
		if (this.#resumed.size === 0) return [];
		await this.#writing;
		const rows = await this.db
			.select({ unit: executionCheckpoints.unit, results: executionCheckpoints.results })
			.from(executionCheckpoints)
			.where(eq(executionCheckpoints.executionId, this.target.executionId));
		return rows.filter((row) => this.#resumed.has(row.unit)).map((row) => row.results as unknown as UnitResults);
	}

	#writeDue(): Promise<void> {
		while (this.#marks.length > 0 && (this.#marks[0] as Mark).afterFiles <= this.#scanned) {
			const mark = this.#marks.shift() as Mark;
			const results = this.#pending;
			this.#pending = noResults();
			this.#writing = this.#writing.then(() => this.#write(mark, results));
		}
		return this.#writing;
	}

	async #write(mark: Mark, results: UnitResults): Promise<void> {
		const { executionId, workerId } = this.target;
		// Only the lease holder writes: an attempt that lost its execution must not record units for the next.
		await this.db.execute(sql`
			INSERT INTO ${executionCheckpoints} (execution_id, unit, state, results)
			SELECT ${executionId}, ${mark.unit}, ${mark.state}, ${JSON.stringify(results)}::jsonb
			WHERE EXISTS (SELECT 1 FROM ${executions}
				WHERE id = ${executionId} AND worker_id = ${workerId} AND status = 'running')
			ON CONFLICT (execution_id, unit) DO UPDATE SET state = excluded.state, results = excluded.results`);
	}
}
