import { serve } from "@hono/node-server";
import { LOCKOUT_MS } from "@sensorium/accounts";
import { apiEnvSchema, loadConfigOrExit, parseEnv, redisTopology, resolveSecretKey } from "@sensorium/config";
import { createDatabase } from "@sensorium/db";
import { organizationLoads, SensorTypeRegistry } from "@sensorium/executions";
import { createProcessLogger } from "@sensorium/logger";
import { createRegistry, httpMetrics, organizationLoadMetrics, queueDepthMetrics } from "@sensorium/metrics";
import { createNetworkPolicy } from "@sensorium/network-policy";
import {
	CallbackQueue,
	createProducerConnection,
	createWorkerConnection,
	ExecutionQueue,
	FailureCounter,
	publishAuthInvalidation,
	RateLimiter,
} from "@sensorium/queue";
import { ProcessRuntime } from "@sensorium/runtime";
import { SecretBox } from "@sensorium/secrets";
import { sensorTypeContracts } from "@sensorium/sensors";
import { sql } from "drizzle-orm";
import { createApp } from "./app.ts";
import { listenForAuthInvalidations, PrincipalCache } from "./middleware/auth.ts";
import { createQueueDashboard, dashboardApp } from "./queue-dashboard.ts";
import { defaultConsoleDir } from "./routes/console.ts";
import { serveApi } from "./server.ts";

const { env, secret, redisTarget } = loadConfigOrExit(() => {
	const env = parseEnv(apiEnvSchema);
	return { env, secret: resolveSecretKey(env), redisTarget: redisTopology(env) };
});
const logger = createProcessLogger("sensorium-api", env);
if (secret.warning) logger.warn(secret.warning);
const runtime = new ProcessRuntime({ logger, shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS });

const database = createDatabase(env.DATABASE_URL, { applicationName: "sensorium-api", max: 20 });
const redis = createProducerConnection(redisTarget);
const queue = new ExecutionQueue(redis, env.QUEUE_PREFIX);
const callbackQueue = new CallbackQueue(redis, env.QUEUE_PREFIX);
const sensorTypes = await SensorTypeRegistry.load(
	database.db,
	sensorTypeContracts({
		allowGitFileUrls: env.SENSOR_GIT_ALLOW_FILE_URLS,
		maxFileSizeMb: env.SENSOR_MAX_FILE_SIZE_MB,
	}),
);

const registry = createRegistry("api");
queueDepthMetrics(registry, {
	executions: { counts: () => queue.counts(), byPriority: () => queue.depthByPriority() },
	callbacks: { counts: () => callbackQueue.counts() },
});
organizationLoadMetrics(registry, () => organizationLoads(database.db));

const queueDashboard = env.QUEUE_DASHBOARD_PASSWORD
	? createQueueDashboard([queue.queue, callbackQueue.queue], {
			password: env.QUEUE_DASHBOARD_PASSWORD,
			readOnly: env.QUEUE_DASHBOARD_READ_ONLY,
			uiPath: env.QUEUE_DASHBOARD_UI_PATH,
		})
	: null;
if (env.QUEUE_DASHBOARD_PASSWORD && !queueDashboard)
	logger.warn("bull-board UI files not found: /admin/queues is disabled (set QUEUE_DASHBOARD_UI_PATH)");
// On a port of its own the dashboard can be kept to the operations network; otherwise it shares the API's.
const dashboardServer =
	queueDashboard && env.QUEUE_DASHBOARD_PORT
		? serve({
				fetch: dashboardApp(queueDashboard).fetch,
				port: env.QUEUE_DASHBOARD_PORT,
				hostname: env.QUEUE_DASHBOARD_HOST,
			})
		: null;

const principalCache = new PrincipalCache(env.AUTH_CACHE_TTL_MS);
// Not awaited: the API serves while Redis is away; the subscription starts when Redis answers.
const authSubscriber = createWorkerConnection(redisTarget);
listenForAuthInvalidations(authSubscriber, env.QUEUE_PREFIX, principalCache).catch((error: unknown) =>
	logger.error(
		{ err: error },
		"could not subscribe to token revocations; cached tokens expire after AUTH_CACHE_TTL_MS",
	),
);

const app = createApp({
	queueDashboard: dashboardServer ? null : queueDashboard,
	consoleDir: env.CONSOLE_DIST_DIR ?? defaultConsoleDir(import.meta.url),
	metrics: { registry, http: httpMetrics(registry) },
	db: database.db,
	queue,
	callbackQueue,
	callbackPolicy: createNetworkPolicy(env.CALLBACK_ALLOWED_NETWORKS),
	callbackTimeoutMs: env.CALLBACK_TIMEOUT_MS,
	secretBox: new SecretBox(secret.key, secret.previousKeys),
	sensorTypes,
	logger,
	principalCache,
	announceAuthChange: (change) => publishAuthInvalidation(redis, env.QUEUE_PREFIX, change),
	signInFailures: new FailureCounter(redis, env.QUEUE_PREFIX, LOCKOUT_MS),
	maxQueuedPerOrg: env.ORG_MAX_QUEUED_EXECUTIONS,
	...(env.API_RATE_LIMIT_PER_TOKEN > 0 || env.API_RATE_LIMIT_PER_ADDRESS > 0
		? {
				rateLimits: {
					limiter: new RateLimiter(redis, env.QUEUE_PREFIX),
					perToken: env.API_RATE_LIMIT_PER_TOKEN || Number.POSITIVE_INFINITY,
					perAddress: env.API_RATE_LIMIT_PER_ADDRESS || Number.POSITIVE_INFINITY,
				},
			}
		: {}),
	ready: async () => {
		await database.db.execute(sql`select 1`);
		return (await redis.ping()) === "PONG";
	},
});

const server = serveApi(
	app,
	{
		port: env.PORT,
		hostname: env.HOST,
		headersTimeoutMs: env.API_HEADERS_TIMEOUT_MS,
		requestTimeoutMs: env.API_REQUEST_TIMEOUT_MS,
		maxConnections: env.API_MAX_CONNECTIONS,
	},
	(port) => logger.info({ port, host: env.HOST, sensorTypes: sensorTypes.types() }, "Sensorium API listening"),
);

// Requests in flight finish; new connections are refused from the first step on.
runtime.onShutdown("http", () => new Promise<void>((resolve) => server.close(() => resolve())));
if (dashboardServer) {
	runtime.onShutdown("queue dashboard", () => new Promise<void>((resolve) => dashboardServer.close(() => resolve())));
}
runtime.onShutdown("queues", async () => {
	await queue.close();
	await callbackQueue.close();
});
runtime.onShutdown("redis", () => {
	redis.disconnect();
	authSubscriber.disconnect();
});
runtime.onShutdown("postgres", () => database.close());
runtime.handleSignals();
