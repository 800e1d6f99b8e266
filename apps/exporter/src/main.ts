import { exporterEnvSchema, loadConfigOrExit, parseEnv, redisTopology } from "@sensorium/config";
import { createDatabase } from "@sensorium/db";
import { createProcessLogger } from "@sensorium/logger";
import { createRegistry, exportMetrics, queueDepthMetrics, reconcilerMetrics } from "@sensorium/metrics";
import {
	createExportWorker,
	createOpenSearchClient,
	reconcileExports,
	TemplateInstaller,
} from "@sensorium/opensearch-export";
import { createWorkerConnection, ExportQueue } from "@sensorium/queue";
import { ProcessRuntime } from "@sensorium/runtime";
import { sql } from "drizzle-orm";

const { env, redis } = loadConfigOrExit(() => {
	const env = parseEnv(exporterEnvSchema);
	return { env, redis: redisTopology(env) };
});
const logger = createProcessLogger("sensorium-exporter", env);
if (env.OPENSEARCH_URL.length === 0) {
	// Export is optional: without a cluster the outbox rows simply wait for an exporter that has one.
	logger.info("OpenSearch export is off (OPENSEARCH_URL is unset); exporter not started");
	process.exit(0);
}
const runtime = new ProcessRuntime({ logger, shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS });

const database = createDatabase(env.DATABASE_URL, {
	applicationName: "sensorium-exporter",
	max: env.EXPORTER_CONCURRENCY + 3,
});
const workerConnection = createWorkerConnection(redis);
const queueConnection = createWorkerConnection(redis);
const queue = new ExportQueue(queueConnection, env.QUEUE_PREFIX);
const client = createOpenSearchClient({
	nodes: env.OPENSEARCH_URL,
	username: env.OPENSEARCH_USERNAME,
	password: env.OPENSEARCH_PASSWORD,
	apiKey: env.OPENSEARCH_API_KEY,
	caCertFile: env.OPENSEARCH_CA_CERT,
	requestTimeoutMs: env.OPENSEARCH_REQUEST_TIMEOUT_MS,
});
const templates = new TemplateInstaller(client, env.OPENSEARCH_INDEX_PREFIX);

const registry = createRegistry("exporter");
const metrics = exportMetrics(registry);
const reconciliation = reconcilerMetrics(registry);
// The exporter publishes its own queue depth: exporters scale on it, apart from workers and dispatchers.
queueDepthMetrics(registry, { exports: { counts: () => queue.counts() } });

const worker = createExportWorker({
	connection: workerConnection,
	prefix: env.QUEUE_PREFIX,
	concurrency: env.EXPORTER_CONCURRENCY,
	lockDurationMs: env.EXPORTER_LOCK_DURATION_MS,
	stalledIntervalMs: env.EXPORTER_STALLED_INTERVAL_MS,
	templates,
	onFinished: (outcome) => metrics.exportFinished(outcome),
	deps: {
		db: database.db,
		client,
		queue,
		indexPrefix: env.OPENSEARCH_INDEX_PREFIX,
		maxDocs: env.OPENSEARCH_BULK_MAX_DOCS,
		maxBytes: env.OPENSEARCH_BULK_MAX_BYTES,
		leaseMs: env.EXPORTER_LEASE_MS,
		backoff: { baseMs: env.OPENSEARCH_RETRY_BASE_MS, maxMs: env.OPENSEARCH_RETRY_MAX_MS },
		itemBackoff: { baseMs: Math.min(env.OPENSEARCH_RETRY_BASE_MS, 1_000), maxMs: 5_000 },
		itemRetryRounds: 5,
		logger,
		metrics,
	},
});

runtime.every("reconciler", env.RECONCILE_INTERVAL_MS, async () => {
	const enqueued = await reconcileExports(
		{ db: database.db, queue },
		{ graceMs: env.RECONCILE_GRACE_MS, batchSize: 500 },
	);
	reconciliation.reenqueued("export", enqueued.length);
	if (enqueued.length > 0) logger.info({ enqueued }, "reconciler re-enqueued exports");
});
// Ready means consuming the queue with Postgres reachable; an OpenSearch outage is not a reason to
// restart the exporter (the outbox waits), so the cluster is not part of readiness.
runtime.serveOperations(
	registry,
	[() => worker.isRunning(), () => database.db.execute(sql`select 1`).then(() => true)],
	env.EXPORTER_HEALTH_PORT,
);
// A batch in flight ends within the request timeout; an export cut off resumes from its cursor.
runtime.onShutdown("exports", () => worker.close());
runtime.onShutdown("queue", () => queue.close());
runtime.onShutdown("redis", () => {
	workerConnection.disconnect();
	queueConnection.disconnect();
});
runtime.onShutdown("opensearch", () => client.close());
runtime.onShutdown("postgres", () => database.close());
runtime.handleSignals();

// The template goes in at start-up when the cluster answers; otherwise before the first export.
templates.ensure().catch((error) => logger.warn({ err: error.message }, "index template not installed yet"));
logger.info(
	{ nodes: env.OPENSEARCH_URL, indexPrefix: env.OPENSEARCH_INDEX_PREFIX, concurrency: env.EXPORTER_CONCURRENCY },
	"Sensorium exporter started",
);
