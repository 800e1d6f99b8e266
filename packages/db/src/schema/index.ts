import {
	CALLBACK_AUTH_TYPES,
	EXECUTION_STATUSES,
	type ExecutionStatus,
	type Label,
	PRIORITIES,
	type Priority,
	TOKEN_TYPES,
	type TokenType,
} from "@sensorium/vocabulary";
import { sql } from "drizzle-orm";
import {
	bigint,
	boolean,
	check,
	customType,
	foreignKey,
	index,
	integer,
	jsonb,
	pgTable,
	primaryKey,
	text,
	timestamp,
	uniqueIndex,
} from "drizzle-orm/pg-core";

export {
	CALLBACK_AUTH_TYPES,
	EXECUTION_STATUSES,
	type ExecutionStatus,
	type Label,
	PRIORITIES,
	type Priority,
	TOKEN_TYPES,
	type TokenType,
} from "@sensorium/vocabulary";

const bytea = customType<{ data: Buffer }>({ dataType: () => "bytea" });
const objectId = (name: string) => text(name);
const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const USER_ROLES = ["admin", "user"] as const;

export type UserRole = (typeof USER_ROLES)[number];

const inList = (column: string, values: readonly string[]) =>
	sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(", ")})`);

export const organizations = pgTable("organizations", {
	id: objectId("id").primaryKey(),
	name: text("name").notNull(),
	domain: text("domain").unique(),
	licenceExpiresAt: timestamp("licence_expires_at", { withTimezone: true }),
	createdAt: createdAt(),
});

export const users = pgTable(
	"users",
	{
		id: objectId("id").primaryKey(),
		orgId: objectId("org_id")
			.notNull()
			.references(() => organizations.id),
		email: text("email").notNull(),
		role: text("role").$type<UserRole>().notNull(),
		active: boolean("active").notNull().default(true),
		deletedAt: timestamp("deleted_at", { withTimezone: true }),
		createdAt: createdAt(),
		/** scrypt hash for signing in to the console; null: the user signs in with tokens only. */
		passwordHash: text("password_hash"),
		failedSignIns: integer("failed_sign_ins").notNull().default(0),
		lockedUntil: timestamp("locked_until", { withTimezone: true }),
	},
	(t) => [
		uniqueIndex("users_email_key").on(sql`lower(${t.email})`),
		check("users_role_check", inList("role", USER_ROLES)),
	],
);

export const apiTokens = pgTable(
	"api_tokens",
	{
		id: objectId("id").primaryKey(),
		userId: objectId("user_id")
			.notNull()
			.references(() => users.id),
		orgId: objectId("org_id")
			.notNull()
			.references(() => organizations.id),
		name: text("name").notNull(),
		description: text("description"),
		type: text("type").$type<TokenType>().notNull(),
		secretHash: bytea("secret_hash").notNull(),
		displayPrefix: text("display_prefix").notNull(),
		expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
		revokedAt: timestamp("revoked_at", { withTimezone: true }),
		lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
		createdAt: createdAt(),
	},
	(t) => [
		uniqueIndex("api_tokens_secret_hash_key").on(t.secretHash),
		index("api_tokens_org_idx").on(t.orgId),
		check("api_tokens_type_check", inList("type", TOKEN_TYPES)),
	],
);

export const sensorTypes = pgTable("sensor_types", {
	type: text("type").primaryKey(),
	errorNamespace: text("error_namespace").notNull(),
	description: text("description").notNull(),
	enabled: boolean("enabled").notNull().default(true),
});

export const callbackEndpoints = pgTable(
	"callback_endpoints",
	{
		id: objectId("id").primaryKey(),
		orgId: objectId("org_id")
			.notNull()
			.references(() => organizations.id),
		name: text("name").notNull(),
		url: text("url").notNull(),
		authType: text("auth_type").notNull().default("none"),
		headerName: text("header_name"),
		/** SecretBox envelope; never the plain value. */
		tokenSealed: text("token_sealed"),
		signingSecretSealed: text("signing_secret_sealed").notNull(),
		createdAt: createdAt(),
		tokenRotatedAt: timestamp("token_rotated_at", { withTimezone: true }),
		/** Deleted endpoints stay for the delivery history; new scans cannot refer to them. */
		deletedAt: timestamp("deleted_at", { withTimezone: true }),
	},
	(t) => [
		index("callback_endpoints_org_idx").on(t.orgId),
		check("callback_endpoints_auth_type_check", inList("auth_type", CALLBACK_AUTH_TYPES)),
	],
);

export const sensors = pgTable(
	"sensors",
	{
		id: objectId("id").primaryKey(),
		orgId: objectId("org_id")
			.notNull()
			.references(() => organizations.id),
		name: text("name").notNull(),
		type: text("type")
			.notNull()
			.references(() => sensorTypes.type),
		/** The sensorConfig with its secret keys sealed by SecretBox. */
		config: jsonb("config").$type<Record<string, unknown>>().notNull(),
		priority: text("priority").$type<Priority>().notNull(),
		/** The callback endpoint its executions report to (`callbackId` in the HTTP API). */
		callbackEndpointId: objectId("callback_id"),
		incremental: boolean("incremental").notNull().default(false),
		autoResolutionDays: integer("auto_resolution_days"),
		labels: jsonb("labels").$type<Label[]>().notNull().default([]),
		createdBy: objectId("created_by")
			.notNull()
			.references(() => users.id),
		createdAt: createdAt(),
	},
	(t) => [
		uniqueIndex("sensors_org_name_key").on(t.orgId, t.name),
		check("sensors_priority_check", inList("priority", PRIORITIES)),
	],
);

/**
 * Host keys a GIT Sensor without `ssh_known_hosts` accepted on its first ssh connection, in
 * known_hosts format: later scans require the same key (trust on first use per sensor).
 */
export const sshHostKeys = pgTable("ssh_host_keys", {
	sensorId: objectId("sensor_id")
		.primaryKey()
		.references(() => sensors.id, { onDelete: "cascade" }),
	knownHosts: text("known_hosts").notNull(),
	createdAt: createdAt(),
});

/**
 * The entry list (paths, types, sizes, whiteouts, no bytes) of an image layer a Container Sensor of the
 * organisation read, so a later image sharing the layer is flattened without downloading it. Per
 * organisation: a cached layer is not downloaded, and the download is what proves the registry lets
 * the sensor read it. Dropped with its scans when no scan of the organisation used it for 30 days.
 */
export const imageLayers = pgTable(
	"image_layers",
	{
		orgId: objectId("org_id")
			.notNull()
			.references(() => organizations.id),
		digest: text("digest").notNull(),
		entries: jsonb("entries").notNull(),
		usedAt: timestamp("used_at", { withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [primaryKey({ columns: [t.orgId, t.digest] }), index("image_layers_used_idx").on(t.orgId, t.usedAt)],
);

/**
 * What detection found in one file of a cached layer (observations without policy analysis, warnings,
 * diagnostics, relative to the file), under one detection fingerprint: detector versions, keystore
 * passwords (hashed), size cap and archive scanning. A later scan reuses it instead of reading the file.
 */
export const imageLayerScans = pgTable(
	"image_layer_scans",
	{
		orgId: objectId("org_id").notNull(),
		layerDigest: text("layer_digest").notNull(),
		fingerprint: text("fingerprint").notNull(),
		path: text("path").notNull(),
		result: jsonb("result").notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.orgId, t.layerDigest, t.fingerprint, t.path] }),
		foreignKey({ columns: [t.orgId, t.layerDigest], foreignColumns: [imageLayers.orgId, imageLayers.digest] }).onDelete(
			"cascade",
		),
	],
);

export const executions = pgTable(
	"executions",
	{
		id: objectId("id").primaryKey(),
		sensorId: objectId("sensor_id")
			.notNull()
			.references(() => sensors.id),
		orgId: objectId("org_id")
			.notNull()
			.references(() => organizations.id),
		status: text("status").$type<ExecutionStatus>().notNull().default("queued"),
		message: text("message").notNull(),
		errorCode: text("error_code"),
		priority: text("priority").$type<Priority>().notNull(),
		ranBy: objectId("ran_by")
			.notNull()
			.references(() => users.id),
		ranAt: timestamp("ran_at", { withTimezone: true }).notNull().defaultNow(),
		startedAt: timestamp("started_at", { withTimezone: true }),
		finishedAt: timestamp("finished_at", { withTimezone: true }),
		attempt: integer("attempt").notNull().default(0),
		labels: jsonb("labels").$type<Label[]>().notNull().default([]),
		filesScanned: bigint("files_scanned", { mode: "number" }).notNull().default(0),
		bytesScanned: bigint("bytes_scanned", { mode: "number" }).notNull().default(0),
		/** Files (or archive members) a stage could not read or parse; each has a diagnostic, up to the cap. */
		filesFailed: integer("files_failed").notNull().default(0),
		/** Counters of the sensor's own work (e.g. artifactsListed, artifactsDownloaded), shown in progress. */
		sensorProgress: jsonb("sensor_progress").$type<Record<string, number>>(),
		/** The worker holding the execution while it runs; every write of a running execution checks it. */
		workerId: text("worker_id"),
		/** Renewed by the worker's heartbeat; once past, another worker may take the execution over. */
		leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
		/** Cursor this execution reached (e.g. the commit scanned). */
		cursor: text("cursor"),
		/** Findings observed, by asset kind, once finished. */
		summary: jsonb("summary").$type<Record<string, number>>(),
	},
	(t) => [
		index("executions_sensor_idx").on(t.sensorId, t.ranAt),
		index("executions_open_idx").on(t.status, t.ranAt).where(sql`status in ('queued', 'running')`),
		index("executions_org_idx").on(t.orgId, t.ranAt),
		check("executions_status_check", inList("status", EXECUTION_STATUSES)),
		check("executions_priority_check", inList("priority", PRIORITIES)),
	],
);

/**
 * What earlier attempts of a running execution finished, one row per unit (an organisation sensor's
 * repository), so an attempt that takes over after a shutdown or a dead worker resumes instead of
 * starting over. Written by the lease holder as the scan goes; removed when the execution finishes.
 */
export const executionCheckpoints = pgTable(
	"execution_checkpoints",
	{
		executionId: objectId("execution_id")
			.notNull()
			.references(() => executions.id, { onDelete: "cascade" }),
		unit: text("unit").notNull(),
		/** The sensor's own record of the unit (e.g. the commit scanned), opaque to the scanner. */
		state: text("state").notNull(),
		/** What scanning the unit's files gave: observations, read paths, diagnostics, counts. */
		results: jsonb("results").$type<Record<string, unknown>>().notNull(),
		createdAt: createdAt(),
	},
	(t) => [primaryKey({ columns: [t.executionId, t.unit] })],
);

export const DIAGNOSTIC_STAGES = [
	"read",
	"route",
	"parse",
	"keystore",
	"archive",
	"crypto-usage",
	"analysis",
	"list",
] as const;
export type DiagnosticStage = (typeof DIAGNOSTIC_STAGES)[number];

/** One file, archive member or sensor unit an execution could not read or parse; the scan went on without it. */
export const executionDiagnostics = pgTable(
	"execution_diagnostics",
	{
		executionId: objectId("execution_id")
			.notNull()
			.references(() => executions.id, { onDelete: "cascade" }),
		/** Order of discovery within the execution, and the cursor of the diagnostics route. */
		seq: integer("seq").notNull(),
		path: text("path").notNull(),
		stage: text("stage").$type<DiagnosticStage>().notNull(),
		errorClass: text("error_class").notNull(),
		message: text("message").notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.executionId, t.seq] }),
		check("execution_diagnostics_stage_check", inList("stage", DIAGNOSTIC_STAGES)),
	],
);

export const FINDING_STATUSES = ["open", "resolved"] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/**
 * One cryptographic asset at one place, per sensor. `identity` is intrinsic (certificate SHA-256,
 * public-key SHA-256, token hash), so the same asset in two files is two findings with one identity.
 */
export const findings = pgTable(
	"findings",
	{
		id: objectId("id").primaryKey(),
		orgId: objectId("org_id")
			.notNull()
			.references(() => organizations.id),
		sensorId: objectId("sensor_id")
			.notNull()
			.references(() => sensors.id),
		kind: text("kind").notNull(),
		identity: text("identity").notNull(),
		path: text("path").notNull(),
		/** 0 when the asset has no line (binary files). */
		line: integer("line").notNull(),
		crypto: jsonb("crypto").$type<Record<string, unknown>>().notNull(),
		analysis: jsonb("analysis").$type<Record<string, unknown>>(),
		/** The container image layer that provided the file; null for other sensors. */
		layerDigest: text("layer_digest"),
		labels: jsonb("labels").$type<Label[]>().notNull().default([]),
		status: text("status").$type<FindingStatus>().notNull().default("open"),
		firstSeenExecutionId: objectId("first_seen_execution_id").notNull(),
		lastSeenExecutionId: objectId("last_seen_execution_id").notNull(),
		firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull().defaultNow(),
		lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
		resolvedAt: timestamp("resolved_at", { withTimezone: true }),
	},
	(t) => [
		uniqueIndex("findings_sensor_asset_key").on(t.sensorId, t.identity, t.path, t.line),
		index("findings_sensor_status_idx").on(t.sensorId, t.status),
		check("findings_status_check", inList("status", FINDING_STATUSES)),
	],
);

/**
 * What one attempt of a running execution observed so far, written in bounded batches as the scan goes so
 * that no worker holds a whole repository's findings in memory. The finishing transaction promotes the rows
 * of the attempt that holds the lease into `findings` and deletes every attempt's rows; an attempt that died
 * leaves rows no later attempt reads (they are keyed by attempt) and that go at the next claim or finish.
 */
export const stagedObservations = pgTable(
	"staged_observations",
	{
		executionId: objectId("execution_id")
			.notNull()
			.references(() => executions.id, { onDelete: "cascade" }),
		attempt: integer("attempt").notNull(),
		identity: text("identity").notNull(),
		path: text("path").notNull(),
		line: integer("line").notNull(),
		kind: text("kind").notNull(),
		crypto: jsonb("crypto").$type<Record<string, unknown>>().notNull(),
		analysis: jsonb("analysis").$type<Record<string, unknown>>(),
		layerDigest: text("layer_digest"),
		/** The id the finding gets if it is new (an existing finding keeps its own). */
		findingId: objectId("finding_id").notNull(),
	},
	(t) => [primaryKey({ columns: [t.executionId, t.attempt, t.identity, t.path, t.line] })],
);

/** Which findings an execution observed (read, or kept from an unchanged file by an incremental scan). */
export const executionFindings = pgTable(
	"execution_findings",
	{
		executionId: objectId("execution_id")
			.notNull()
			.references(() => executions.id),
		findingId: objectId("finding_id")
			.notNull()
			.references(() => findings.id),
		kind: text("kind").notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.executionId, t.findingId] }),
		index("execution_findings_kind_idx").on(t.executionId, t.kind),
	],
);

export const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One completion event for one endpoint. Created in the same transaction as the execution's final
 * status, at most once per (execution, endpoint); its id is the Standard Webhooks `webhook-id`.
 */
export const callbackDeliveries = pgTable(
	"callback_deliveries",
	{
		id: objectId("id").primaryKey(),
		orgId: objectId("org_id")
			.notNull()
			.references(() => organizations.id),
		executionId: objectId("execution_id")
			.notNull()
			.references(() => executions.id),
		endpointId: objectId("endpoint_id")
			.notNull()
			.references(() => callbackEndpoints.id),
		/** The exact body sent on every attempt, so the signature covers identical bytes. */
		payload: text("payload").notNull(),
		status: text("status").$type<DeliveryStatus>().notNull().default("pending"),
		attempts: integer("attempts").notNull().default(0),
		nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
		lastStatusCode: integer("last_status_code"),
		lastError: text("last_error"),
		createdAt: createdAt(),
		deliveredAt: timestamp("delivered_at", { withTimezone: true }),
	},
	(t) => [
		uniqueIndex("callback_deliveries_execution_endpoint_key").on(t.executionId, t.endpointId),
		index("callback_deliveries_pending_idx").on(t.nextAttemptAt).where(sql`status = 'pending'`),
		check("callback_deliveries_status_check", inList("status", DELIVERY_STATUSES)),
	],
);

export const callbackAttempts = pgTable(
	"callback_attempts",
	{
		id: objectId("id").primaryKey(),
		deliveryId: objectId("delivery_id")
			.notNull()
			.references(() => callbackDeliveries.id),
		attempt: integer("attempt").notNull(),
		attemptedAt: timestamp("attempted_at", { withTimezone: true }).notNull(),
		statusCode: integer("status_code"),
		latencyMs: integer("latency_ms").notNull(),
		error: text("error"),
		/** The receiver's answer, truncated. */
		responseBody: text("response_body"),
	},
	(t) => [index("callback_attempts_delivery_idx").on(t.deliveryId, t.attempt)],
);

export const EXPORT_STATES = ["pending", "exporting", "done", "failed"] as const;
export type ExportState = (typeof EXPORT_STATES)[number];

/**
 * The outbox of the OpenSearch export: one row per finished execution, written in the transaction
 * that writes its final status. `cursor` is the last finding id sent, so a retry resumes there.
 */
export const findingExports = pgTable(
	"finding_exports",
	{
		id: objectId("id").primaryKey(),
		orgId: objectId("org_id")
			.notNull()
			.references(() => organizations.id),
		sensorId: objectId("sensor_id")
			.notNull()
			.references(() => sensors.id),
		executionId: objectId("execution_id")
			.notNull()
			.references(() => executions.id),
		state: text("state").$type<ExportState>().notNull().default("pending"),
		attempts: integer("attempts").notNull().default(0),
		nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
		cursor: text("cursor"),
		documentsExported: integer("documents_exported").notNull().default(0),
		documentsFailed: integer("documents_failed").notNull().default(0),
		lastError: text("last_error"),
		/** The first rejected items (finding id, status, OpenSearch's error), capped. */
		itemErrors: jsonb("item_errors")
			.$type<{ findingId: string; status: number; error: string }[]>()
			.notNull()
			.default([]),
		createdAt: createdAt(),
		startedAt: timestamp("started_at", { withTimezone: true }),
		finishedAt: timestamp("finished_at", { withTimezone: true }),
	},
	(t) => [
		uniqueIndex("finding_exports_execution_key").on(t.executionId),
		index("finding_exports_open_idx").on(t.nextAttemptAt).where(sql`state in ('pending', 'exporting')`),
		check("finding_exports_state_check", inList("state", EXPORT_STATES)),
	],
);

/** Console sessions; the cookie carries a random secret, the row only its SHA-256. */
export const sessions = pgTable(
	"sessions",
	{
		secretHash: bytea("secret_hash").primaryKey(),
		userId: objectId("user_id")
			.notNull()
			.references(() => users.id),
		createdAt: createdAt(),
		expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
		lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [index("sessions_user_idx").on(t.userId)],
);
