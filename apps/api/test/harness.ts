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
	queue: ExecutionQueue;
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
	close(): Promise<void>;
}

let orgCounter = 0;

/** A private database cloned from the migrated template and a private queue prefix for one test file. */
export async function createHarness(): Promise<Harness> {
	const testDb: TestDatabase = await createTestDatabase();
	const database = createDatabase(testDb.url, { max: 5 });
	const redis = createProducerConnection(TEST_REDIS_URL);
	const prefix = uniqueQueuePrefix("api");
	const queue = new ExecutionQueue(redis, prefix);
	const secretBox = new SecretBox(Buffer.alloc(32, 7));
	const sensorTypes = await SensorTypeRegistry.load(database.db, sensorTypeContracts({ allowGitFileUrls: false }));
	const callbackQueue = new CallbackQueue(redis, prefix);
	const deps: AppDeps = {
		db: database.db,
		queue,
		callbackQueue,
		callbackPolicy: createNetworkPolicy(["127.0.0.0/8", "::1/128"]),
		callbackTimeoutMs: 2_000,
		secretBox,
		sensorTypes,
		logger: createLogger({ name: "test", level: "silent" }),
		signInFailures: new FailureCounter(redis, prefix, LOCKOUT_MS),
	};
	const app = createApp(deps);

	return {
		app,
		deps,
		database,
		queue,
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
		async close() {
			await queue.queue.obliterate({ force: true }).catch(() => {});
			await queue.close();
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
