import { reconcilePendingDeliveries } from "@sensorium/callback-store";
import { parseRetrySchedule } from "@sensorium/callbacks";
import { dispatcherEnvSchema, loadConfigOrExit, parseEnv, redisTopology, resolveSecretKey } from "@sensorium/config";
import { createDatabase } from "@sensorium/db";
import { createLogger, resolveLogFormat } from "@sensorium/logger";
import { createOperationsServer, createRegistry, deliveryMetrics, reconcilerMetrics } from "@sensorium/metrics";
import { createNetworkPolicy } from "@sensorium/network-policy";
import {
	CALLBACKS_QUEUE,
	createWorkerConnection,
	DeliveryQueue,
	deliveryJobSchema,
	queueKeyPrefix,
} from "@sensorium/queue";
import { SecretBox } from "@sensorium/secrets";
import { DelayedError, Worker } from "bullmq";
import { sql } from "drizzle-orm";
import { type DispatchResult, deliverCallback, EndpointSlots } from "./deliver-callback.ts";

const { env, secret, schedule, redis } = loadConfigOrExit(() => {
	const env = parseEnv(dispatcherEnvSchema);
	return {
		env,
		secret: resolveSecretKey(env),
		schedule: parseRetrySchedule(env.CALLBACK_RETRY_SCHEDULE),
		redis: redisTopology(env),
	};
});
const logger = createLogger({
	name: "sensorium-dispatcher",
	level: env.LOG_LEVEL,
	format: resolveLogFormat(env.LOG_FORMAT, { nodeEnv: env.NODE_ENV, isTTY: process.stdout.isTTY }),
});
if (secret.warning) logger.warn(secret.warning);

const database = createDatabase(env.DATABASE_URL, { applicationName: "sensorium-dispatcher", max: 10 });
const workerConnection = createWorkerConnection(redis);
const queueConnection = createWorkerConnection(redis);
const queue = new DeliveryQueue(queueConnection, env.QUEUE_PREFIX);

const registry = createRegistry("dispatcher");
const reconciliation = reconcilerMetrics(registry);

const deps = {
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
};

const worker = new Worker(
	CALLBACKS_QUEUE,
	async (job, token): Promise<DispatchResult> => {
		const { deliveryId } = deliveryJobSchema.parse(job.data);
		const result = await deliverCallback(deps, deliveryId);
		if (result.outcome === "later") {
			await job.moveToDelayed(Date.now() + result.afterMs, token);
			throw new DelayedError();
		}
		return result;
	},
	{
		connection: workerConnection,
		prefix: queueKeyPrefix(workerConnection, env.QUEUE_PREFIX),
		concurrency: env.DISPATCHER_CONCURRENCY,
		lockDuration: env.DISPATCHER_LOCK_DURATION_MS,
		stalledInterval: env.DISPATCHER_STALLED_INTERVAL_MS,
		// A dispatcher killed mid-delivery must not fail the delivery for good: the row decides.
		maxStalledCount: 10,
	},
);
worker.on("error", (error) => logger.error({ err: error }, "worker error"));
worker.on("failed", (job, error) =>
	logger.warn({ deliveryId: job?.data.deliveryId, err: error }, "delivery job failed"),
);

const reconciler = setInterval(async () => {
	try {
		const enqueued = await reconcilePendingDeliveries(
			{ db: database.db, queue },
			{ graceMs: env.RECONCILE_GRACE_MS, batchSize: 500 },
		);
		reconciliation.reenqueued("delivery", enqueued.length);
		if (enqueued.length > 0) logger.info({ enqueued }, "reconciler re-enqueued callback deliveries");
	} catch (error) {
		logger.warn({ err: error }, "reconciler round failed");
	}
}, env.RECONCILE_INTERVAL_MS);

let stopping = false;
const health = createOperationsServer(registry, [
	() => worker.isRunning(),
	() => database.db.execute(sql`select 1`).then(() => true),
]);
if (env.DISPATCHER_HEALTH_PORT > 0) health.listen(env.DISPATCHER_HEALTH_PORT);
logger.info({ concurrency: env.DISPATCHER_CONCURRENCY, schedule }, "Sensorium dispatcher started");

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
	// In-flight deliveries end within the callback timeout; anything cut off is retried from Postgres.
	await worker.close();
	await queue.close();
	workerConnection.disconnect();
	queueConnection.disconnect();
	health.close();
	await database.close();
	process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled rejection"));
