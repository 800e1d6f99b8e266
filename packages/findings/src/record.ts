import { type DbExecutor, executionFindings, findings, stagedObservations } from "@sensorium/db";
import { and, eq, lt, sql } from "drizzle-orm";
import { discardStagedObservations } from "./stage.ts";

/** What a detector reported, reduced to what is stored: no secret material ever reaches here. */
export interface Observation {
	kind: string;
	identity: string;
	path: string;
	line: number | null;
	crypto: Record<string, unknown>;
	/** Policy results (priority and reasons), when an evaluator ran. */
	analysis?: Record<string, unknown>;
	/** The image layer that provided the file (Container Sensor). */
	layerDigest?: string;
}

export interface ObservationScope {
	/** "full": everything present was read. "changed": only `readPaths` were read; `deletedPaths` are gone. */
	mode: "full" | "changed" | "unchanged";
	readPaths: ReadonlySet<string>;
	deletedPaths: ReadonlySet<string>;
	/** The successful execution the incremental scan compared against; what it observed carries over. */
	previousExecutionId: string | null;
}

export interface RecordInput {
	orgId: string;
	sensorId: string;
	executionId: string;
	/** The attempt whose staged observations (see ObservationStage) become the findings. */
	attempt: number;
	labels: Record<string, string>[];
	scope: ObservationScope;
	/** Findings not observed for this many days are resolved. */
	autoResolutionDays: number;
	now: Date;
}

/**
 * Records what one attempt of an execution staged, idempotently (a re-run of the same execution after a
 * crash writes the same rows): upserts findings by (sensor, identity, path, line) in one set-based statement,
 * reopens resolved ones seen again, counts findings in files an incremental scan did not need to re-read as
 * observed, resolves findings not observed for `autoResolutionDays`, and empties the stage. Run it inside the
 * finishing transaction: until it commits, no finding of this execution is visible.
 */
export async function recordObservations(tx: DbExecutor, input: RecordInput): Promise<Record<string, number>> {
	await tx.execute(sql`
		INSERT INTO ${findings} (id, org_id, sensor_id, kind, identity, path, line, crypto, analysis, layer_digest, labels,
			status, first_seen_execution_id, last_seen_execution_id, first_seen_at, last_seen_at)
		SELECT finding_id, ${input.orgId}, ${input.sensorId}, kind, identity, path, line, crypto, analysis, layer_digest,
			${JSON.stringify(input.labels)}::jsonb, 'open', ${input.executionId}, ${input.executionId}, ${input.now.toISOString()}::timestamptz, ${input.now.toISOString()}::timestamptz
		FROM ${stagedObservations}
		WHERE execution_id = ${input.executionId} AND attempt = ${input.attempt}
		ON CONFLICT (sensor_id, identity, path, line) DO UPDATE SET
			crypto = excluded.crypto,
			analysis = excluded.analysis,
			layer_digest = excluded.layer_digest,
			labels = excluded.labels,
			status = 'open',
			resolved_at = NULL,
			last_seen_execution_id = excluded.last_seen_execution_id,
			last_seen_at = excluded.last_seen_at`);
	await discardStagedObservations(tx, input.executionId);

	if (input.scope.mode !== "full" && input.scope.previousExecutionId) {
		// Files the incremental scan did not re-read still hold what the previous execution saw in them.
		// A re-read or deleted archive takes its members (`app.war!WEB-INF/lib/x.jar!…`) with it, and an
		// organisation sensor's `owner/name:` every file of that repository.
		const touched = [...input.scope.readPaths, ...input.scope.deletedPaths];
		await tx
			.update(findings)
			.set({ lastSeenExecutionId: input.executionId, lastSeenAt: input.now })
			.where(
				and(
					eq(findings.sensorId, input.sensorId),
					eq(findings.lastSeenExecutionId, input.scope.previousExecutionId),
					// One JSON parameter rather than one per path: a large diff must not hit the bind-parameter limit.
					sql`NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(${JSON.stringify(touched)}::jsonb) AS touched(path)
						WHERE ${findings.path} = touched.path OR starts_with(${findings.path}, touched.path || '!')
							OR (right(touched.path, 1) = ':' AND starts_with(${findings.path}, touched.path)))`,
				),
			);
	}

	await tx.execute(sql`
		INSERT INTO ${executionFindings} (execution_id, finding_id, kind)
		SELECT ${input.executionId}, id, kind FROM ${findings}
		WHERE sensor_id = ${input.sensorId} AND last_seen_execution_id = ${input.executionId}
		ON CONFLICT DO NOTHING`);

	await tx
		.update(findings)
		.set({ status: "resolved", resolvedAt: input.now })
		.where(
			and(
				eq(findings.sensorId, input.sensorId),
				eq(findings.status, "open"),
				lt(findings.lastSeenAt, new Date(input.now.getTime() - input.autoResolutionDays * 86_400_000)),
			),
		);

	return summarizeExecution(tx, input.executionId);
}

export async function summarizeExecution(db: DbExecutor, executionId: string): Promise<Record<string, number>> {
	const rows = await db
		.select({ kind: executionFindings.kind, count: sql<number>`count(*)::int` })
		.from(executionFindings)
		.where(eq(executionFindings.executionId, executionId))
		.groupBy(executionFindings.kind);
	return Object.fromEntries(rows.map((r) => [r.kind, r.count]));
}
