import { getEndpoint } from "@sensorium/callback-store";
import { type Database, executions, isUniqueViolation, NamedStatement, sensors, users } from "@sensorium/db";
import { notFound, tooMany, validationError } from "@sensorium/errors";
import { newObjectId } from "@sensorium/ids";
import type { ExecutionQueue } from "@sensorium/queue";
import { type SecretBox, sealedPlace } from "@sensorium/secrets";
import { type Label, messages, type Priority } from "@sensorium/vocabulary";
import { and, eq, sql } from "drizzle-orm";
import type { SensorTypeRegistry } from "./sensor-types.ts";

export interface ScanDeps {
	db: Database;
	queue: ExecutionQueue;
	secretBox: SecretBox;
	sensorTypes: SensorTypeRegistry;
	/** ORG_MAX_QUEUED_EXECUTIONS: submissions beyond this many queued executions of one organisation get 429. */
	maxQueuedPerOrg?: number;
	/** Told when an execution is committed but could not be enqueued; the reconciler recovers it. */
	onEnqueueFailure?: (executionId: string, error: unknown) => void;
}

/** Who asks: every query is scoped to this organisation. */
export interface Requester {
	orgId: string;
	userId: string;
}

/** Every execution starts like this, whichever way it was submitted. */
const QUEUED = { status: "queued", message: "Scan is queued." } as const;

const p = (name: string) => sql.placeholder(name);

// One statement, so one round trip: the sensor and its first execution commit together.
const insertSensorWithExecution = new NamedStatement(
	"sensorium_insert_sensor_with_execution",
	sql`
		WITH sensor AS (
			INSERT INTO ${sensors} (id, org_id, name, type, config, priority, callback_id, incremental,
				auto_resolution_days, labels, created_by)
			VALUES (${p("sensorId")}, ${p("orgId")}, ${p("name")}, ${p("type")}, ${p("config")}::jsonb, ${p("priority")},
				${p("callbackEndpointId")}, ${p("incremental")}, ${p("autoResolutionDays")}, ${p("labels")}::jsonb, ${p("userId")})
			RETURNING id, org_id, priority, labels, created_by
		)
		INSERT INTO ${executions} (id, sensor_id, org_id, status, message, priority, ran_by, labels)
		SELECT ${p("executionId")}, sensor.id, sensor.org_id, ${p("status")}, ${p("message")}, sensor.priority,
			sensor.created_by, sensor.labels
		FROM sensor`,
);

/** A sensor to create and run at once: POST /v3/scan/create after validation. */
export interface NewScan {
	sensorType: string;
	sensorName: string;
	sensorConfig: Record<string, unknown>;
	priority: Priority;
	callbackId: string | null;
	incrementalScan: boolean;
	autoResolutionInterval: number | null;
	labels: Label[];
}

/**
 * Creates the sensor and its first execution in one transaction, then enqueues it. Postgres is the
 * source of truth: if Redis refuses the job the execution stays `queued` and the reconciler adds it.
 */
export async function createSensorAndExecute(
	deps: ScanDeps,
	requester: Requester,
	request: NewScan,
): Promise<{ sensorId: string; executionId: string }> {
	const contract = deps.sensorTypes.get(request.sensorType);
	if (!contract) throw notFound(messages.unknownSensorType(request.sensorType));
	const config = contract.configSchema.safeParse(request.sensorConfig);
	if (!config.success) throw validationError(messages.invalidConfig);
	if (request.callbackId) await getEndpoint(deps.db, requester.orgId, request.callbackId);
	await assertQueueRoom(deps, requester.orgId);

	const sensorId = newObjectId();
	const executionId = newObjectId();
	const sealedConfig = deps.secretBox.sealFields(config.data, contract.secretKeys, sealedPlace.sensorConfig(sensorId));
	try {
		await insertSensorWithExecution.execute(deps.db, {
			sensorId,
			orgId: requester.orgId,
			name: request.sensorName,
			type: contract.sensorType,
			config: JSON.stringify(sealedConfig),
			priority: request.priority,
			callbackEndpointId: request.callbackId,
			incremental: request.incrementalScan,
			autoResolutionDays: request.autoResolutionInterval,
			labels: JSON.stringify(request.labels),
			userId: requester.userId,
			executionId,
			...QUEUED,
		});
	} catch (error) {
		if (isUniqueViolation(error, "sensors_org_name_key"))
			throw validationError(messages.duplicateSensorName(request.sensorName));
		throw error;
	}
	await enqueue(deps, executionId, request.priority);
	return { sensorId, executionId };
}

/**
 * One organisation cannot fill the shared queue: beyond the cap its submissions wait for earlier ones to start.
 * Counted before the insert, so concurrent submissions may pass the cap by a few, never by many.
 */
async function assertQueueRoom(deps: ScanDeps, orgId: string): Promise<void> {
	if (deps.maxQueuedPerOrg === undefined) return;
	const [row] = await deps.db
		.select({ queued: sql<number>`count(*)::int` })
		.from(executions)
		.where(and(eq(executions.orgId, orgId), eq(executions.status, "queued")));
	if ((row?.queued ?? 0) >= deps.maxQueuedPerOrg) throw tooMany(messages.tooManyQueued(deps.maxQueuedPerOrg));
}

/** Runs an existing sensor of the requester's organisation again, with its stored settings. */
export async function executeSensor(
	deps: ScanDeps,
	requester: Requester,
	sensorId: string,
): Promise<{ executionId: string }> {
	const [sensor] = await deps.db
		.select({ id: sensors.id, priority: sensors.priority, labels: sensors.labels })
		.from(sensors)
		.where(and(eq(sensors.id, sensorId), eq(sensors.orgId, requester.orgId)));
	if (!sensor) throw notFound(messages.sensorNotFound);
	await assertQueueRoom(deps, requester.orgId);
	const executionId = newObjectId();
	await deps.db
		.insert(executions)
		.values(newExecutionRow(executionId, sensor.id, requester, sensor.priority, sensor.labels));
	await enqueue(deps, executionId, sensor.priority);
	return { executionId };
}

function newExecutionRow(
	executionId: string,
	sensorId: string,
	requester: Requester,
	priority: Priority,
	labels: Record<string, string>[],
) {
	return {
		id: executionId,
		sensorId,
		orgId: requester.orgId,
		...QUEUED,
		priority,
		ranBy: requester.userId,
		labels,
	};
}

async function enqueue(deps: ScanDeps, executionId: string, priority: Priority): Promise<void> {
	try {
		await deps.queue.enqueueExecution(executionId, priority);
	} catch (error) {
		deps.onEnqueueFailure?.(executionId, error);
	}
}

export interface ExecutionView {
	sensorId: string;
	executionId: string;
	status: string;
	message: string;
	ranBy: string;
	ranAt: string;
	labels: Record<string, string>[];
	priority: Priority;
	errorCode?: string;
	startedAt: string | null;
	finishedAt: string | null;
	/** Beside files and bytes, the sensor's own counters when it keeps any (artifactsListed, …). */
	progress: { filesScanned: number; bytesScanned: number; filesFailed: number } & Record<string, number>;
	/** Findings observed, by asset kind, once the execution has finished successfully. */
	findings?: { total: number; byType: Record<string, number> };
}

// Status polling is the most frequent call clients make: prepared once per pooled connection.
const executionStatusQueries = new WeakMap<Database, ReturnType<typeof prepareExecutionStatusQuery>>();

function prepareExecutionStatusQuery(db: Database) {
	return db
		.select({ execution: executions, email: users.email })
		.from(executions)
		.innerJoin(users, eq(users.id, executions.ranBy))
		.where(and(eq(executions.id, sql.placeholder("executionId")), eq(executions.orgId, sql.placeholder("orgId"))))
		.prepare("sensorium_execution_status");
}

function executionStatusQuery(db: Database) {
	let query = executionStatusQueries.get(db);
	if (!query) {
		query = prepareExecutionStatusQuery(db);
		executionStatusQueries.set(db, query);
	}
	return query;
}

/** An execution of another organisation is indistinguishable from one that does not exist. */
export async function getExecution(db: Database, orgId: string, executionId: string): Promise<ExecutionView> {
	const [row] = await executionStatusQuery(db).execute({ executionId, orgId });
	if (!row) throw notFound(messages.executionNotFound);
	const { execution } = row;
	return {
		sensorId: execution.sensorId,
		executionId: execution.id,
		status: execution.status,
		message: execution.message,
		ranBy: row.email,
		ranAt: execution.ranAt.toISOString(),
		labels: execution.labels,
		priority: execution.priority,
		...(execution.errorCode ? { errorCode: execution.errorCode } : {}),
		startedAt: execution.startedAt?.toISOString() ?? null,
		finishedAt: execution.finishedAt?.toISOString() ?? null,
		progress: {
			...execution.sensorProgress,
			filesScanned: execution.filesScanned,
			bytesScanned: execution.bytesScanned,
			filesFailed: execution.filesFailed,
		},
		...(execution.summary
			? { findings: { total: Object.values(execution.summary).reduce((a, b) => a + b, 0), byType: execution.summary } }
			: {}),
	};
}
