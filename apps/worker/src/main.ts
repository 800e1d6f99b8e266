import { randomBytes } from "node:crypto";
import { hostname, tmpdir } from "node:os";
import { createEvaluator, parseRuleOverrides, type RuleOverride } from "@sensorium/analysis";
import { loadConfigOrExit, parseEnv, redisTopology, resolveSecretKey, workerEnvSchema } from "@sensorium/config";
import { createDatabase } from "@sensorium/db";
import { DEFAULT_KEYSTORE_PASSWORDS } from "@sensorium/discovery";
import { reconcileExpiredLeases, reconcileQueuedExecutions } from "@sensorium/executions";
import { createProcessLogger } from "@sensorium/logger";
import { createRegistry, executionMetrics, reconcilerMetrics } from "@sensorium/metrics";
import { createNetworkPolicy } from "@sensorium/network-policy";
import { CallbackQueue, createWorkerConnection, ExecutionQueue, ExportQueue } from "@sensorium/queue";
import { ProcessRuntime } from "@sensorium/runtime";
import {
	createExecutionWorker,
	createPipeline,
	DiscoveryPool,
	detectionFingerprint,
	removeOrphanedWorkDirs,
} from "@sensorium/scanner";
import { SecretBox } from "@sensorium/secrets";
import { sensorImplementations } from "@sensorium/sensors";
import { sql } from "drizzle-orm";

/** The analysis rules, checked here so that a bad ANALYSIS_RULES stops the process at start, not in a thread. */
function loadRuleOverrides(): RuleOverride[] {
	try {
		const overrides = env.ANALYSIS_RULES ? parseRuleOverrides(env.ANALYSIS_RULES) : [];
		createEvaluator(overrides, { expiringWithinDays: env.ANALYSIS_EXPIRING_WITHIN_DAYS });
		return overrides;
	} catch (error) {
		console.error(`Invalid configuration:\n  ANALYSIS_RULES: ${error instanceof Error ? error.message : error}`);
		process.exit(1);
	}
}

const { env, secret, redis } = loadConfigOrExit(() => {
	const env = parseEnv(workerEnvSchema);
	return { env, secret: resolveSecretKey(env), redis: redisTopology(env) };
});
const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
const logger = createProcessLogger("sensorium-worker", env).child({ workerId });
if (secret.warning) logger.warn(secret.warning);
const runtime = new ProcessRuntime({ logger, shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS });

// Discovery runs on WORKER_THREADS threads shared by every execution; the event loop keeps leases and locks.
// Policy is kept apart from detection: each thread evaluates findings with rules overridable by ANALYSIS_RULES.
const pipeline = {
	keystorePasswords: [...DEFAULT_KEYSTORE_PASSWORDS, ...env.SENSOR_KEYSTORE_PASSWORDS],
	analysis: { overrides: loadRuleOverrides(), expiringWithinDays: env.ANALYSIS_EXPIRING_WITHIN_DAYS },
};
const discovery = await DiscoveryPool.start({
	threads: env.WORKER_THREADS,
	fileTimeoutMs: env.WORKER_FILE_TIMEOUT_MS,
	pipeline,
});

const tmpDir = env.WORKER_TMP_DIR ?? tmpdir();
await removeOrphanedWorkDirs(tmpDir, logger);

const database = createDatabase(env.DATABASE_URL, {
	applicationName: "sensorium-worker",
	max: env.WORKER_CONCURRENCY + 3,
});
const workerConnection = createWorkerConnection(redis);
const queueConnection = createWorkerConnection(redis);
const queue = new ExecutionQueue(queueConnection, env.QUEUE_PREFIX);
const callbackQueue = new CallbackQueue(queueConnection, env.QUEUE_PREFIX);
const exportQueue = new ExportQueue(queueConnection, env.QUEUE_PREFIX);
const handBack = new AbortController();
const registry = createRegistry("worker");
const metrics = executionMetrics(registry);
const reconciliation = reconcilerMetrics(registry);

const worker = createExecutionWorker({
	connection: workerConnection,
	prefix: env.QUEUE_PREFIX,
	concurrency: env.WORKER_CONCURRENCY,
	lockDurationMs: env.WORKER_LOCK_DURATION_MS,
	stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
	maxStalledCount: env.WORKER_MAX_STALLED_COUNT,
	shutdown: handBack.signal,
	deps: {
		db: database.db,
		secretBox: new SecretBox(secret.key, secret.previousKeys),
		sensors: sensorImplementations,
		discovery,
		// Image-layer results cached per organisation are reused only under the same detection settings, and are
		// analysed again here (analysis depends on the date).
		detectionFingerprint: detectionFingerprint(pipeline),
		analyze: createPipeline(pipeline).analyze,
		findingsBatchSize: env.FINDINGS_BATCH_SIZE,
		maxFileBytes: env.SENSOR_MAX_FILE_SIZE_MB * 1024 * 1024,
		settings: {
			allowGitFileUrls: env.SENSOR_GIT_ALLOW_FILE_URLS,
			filesystemRoots: env.SENSOR_FS_ROOTS,
			gitTimeoutMs: env.SENSOR_GIT_TIMEOUT_MS,
			artifactoryDownloadConcurrency: env.ARTIFACTORY_DOWNLOAD_CONCURRENCY,
			orgRepositoryConcurrency: env.ORG_SENSOR_REPOSITORY_CONCURRENCY,
			orgApiTimeoutMs: env.ORG_SENSOR_API_TIMEOUT_MS,
			networkPolicy: createNetworkPolicy(env.SENSOR_ALLOWED_NETWORKS),
		},
		logger,
		workerId,
		leaseMs: env.EXECUTION_LEASE_MS,
		heartbeatMs: Math.max(250, Math.floor(env.EXECUTION_LEASE_MS / 3)),
		executionTimeoutMs: env.EXECUTION_TIMEOUT_MS,
		maxAttempts: env.EXECUTION_MAX_ATTEMPTS,
		maxRunningPerOrg: env.ORG_MAX_RUNNING_EXECUTIONS,
		sensorErrorAttempts: env.SENSOR_ERROR_ATTEMPTS,
		defaultAutoResolutionDays: env.AUTO_RESOLUTION_DAYS,
		tmpDir,
		callbackQueue,
		exportQueue,
		metrics,
	},
});

// Postgres is the source of truth: every worker periodically puts back what Redis lost.
runtime.every("reconciler", env.RECONCILE_INTERVAL_MS, async () => {
	const options = { graceMs: env.RECONCILE_GRACE_MS, batchSize: 500 };
	const queued = await reconcileQueuedExecutions({ db: database.db, queue }, options);
	const expired = await reconcileExpiredLeases({ db: database.db, queue }, options);
	reconciliation.reenqueued("queued", queued.reenqueued.length);
	reconciliation.reenqueued("expired-lease", expired.length);
	if (queued.reenqueued.length + expired.length > 0) {
		logger.info({ reenqueued: queued.reenqueued, requeuedExpired: expired }, "reconciler re-enqueued executions");
	}
});
runtime.serveOperations(
	registry,
	[
		() => worker.isRunning(),
		() => database.db.execute(sql`select 1`).then(() => true),
		() => workerConnection.ping().then((reply) => reply === "PONG"),
	],
	env.WORKER_HEALTH_PORT,
);
// No new jobs; running scans may finish until shortly before the deadline, then are handed back to the queue.
runtime.onShutdown("scans", async () => {
	const handBackAt = setTimeout(
		() => {
			logger.warn("shutdown deadline near: handing running scans back to the queue");
			handBack.abort();
		},
		Math.max(0, env.SHUTDOWN_TIMEOUT_MS - 5_000),
	);
	await worker.close();
	clearTimeout(handBackAt);
	await discovery.close();
});
runtime.onShutdown("queues", async () => {
	await queue.close();
	await callbackQueue.close();
	await exportQueue.close();
});
runtime.onShutdown("redis", () => {
	workerConnection.disconnect();
	queueConnection.disconnect();
});
runtime.onShutdown("postgres", () => database.close());
runtime.handleSignals();
logger.info({ concurrency: env.WORKER_CONCURRENCY, prefix: env.QUEUE_PREFIX }, "Sensorium worker started");
