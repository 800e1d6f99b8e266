import { type ServerType, serve } from "@hono/node-server";
import { bootstrapOrganization, createUser, issueApiToken, LOCKOUT_MS } from "@sensorium/accounts";
import { createDatabase, type DatabaseHandle } from "@sensorium/db";
import { SensorTypeRegistry } from "@sensorium/executions";
import { createLogger } from "@sensorium/logger";
import { createNetworkPolicy } from "@sensorium/network-policy";
import {
	CallbackQueue,
	createProducerConnection,
	ExecutionQueue,
	FailureCounter,
	type RedisConnection,
	type RedisTarget,
} from "@sensorium/queue";
import { SecretBox } from "@sensorium/secrets";
import { sensorTypeContracts } from "@sensorium/sensors";
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase, uniqueQueuePrefix } from "@sensorium/testing";
import { createApp } from "../src/app.ts";
import type { AppDeps } from "../src/context.ts";

export interface Org {
	orgId: string;
	adminUserId: string;
	adminEmail: string;
	adminToken: string;
	apiToken: string;
	userId: string;
	userToken: string;
}

export interface Harness {
	app: ReturnType<typeof createApp>;
	deps: AppDeps;
	database: DatabaseHandle;
	testDb: TestDatabase;
	/** Where processes started by the test (workers, dispatchers) connect to the database. */
	databaseUrl: string;
	queue: ExecutionQueue;
	callbackQueue: CallbackQueue;
	redis: RedisConnection;
	prefix: string;
	secretBox: SecretBox;
	newOrg(name?: string): Promise<Org>;
	request(
		method: string,
		path: string,
		options?: { token?: string; body?: unknown; headers?: Record<string, string> },
	): Promise<{
		status: number;
		headers: Headers;
		body: Record<string, unknown>;
	}>;
	/** Serves the API over real HTTP on a loopback port (for clients such as the CLI). */
	listen(): Promise<string>;
	close(): Promise<void>;
}

export interface HarnessOptions {
	/** Names the private queue prefix, for reading Redis by eye. */
	label?: string;
	/** SENSORIUM_SECRET_KEY, when processes started by the test must open what the API sealed. */
	secretKey?: Buffer;
	allowGitFileUrls?: boolean;
	/** CALLBACK_ALLOWED_NETWORKS of the API (loopback by default, for local receivers). */
	callbackNetworks?: string[];
	/** A database of another server (dropped on close), instead of a clone of the test template. */
	database?: TestDatabase;
	/** Where the API connects to the database, when not directly (e.g. through PgBouncer). */
	databaseUrl?: string;
	/** Another Redis topology than the test server. */
	redis?: RedisTarget;
}

let orgCounter = 0;

/**
 * The API's dependencies for one test file, built once here for the API, worker and dispatcher tests: a private
 * database cloned from the migrated template, a private queue prefix, and the Hono app over them (in-process).
 */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
	const testDb: TestDatabase = options.database ?? (await createTestDatabase());
	const databaseUrl = options.databaseUrl ?? testDb.url;
	const database = createDatabase(databaseUrl, { max: 5 });
	const redis = createProducerConnection(options.redis ?? TEST_REDIS_URL);
	const prefix = uniqueQueuePrefix(options.label ?? "api");
	const queue = new ExecutionQueue(redis, prefix);
	const secretBox = new SecretBox(options.secretKey ?? Buffer.alloc(32, 7));
	const sensorTypes = await SensorTypeRegistry.load(
		database.db,
		sensorTypeContracts({ allowGitFileUrls: options.allowGitFileUrls ?? false }),
	);
	const callbackQueue = new CallbackQueue(redis, prefix);
	const deps: AppDeps = {
		db: database.db,
		queue,
		callbackQueue,
		callbackPolicy: createNetworkPolicy(options.callbackNetworks ?? ["127.0.0.0/8", "::1/128"]),
		callbackTimeoutMs: 2_000,
		secretBox,
		sensorTypes,
		logger: createLogger({ name: "test", level: "silent" }),
		signInFailures: new FailureCounter(redis, prefix, LOCKOUT_MS),
	};
	const app = createApp(deps);
	const servers: ServerType[] = [];

	return {
		app,
		deps,
		database,
		testDb,
		databaseUrl,
		queue,
		callbackQueue,
		redis,
		prefix,
		secretBox,
		async newOrg(name = `Org ${++orgCounter}`) {
			const email = `admin${orgCounter}.${Date.now()}@example.test`;
			const boot = await bootstrapOrganization(database.db, { orgName: name, email });
			const api = await issueApiToken(database.db, {
				userId: boot.userId,
				name: "ci",
				type: "API Token",
				expiresInDays: 30,
			});
			const { userId } = await createUser(database.db, { orgId: boot.orgId, email: `user.${email}`, role: "user" });
			const user = await issueApiToken(database.db, { userId, name: "user", type: "API Token", expiresInDays: 30 });
			return {
				orgId: boot.orgId,
				adminUserId: boot.userId,
				adminEmail: email,
				adminToken: boot.token,
				apiToken: api.token,
				userId,
				userToken: user.token,
			};
		},
		async request(method, path, options = {}) {
			const headers: Record<string, string> = { ...options.headers };
			if (options.token) headers["isg-api-token"] = options.token;
			let body: string | undefined;
			if (options.body !== undefined) {
				body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
				headers["content-type"] ??= "application/json";
			}
			const res = await app.request(path, { method, headers, body });
			const text = await res.text();
			return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
		},
		listen() {
			return new Promise((resolve) => {
				const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
					resolve(`http://127.0.0.1:${info.port}`),
				);
				servers.push(server);
			});
		},
		async close() {
			for (const server of servers) server.close();
			await queue.queue.obliterate({ force: true }).catch(() => {});
			await callbackQueue.queue.obliterate({ force: true }).catch(() => {});
			await queue.close();
			await callbackQueue.close();
			redis.disconnect();
			await database.close();
			await testDb.drop();
		},
	};
}

export const gitConfig = { url: "https://git.example.com/acme/app.git" };

export function createBody(overrides: Record<string, unknown> = {}) {
	return {
		sensorType: "GIT Sensor",
		sensorName: `sensor-${Math.random().toString(36).slice(2)}`,
		sensorConfig: gitConfig,
		...overrides,
	};
}
