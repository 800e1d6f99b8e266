import { createDeliveryWorker, EndpointSlots } from "@sensorium/callback-delivery";
import { reconcilePendingDeliveries } from "@sensorium/callback-store";
import { parseRetrySchedule } from "@sensorium/callbacks";
import { dispatcherEnvSchema, loadConfigOrExit, parseEnv, redisTopology, resolveSecretKey } from "@sensorium/config";
import { createDatabase } from "@sensorium/db";
import { createProcessLogger } from "@sensorium/logger";
import { createRegistry, deliveryMetrics, reconcilerMetrics } from "@sensorium/metrics";
import { createNetworkPolicy } from "@sensorium/network-policy";
import { CallbackQueue, createWorkerConnection } from "@sensorium/queue";
import { ProcessRuntime } from "@sensorium/runtime";
import { SecretBox } from "@sensorium/secrets";
import { sql } from "drizzle-orm";

const { env, secret, schedule, redis } = loadConfigOrExit(() => {
	const env = parseEnv(dispatcherEnvSchema);
	return {
		env,
		secret: resolveSecretKey(env),
		schedule: parseRetrySchedule(env.CALLBACK_RETRY_SCHEDULE),
		redis: redisTopology(env),
	};
});
const logger = createProcessLogger("sensorium-dispatcher", env);
if (secret.warning) logger.warn(secret.warning);
const runtime = new ProcessRuntime({ logger, shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS });

const database = createDatabase(env.DATABASE_URL, { applicationName: "sensorium-dispatcher", max: 10 });
const workerConnection = createWorkerConnection(redis);
const queueConnection = createWorkerConnection(redis);
const queue = new CallbackQueue(queueConnection, env.QUEUE_PREFIX);
const registry = createRegistry("dispatcher");
const reconciliation = reconcilerMetrics(registry);

const worker = createDeliveryWorker({
	connection: workerConnection,
	prefix: env.QUEUE_PREFIX,
	concurrency: env.DISPATCHER_CONCURRENCY,
	lockDurationMs: env.DISPATCHER_LOCK_DURATION_MS,
	stalledIntervalMs: env.DISPATCHER_STALLED_INTERVAL_MS,
	deps: {
		metrics: deliveryMetrics(registry),
		db: database.db,
		secretBox: new SecretBox(secret.key, secret.previousKeys),
		queue,
		policy: createNetworkPolicy(env.CALLBACK_ALLOWED_NETWORKS),
		schedule,
		timeoutMs: env.CALLBACK_TIMEOUT_MS,
		endpointSlots: new EndpointSlots(env.CALLBACK_ENDPOINT_CONCURRENCY),
		logger,
		userAgent: "Sensorium-Webhooks/1",
	},
});

// Postgres is the source of truth: pending deliveries whose job Redis lost are enqueued again.
runtime.every("reconciler", env.RECONCILE_INTERVAL_MS, async () => {
	const enqueued = await reconcilePendingDeliveries(
		{ db: database.db, queue },
		{ graceMs: env.RECONCILE_GRACE_MS, batchSize: 500 },
	);
	reconciliation.reenqueued("delivery", enqueued.length);
	if (enqueued.length > 0) logger.info({ enqueued }, "reconciler re-enqueued callback deliveries");
});
runtime.serveOperations(
	registry,
	[() => worker.isRunning(), () => database.db.execute(sql`select 1`).then(() => true)],
	env.DISPATCHER_HEALTH_PORT,
);
// In-flight deliveries end within the callback timeout; anything cut off is retried from Postgres.
runtime.onShutdown("deliveries", () => worker.close());
runtime.onShutdown("queue", () => queue.close());
runtime.onShutdown("redis", () => {
	workerConnection.disconnect();
	queueConnection.disconnect();
});
runtime.onShutdown("postgres", () => database.close());
runtime.handleSignals();
logger.info({ concurrency: env.DISPATCHER_CONCURRENCY, schedule }, "Sensorium dispatcher started");
