import { bootstrapOrganization } from "@sensorium/accounts";
import { createHarness } from "@sensorium/api/test-harness";
import type { DatabaseHandle } from "@sensorium/db";
import type { ExecutionQueue, RedisTarget } from "@sensorium/queue";
import { TEST_REDIS_URL, type TestDatabase } from "@sensorium/testing";
import { startWorker, type WorkerProcess, waitFor } from "./fixtures.ts";

export const SECRET_KEY = Buffer.alloc(32, 5).toString("base64");

export interface ScanHarness {
	database: DatabaseHandle;
	testDb: TestDatabase;
	prefix: string;
	queue: ExecutionQueue;
	token: string;
	/** A request with the bootstrapped organisation's token, or `token` (another organisation's). */
	api(
		method: string,
		path: string,
		body?: unknown,
		token?: string,
	): Promise<{ status: number; body: Record<string, unknown> }>;
	/** Serves the API over real HTTP on a loopback port (for clients such as the CLI). */
	listen(): Promise<string>;
	workerEnv(extra?: Record<string, string>): Record<string, string>;
	startWorker(extra?: Record<string, string>): WorkerProcess;
	waitForFinish(executionId: string, timeoutMs?: number, token?: string): Promise<Record<string, unknown>>;
	close(): Promise<void>;
}

export interface ScanHarnessOptions {
	/** Another Redis topology than the test server, and the REDIS_* variables that name it to processes. */
	redis?: { target: RedisTarget; env: Record<string, string> };
	/** A database of another server (dropped on close), instead of a clone of the test template. */
	database?: TestDatabase;
	/** Where the API and the workers connect to the database, when not directly (e.g. through PgBouncer). */
	databaseUrl?: string;
}

/** API in-process (app.request, the shared API harness), real queue, real worker processes, private database and prefix. */
export async function createScanHarness(fsRoot: string, options: ScanHarnessOptions = {}): Promise<ScanHarness> {
	const api = await createHarness({
		label: "scan",
		secretKey: Buffer.from(SECRET_KEY, "base64"),
		allowGitFileUrls: true,
		...(options.database ? { database: options.database } : {}),
		...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
		...(options.redis ? { redis: options.redis.target } : {}),
	});
	const { database, testDb, databaseUrl, prefix, queue } = api;
	const boot = await bootstrapOrganization(database.db, { orgName: "Scans", email: "scans@example.test" });
	const workers: WorkerProcess[] = [];

	const harness: ScanHarness = {
		database,
		testDb,
		prefix,
		queue,
		token: boot.token,
		async api(method, path, body, token = boot.token) {
			const { status, body: answer } = await api.request(method, path, { token, body });
			return { status, body: answer };
		},
		listen: () => api.listen(),
		workerEnv(extra = {}) {
			return {
				DATABASE_URL: databaseUrl,
				REDIS_URL: TEST_REDIS_URL,
				...options.redis?.env,
				QUEUE_PREFIX: prefix,
				SENSORIUM_SECRET_KEY: SECRET_KEY,
				SENSOR_GIT_ALLOW_FILE_URLS: "true",
				SENSOR_FS_ROOTS: fsRoot,
				WORKER_CONCURRENCY: "2",
				// Each discovery thread compiles the pipeline through tsx at start-up; one keeps worker start-up short on
				// a loaded machine. The scanner's own tests run the pool with several threads.
				WORKER_THREADS: "1",
				EXECUTION_LEASE_MS: "3000",
				WORKER_LOCK_DURATION_MS: "3000",
				WORKER_STALLED_INTERVAL_MS: "1000",
				RECONCILE_INTERVAL_MS: "1000",
				RECONCILE_GRACE_MS: "2000",
				SHUTDOWN_TIMEOUT_MS: "10000",
				...extra,
			};
		},
		startWorker(extra = {}) {
			const worker = startWorker(harness.workerEnv(extra));
			workers.push(worker);
			return worker;
		},
		async waitForFinish(executionId, timeoutMs = 60_000, token = boot.token) {
			return waitFor(
				`execution ${executionId} to finish`,
				async () => {
					const res = await harness.api("GET", `/v3/scan/${executionId}`, undefined, token);
					return res.body.status === "successful" || res.body.status === "failed" ? res.body : undefined;
				},
				timeoutMs,
			);
		},
		async close() {
			await Promise.all(workers.map((w) => w.stop("SIGKILL")));
			await api.close();
		},
	};
	return harness;
}
