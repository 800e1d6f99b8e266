import { exporterEnvSchema, loadConfigOrExit, parseEnv, redisTopology } from "@sensorium/config";
import { createDatabase } from "@sensorium/db";
import { createLogger } from "@sensorium/logger";
import {
	createOperationsServer,
	createRegistry,
	exportMetrics,
	queueDepthMetrics,
	reconcilerMetrics,
} from "@sensorium/metrics";
import {
	createOpenSearchClient,
	type ExportResult,
	reconcileExports,
	runExport,
	TemplateInstaller,
} from "@sensorium/opensearch-export";
import { createWorkerConnection, EXPORTS_QUEUE, ExportQueue, exportJobSchema, queueKeyPrefix } from "@sensorium/queue";
import { Worker } from "bullmq";
import { sql } from "drizzle-orm";

const { env, redis } = loadConfigOrExit(() => {
	const env = parseEnv(exporterEnvSchema);
	return { env, redis: redisTopology(env) };
});
const logger = createLogger({ name: "sensorium-exporter", level: env.LOG_LEVEL });
if (env.OPENSEARCH_URL.length === 0) {
	// Export is optional: without a cluster the outbox rows simply wait for an exporter that has one.
	logger.info("OpenSearch export is off (OPENSEARCH_URL is unset); exporter not started");
	process.exit(0);
}

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
const deps = {
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
};

const worker = new Worker(
	EXPORTS_QUEUE,
	async (job): Promise<ExportResult> => {
		const { exportId } = exportJobSchema.parse(job.data);
		const result = await runExport(deps, templates, exportId);
		if (result.outcome === "done" || result.outcome === "failed") metrics.exportFinished(result.outcome);
		return result;
	},
	{
		connection: workerConnection,
		prefix: queueKeyPrefix(workerConnection, env.QUEUE_PREFIX),
		concurrency: env.EXPORTER_CONCURRENCY,
		lockDuration: env.EXPORTER_LOCK_DURATION_MS,
		stalledInterval: env.EXPORTER_STALLED_INTERVAL_MS,
		// An exporter killed mid-export must not fail the export for good: the row decides.
		maxStalledCount: 10,
	},
);
worker.on("error", (error) => logger.error({ err: error }, "worker error"));
worker.on("failed", (job, error) => logger.warn({ exportId: job?.data.exportId, err: error }, "export job failed"));

const reconciler = setInterval(async () => {
	try {
		const enqueued = await reconcileExports(
			{ db: database.db, queue },
			{ graceMs: env.RECONCILE_GRACE_MS, batchSize: 500 },
		);
		reconciliation.reenqueued("export", enqueued.length);
		if (enqueued.length > 0) logger.info({ enqueued }, "reconciler re-enqueued exports");
	} catch (error) {
		logger.warn({ err: error }, "reconciler round failed");
	}
}, env.RECONCILE_INTERVAL_MS);

let stopping = false;
// Ready means consuming the queue with Postgres reachable; an OpenSearch outage is not a reason to
// restart the exporter (the outbox waits), so the cluster is not part of readiness.
const health = createOperationsServer(registry, [
	() => worker.isRunning(),
	() => database.db.execute(sql`select 1`).then(() => true),
]);
if (env.EXPORTER_HEALTH_PORT > 0) health.listen(env.EXPORTER_HEALTH_PORT);
// The template goes in at start-up when the cluster answers; otherwise before the first export.
templates.ensure().catch((error) => logger.warn({ err: error.message }, "index template not installed yet"));
logger.info(
	{ nodes: env.OPENSEARCH_URL, indexPrefix: env.OPENSEARCH_INDEX_PREFIX, concurrency: env.EXPORTER_CONCURRENCY },
	"Sensorium exporter started",
);

async function shutdown(signal: string) {
	if (stopping) return;
	stopping = true;
	health.markStopping();
	logger.info({ signal }, "shutting down");
	clearInterval(reconciler);
	const hardStop = setTimeout(() => {
		logger.error("shutdown deadline passed; exiting");
		process.exit(1);
	}, env.SHUTDOWN_TIMEOUT_MS);
	hardStop.unref();
	// A batch in flight ends within the request timeout; an export cut off resumes from its cursor.
	await worker.close();
	await queue.close();
	workerConnection.disconnect();
	queueConnection.disconnect();
	await client.close();
	health.close();
	await database.close();
	process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
