import type { Principal } from "@sensorium/accounts";
import type { Database } from "@sensorium/db";
import type { SensorTypeRegistry } from "@sensorium/executions";
import type { Logger } from "@sensorium/logger";
import type { HttpMetrics, Registry } from "@sensorium/metrics";
import type { NetworkPolicy } from "@sensorium/network-policy";
import type { AuthInvalidation, CallbackQueue, ExecutionQueue, FailureCounter, RateLimiter } from "@sensorium/queue";
import type { SecretBox } from "@sensorium/secrets";
import type { PrincipalCache } from "./middleware/auth.ts";
import type { QueueDashboard } from "./queue-dashboard.ts";

/** Everything a route may use; built by main.ts (or a test) and injected into createApp. */
export interface AppDeps {
	db: Database;
	queue: ExecutionQueue;
	secretBox: SecretBox;
	sensorTypes: SensorTypeRegistry;
	logger: Logger;
	callbackQueue: CallbackQueue;
	/** Which addresses callback URLs may resolve to (CALLBACK_ALLOWED_NETWORKS opens exceptions). */
	callbackPolicy: NetworkPolicy;
	callbackTimeoutMs: number;
	/** Short-lived memory of accepted tokens; absent means every request asks Postgres. */
	principalCache?: PrincipalCache;
	/** Tells every API replica to forget cached principals a change affects (Redis pub/sub). */
	announceAuthChange?: (change: AuthInvalidation) => Promise<void>;
	/** Prometheus registry served at /metrics, with the HTTP metrics recorded for every request. */
	metrics?: { registry: Registry; http: HttpMetrics };
	/** The operators' BullMQ dashboard at /admin/queues, when it is served on the API's own port. */
	queueDashboard?: QueueDashboard | null;
	/** The built web console, served under /console when present. */
	consoleDir?: string;
	/** Failed sign-ins per account and per client address across replicas (absent: only the database's lockout). */
	signInFailures?: FailureCounter;
	/** ORG_MAX_QUEUED_EXECUTIONS: how many queued executions one organisation may have (unset: no cap). */
	maxQueuedPerOrg?: number;
	/** Requests per token and per client address per minute, shared by replicas (absent: no rate limit). */
	rateLimits?: { limiter: RateLimiter; perToken: number; perAddress: number };
	/** Checks Postgres and Redis for /readyz. */
	ready?: () => Promise<boolean>;
}

export interface AppEnv {
	Variables: {
		deps: AppDeps;
		requestId: string;
		principal: Principal;
	};
}
