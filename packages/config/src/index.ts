import { existsSync } from "node:fs";
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { z } from "zod";

export class ConfigError extends Error {
	override readonly name = "ConfigError";
}

/** The 32-byte key used only when no key is configured outside production. Public, so never safe. */
export const DEVELOPMENT_SECRET_KEY = Buffer.alloc(32, "sensorium-development-key-000000").toString("base64");

const booleanString = z.enum(["true", "false", "1", "0", ""]).transform((v) => v === "true" || v === "1");

const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** Variables every Sensorium process reads. */
export const baseEnvSchema = z.object({
	NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
	DATABASE_URL: z
		.string()
		.regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
		.default("postgres://postgres@127.0.0.1:5432/sensorium"),
	REDIS_URL: z
		.string()
		.regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
		.default("redis://127.0.0.1:6379"),
	QUEUE_PREFIX: z
		.string()
		.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '_' or '-'")
		.default("sensorium"),
	/** `host:port,…` of Redis Cluster nodes; when set, every process uses a cluster client (REDIS_URL is ignored). */
	REDIS_CLUSTER_NODES: z.string().optional(),
	/** `host:port,…` of Redis Sentinels; with REDIS_SENTINEL_NAME, the master is found through them. */
	REDIS_SENTINELS: z.string().optional(),
	REDIS_SENTINEL_NAME: z.string().optional(),
	/** ACL user and password for every Redis connection (and for the sentinels), whatever the topology. */
	REDIS_USERNAME: z.string().optional(),
	REDIS_PASSWORD: z.string().optional(),
	/** TLS to every Redis node (`rediss://` in REDIS_URL does the same for a single server). */
	REDIS_TLS: booleanString.default(false),
	LOG_LEVEL: logLevel.default("info"),
	/** `auto`: human-readable lines on a terminal outside production, JSON otherwise. */
	LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
	SENSORIUM_SECRET_KEY: z
		.string()
		.optional()
		.refine(
			(v) => v === undefined || v === "" || Buffer.from(v, "base64").length === 32,
			"must be 32 bytes, base64-encoded",
		),
	/**
	 * Keys SENSORIUM_SECRET_KEY replaced (comma-separated, base64): values sealed under them still open
	 * until `sensorium secrets reseal` has re-sealed them under the current key.
	 */
	SENSORIUM_PREVIOUS_SECRET_KEYS: z
		.string()
		.default("")
		.transform((v) =>
			v
				.split(",")
				.map((entry) => entry.trim())
				.filter(Boolean),
		)
		.refine(
			(keys) => keys.every((key) => Buffer.from(key, "base64").length === 32),
			"must be 32-byte keys, base64-encoded, separated by commas",
		)
		.transform((keys) => keys.map((key) => Buffer.from(key, "base64"))),
	SENSOR_GIT_ALLOW_FILE_URLS: booleanString.default(false),
	/** Upper bound on any sensor's max_file_size_mb (refused above it at create, clamped by workers). */
	SENSOR_MAX_FILE_SIZE_MB: z.coerce.number().int().min(1).max(1024).default(100),
});

function isCidr(entry: string): boolean {
	const [address, prefix, extra] = entry.split("/");
	const family = isIP(address ?? "");
	const bits = Number(prefix);
	return (
		extra === undefined && family !== 0 && Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128)
	);
}

/** Comma-separated CIDRs that a connection may go to although not public (tests, on-premises servers). */
const allowedNetworks = z
	.string()
	.default("")
	.transform((v) =>
		v
			.split(",")
			.map((c) => c.trim())
			.filter(Boolean),
	)
	.refine((cidrs) => cidrs.every(isCidr), "must be CIDRs separated by commas, e.g. 127.0.0.0/8,::1/128");

/** Settings of outgoing callbacks, read by the API (registration probe) and the dispatcher. */
const callbackEnv = {
	/** Non-public networks callback URLs may resolve to (tests, on-premises receivers). */
	CALLBACK_ALLOWED_NETWORKS: allowedNetworks,
	CALLBACK_TIMEOUT_MS: z.coerce.number().int().positive().max(120_000).default(15_000),
};

export const apiEnvSchema = baseEnvSchema.extend({
	...callbackEnv,
	PORT: z.coerce.number().int().min(0).max(65535).default(8080),
	HOST: z.string().min(1).default("0.0.0.0"),
	SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
	/** How long an accepted isg-api-token is remembered; 0 checks Postgres on every request. */
	AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
	/** A client must send its request headers within this (slowloris), and the whole request within the next. */
	API_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(10_000),
	API_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
	/** Open connections the API accepts at once; more are refused by the kernel's backlog, not served slowly. */
	/** Requests a minute per token (or console user) and per client address; 0 turns the limit off (benchmarks). */
	API_RATE_LIMIT_PER_TOKEN: z.coerce.number().int().min(0).max(1_000_000).default(1_200),
	API_RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).default(3_000),
	/** Queued executions one organisation may have; further submissions get 429 until some start. Unset: no cap. */
	ORG_MAX_QUEUED_EXECUTIONS: z.coerce.number().int().min(1).max(10_000_000).optional(),
	API_MAX_CONNECTIONS: z.coerce.number().int().min(16).max(1_000_000).default(4_096),
	/** The operators' queue dashboard (/admin/queues): off unless set; never an organisation's token. */
	QUEUE_DASHBOARD_PASSWORD: z.string().min(16, "must be at least 16 characters").optional(),
	/** Pause, empty, obliterate, retry, add and update-data are refused unless this is false. */
	QUEUE_DASHBOARD_READ_ONLY: booleanString.default(true),
	/** Serve the dashboard only on this port (operations network) instead of the public API port. */
	QUEUE_DASHBOARD_PORT: z.coerce.number().int().min(1).max(65535).optional(),
	QUEUE_DASHBOARD_HOST: z.string().min(1).default("127.0.0.1"),
	/** Where bull-board's UI files are; found in node_modules when unset (the container image sets it). */
	QUEUE_DASHBOARD_UI_PATH: z.string().optional(),
	/** The built web console; console/ next to the api.mjs bundle, else dist/console of the checkout, when unset. */
	CONSOLE_DIST_DIR: z.string().optional(),
});

const milliseconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const workerEnvSchema = baseEnvSchema.extend({
	WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
	/** Discovery threads shared by this process's executions; by default one per core. */
	WORKER_THREADS: z.coerce
		.number()
		.int()
		.min(1)
		.max(256)
		.default(() => availableParallelism()),
	/** One file's discovery longer than this is stopped (its thread replaced) and becomes a diagnostic. */
	WORKER_FILE_TIMEOUT_MS: milliseconds(120_000),
	/** Observations a running execution holds before writing them (findings are written as the scan goes). */
	FINDINGS_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(1_000),
	/** Executions of one organisation running at once across all workers; unset means no cap. */
	ORG_MAX_RUNNING_EXECUTIONS: z.coerce.number().int().min(1).max(10_000).optional(),
	/** Per-execution time limit; a scan running longer fails with SCAN-1001. */
	EXECUTION_TIMEOUT_MS: milliseconds(60 * 60 * 1000),
	EXECUTION_LEASE_MS: milliseconds(30_000),
	EXECUTION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
	/** Tries of an execution whose sensor fails in a way that may pass (unreachable host, timeout). */
	SENSOR_ERROR_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
	WORKER_LOCK_DURATION_MS: milliseconds(30_000),
	WORKER_STALLED_INTERVAL_MS: milliseconds(30_000),
	WORKER_MAX_STALLED_COUNT: z.coerce.number().int().min(1).max(1000).default(10),
	RECONCILE_INTERVAL_MS: milliseconds(30_000),
	RECONCILE_GRACE_MS: milliseconds(60_000),
	SHUTDOWN_TIMEOUT_MS: milliseconds(30_000),
	/**
	 * Comma-separated absolute directories the Filesystem Sensor may read below; empty allows none.
	 * `ORG_ID=/path` is a root of that organisation only, a plain `/path` one of every organisation.
	 */
	SENSOR_FS_ROOTS: z
		.string()
		.default("")
		.transform((v) =>
			v
				.split(",")
				.map((entry) => entry.trim())
				.filter(Boolean)
				.map((entry) => {
					const separator = entry.startsWith("/") ? -1 : entry.indexOf("=");
					if (separator === -1) return { orgId: null, path: entry };
					return { orgId: entry.slice(0, separator).trim(), path: entry.slice(separator + 1).trim() };
				}),
		)
		.refine(
			(roots) => roots.every((root) => root.path.startsWith("/") && root.orgId !== ""),
			"must be absolute paths or ORG_ID=/path entries, separated by commas",
		),
	SENSOR_GIT_TIMEOUT_MS: milliseconds(10 * 60 * 1000),
	/** Non-public networks a sensor may connect to (on-premises Git servers, registries, Artifactory). */
	SENSOR_ALLOWED_NETWORKS: allowedNetworks,
	/** Artifacts one Artifactory scan downloads at once; each may take up to max_file_size_mb of scratch disk. */
	ARTIFACTORY_DOWNLOAD_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
	ORG_SENSOR_REPOSITORY_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
	/** How long an organisation sensor waits for one answer of GitHub's, GitLab's or Bitbucket's API (then `-1009`). */
	ORG_SENSOR_API_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
	AUTO_RESOLUTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
	/** JSON list of rule overrides, e.g. [{"id":"rsa-short-key","priority":"critical"},{"id":"quantum-vulnerable","enabled":false}]. */
	ANALYSIS_RULES: z.string().optional(),
	ANALYSIS_EXPIRING_WITHIN_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
	/** Extra keystore passwords to test for (comma-separated), on top of the well-known defaults such as changeit. */
	SENSOR_KEYSTORE_PASSWORDS: z
		.string()
		.default("")
		.transform((v) => v.split(",").filter((p) => p.length > 0)),
	WORKER_TMP_DIR: z.string().optional(),
	/** /healthz and /readyz for orchestrators; 0 turns the listener off. */
	WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
});

export const dispatcherEnvSchema = baseEnvSchema.extend({
	...callbackEnv,
	/** Seconds between attempts, comma-separated; the first attempt is immediate. */
	CALLBACK_RETRY_SCHEDULE: z
		.string()
		.default("5,300,1800,7200,18000,36000,36000")
		.refine(
			(v) => /^\s*\d+(\.\d+)?\s*(,\s*\d+(\.\d+)?\s*)*$/.test(v),
			"must be seconds separated by commas, e.g. 5,300,1800",
		),
	DISPATCHER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
	/** Deliveries to one endpoint in flight at once per dispatcher, so a slow endpoint cannot take every slot. */
	CALLBACK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
	DISPATCHER_LOCK_DURATION_MS: milliseconds(30_000),
	DISPATCHER_STALLED_INTERVAL_MS: milliseconds(30_000),
	RECONCILE_INTERVAL_MS: milliseconds(30_000),
	RECONCILE_GRACE_MS: milliseconds(60_000),
	SHUTDOWN_TIMEOUT_MS: milliseconds(30_000),
	DISPATCHER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8082),
});

/** The OpenSearch exporter (`npm run start:exporter`); export is off when OPENSEARCH_URL is unset. */
export const exporterEnvSchema = baseEnvSchema
	.extend({
		/** One or more node URLs, comma-separated. */
		OPENSEARCH_URL: z
			.string()
			.optional()
			.transform((v) =>
				(v ?? "")
					.split(",")
					.map((u) => u.trim())
					.filter(Boolean),
			)
			.refine(
				(urls) => urls.every((u) => /^https?:\/\/[^\s/@]+(:\d+)?(\/[^\s]*)?$/.test(u)),
				"must be http(s) URLs separated by commas, without credentials (use OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD)",
			),
		OPENSEARCH_USERNAME: z.string().optional(),
		OPENSEARCH_PASSWORD: z.string().optional(),
		OPENSEARCH_API_KEY: z.string().optional(),
		/** PEM file of the cluster's CA; verification is never switched off. */
		OPENSEARCH_CA_CERT: z
			.string()
			.optional()
			.refine((p) => p === undefined || existsSync(p), "file not found"),
		OPENSEARCH_INDEX_PREFIX: z
			.string()
			.regex(
				/^[a-z0-9][a-z0-9_-]{0,99}$/,
				"must be 1-100 lowercase letters, digits, '_' or '-', not starting with '_' or '-'",
			)
			.default("agilesec"),
		OPENSEARCH_BULK_MAX_DOCS: z.coerce.number().int().min(1).max(100_000).default(1_000),
		OPENSEARCH_BULK_MAX_BYTES: z.coerce
			.number()
			.int()
			.min(1_024)
			.max(100 * 1024 * 1024)
			.default(5 * 1024 * 1024),
		OPENSEARCH_REQUEST_TIMEOUT_MS: milliseconds(30_000),
		/** Backoff of whole-request retries: doubles from the base up to the cap, with jitter. */
		OPENSEARCH_RETRY_BASE_MS: milliseconds(1_000),
		OPENSEARCH_RETRY_MAX_MS: milliseconds(60_000),
		EXPORTER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
		EXPORTER_LEASE_MS: milliseconds(60_000),
		EXPORTER_LOCK_DURATION_MS: milliseconds(60_000),
		EXPORTER_STALLED_INTERVAL_MS: milliseconds(30_000),
		RECONCILE_INTERVAL_MS: milliseconds(30_000),
		RECONCILE_GRACE_MS: milliseconds(60_000),
		SHUTDOWN_TIMEOUT_MS: milliseconds(30_000),
		EXPORTER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8083),
	})
	.superRefine((env, ctx) => {
		if ((env.OPENSEARCH_USERNAME === undefined) !== (env.OPENSEARCH_PASSWORD === undefined))
			ctx.addIssue({
				code: "custom",
				path: ["OPENSEARCH_PASSWORD"],
				message: "set both OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD, or neither",
			});
		if (env.OPENSEARCH_API_KEY !== undefined && env.OPENSEARCH_USERNAME !== undefined)
			ctx.addIssue({
				code: "custom",
				path: ["OPENSEARCH_API_KEY"],
				message: "use either OPENSEARCH_API_KEY or OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD",
			});
	});

export type ExporterEnv = z.infer<typeof exporterEnvSchema>;
export type DispatcherEnv = z.infer<typeof dispatcherEnvSchema>;
export type WorkerEnv = z.infer<typeof workerEnvSchema>;
export type BaseEnv = z.infer<typeof baseEnvSchema>;
export type ApiEnv = z.infer<typeof apiEnvSchema>;

type Source = Record<string, string | undefined>;

/**
 * Parses the environment once at start-up. Empty strings count as unset so that compose files can
 * pass `VAR=` through. Throws a ConfigError naming every bad variable.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, source: Source = process.env): z.infer<S> {
	const cleaned: Source = {};
	for (const key of Object.keys(schema.shape)) {
		const value = source[key];
		if (value !== undefined && value !== "") cleaned[key] = value;
	}
	const result = schema.safeParse(cleaned);
	if (!result.success) {
		const lines = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
		throw new ConfigError(`Invalid configuration:\n  ${lines.join("\n  ")}`);
	}
	return result.data;
}

export interface RedisNode {
	host: string;
	port: number;
}

/** Where Redis is and how to reach it: one server, a cluster, or a master found through sentinels. */
export type RedisTopology = (
	| { mode: "standalone"; url: string }
	| { mode: "cluster"; nodes: RedisNode[] }
	| { mode: "sentinel"; sentinels: RedisNode[]; masterName: string }
) & { username?: string; password?: string; tls: boolean };

type RedisEnv = Pick<
	BaseEnv,
	| "REDIS_URL"
	| "REDIS_CLUSTER_NODES"
	| "REDIS_SENTINELS"
	| "REDIS_SENTINEL_NAME"
	| "REDIS_USERNAME"
	| "REDIS_PASSWORD"
	| "REDIS_TLS"
>;

/** The Redis topology the REDIS_* variables describe; throws a ConfigError naming the variable at fault. */
export function redisTopology(env: RedisEnv): RedisTopology {
	const auth = { username: env.REDIS_USERNAME, password: env.REDIS_PASSWORD, tls: env.REDIS_TLS };
	if (env.REDIS_CLUSTER_NODES && env.REDIS_SENTINELS) {
		throw new ConfigError(
			"Invalid configuration:\n  REDIS_CLUSTER_NODES: cannot be combined with REDIS_SENTINELS (choose one topology)",
		);
	}
	if (env.REDIS_CLUSTER_NODES) {
		return { mode: "cluster", nodes: parseRedisNodes("REDIS_CLUSTER_NODES", env.REDIS_CLUSTER_NODES), ...auth };
	}
	if (env.REDIS_SENTINELS) {
		if (!env.REDIS_SENTINEL_NAME) {
			throw new ConfigError("Invalid configuration:\n  REDIS_SENTINEL_NAME: required with REDIS_SENTINELS");
		}
		const sentinels = parseRedisNodes("REDIS_SENTINELS", env.REDIS_SENTINELS);
		return { mode: "sentinel", sentinels, masterName: env.REDIS_SENTINEL_NAME, ...auth };
	}
	return { mode: "standalone", url: env.REDIS_URL, ...auth };
}

function parseRedisNodes(variable: string, text: string): RedisNode[] {
	const nodes = text
		.split(",")
		.map((entry) => entry.trim())
		.filter(Boolean)
		.map((entry) => {
			const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(entry);
			const port = Number(match?.[2]);
			if (!match?.[1] || port < 1 || port > 65535) return undefined;
			return { host: match[1].replace(/^\[|\]$/g, ""), port };
		});
	if (nodes.length === 0 || nodes.some((node) => node === undefined)) {
		throw new ConfigError(`Invalid configuration:\n  ${variable}: must be host:port entries separated by commas`);
	}
	return nodes as RedisNode[];
}

export interface SecretKeyResolution {
	key: Buffer;
	/** Keys the current one replaced: what was sealed under them still opens. */
	previousKeys: Buffer[];
	/** Set when the development key is in use; callers log it loudly. */
	warning?: string;
}

/** SENSORIUM_SECRET_KEY is mandatory in production; elsewhere a fixed, public key stands in. */
export function resolveSecretKey(
	env: Pick<BaseEnv, "NODE_ENV" | "SENSORIUM_SECRET_KEY"> & Partial<Pick<BaseEnv, "SENSORIUM_PREVIOUS_SECRET_KEYS">>,
): SecretKeyResolution {
	const previousKeys = env.SENSORIUM_PREVIOUS_SECRET_KEYS ?? [];
	if (env.NODE_ENV === "production" && env.SENSORIUM_SECRET_KEY === DEVELOPMENT_SECRET_KEY) {
		throw new ConfigError(
			"Invalid configuration:\n  SENSORIUM_SECRET_KEY: is the built-in development key, which is public; production needs its own (`openssl rand -base64 32`)",
		);
	}
	if (env.SENSORIUM_SECRET_KEY) return { key: Buffer.from(env.SENSORIUM_SECRET_KEY, "base64"), previousKeys };
	if (env.NODE_ENV === "production") {
		throw new ConfigError(
			"Invalid configuration:\n  SENSORIUM_SECRET_KEY: required when NODE_ENV=production (32 bytes, base64; e.g. `openssl rand -base64 32`)",
		);
	}
	return {
		key: Buffer.from(DEVELOPMENT_SECRET_KEY, "base64"),
		previousKeys,
		warning:
			"SENSORIUM_SECRET_KEY is not set: using the built-in DEVELOPMENT key. Stored secrets are NOT protected. Set SENSORIUM_SECRET_KEY before storing real credentials.",
	};
}

/**
 * A process's start-up: runs the configuration loading and, when it throws, prints the message
 * (which names the variable) and exits 1, instead of a stack trace from deep inside zod.
 */
export function loadConfigOrExit<T>(load: () => T): T {
	try {
		return load();
	} catch (error) {
		console.error(error instanceof Error ? error.message : String(error));
		process.exit(1);
	}
}
