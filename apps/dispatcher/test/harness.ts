import { type ChildProcess, spawn } from "node:child_process";

import { fileURLToPath } from "node:url";
import { bootstrapOrganization } from "@sensorium/accounts";
import { createHarness } from "@sensorium/api/test-harness";
import type { DatabaseHandle } from "@sensorium/db";
import { claimExecution, finishExecution } from "@sensorium/executions";
import type { CallbackQueue } from "@sensorium/queue";
import type { SecretBox } from "@sensorium/secrets";
import { TEST_REDIS_URL, type TestDatabase } from "@sensorium/testing";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const SECRET_KEY = Buffer.alloc(32, 6).toString("base64");
export const LOOPBACK = ["127.0.0.0/8", "::1/128"];

export interface DispatcherProcess {
	child: ChildProcess;
	output(): string;
	stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface DispatchHarness {
	database: DatabaseHandle;
	testDb: TestDatabase;
	secretBox: SecretBox;
	callbackQueue: CallbackQueue;
	orgId: string;
	adminUserId: string;
	apiAs(
		token: string,
		method: string,
		path: string,
		body?: unknown,
	): Promise<{ status: number; body: Record<string, unknown> }>;
	api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
	startDispatcher(extra?: Record<string, string>): DispatcherProcess;
	/** A finished execution of a sensor reporting to `callbackId`, finished the way a worker finishes one. */
	finishedExecution(
		callbackId: string,
		status?: "successful" | "failed",
	): Promise<{ sensorId: string; executionId: string }>;
	close(): Promise<void>;
}

let sensorCounter = 0;

export async function createDispatchHarness(options: { allowLoopback?: boolean } = {}): Promise<DispatchHarness> {
	const api = await createHarness({
		label: "dispatch",
		secretKey: Buffer.from(SECRET_KEY, "base64"),
		callbackNetworks: options.allowLoopback === false ? [] : LOOPBACK,
	});
	const { database, testDb, secretBox, callbackQueue, prefix } = api;
	const boot = await bootstrapOrganization(database.db, { orgName: "Hooks", email: `hooks${Date.now()}@example.test` });
	const processes: DispatcherProcess[] = [];

	const harness: DispatchHarness = {
		database,
		testDb,
		secretBox,
		callbackQueue,
		orgId: boot.orgId,
		adminUserId: boot.userId,
		async apiAs(token, method, path, body) {
			const { status, body: answer } = await api.request(method, path, { token, body });
			return { status, body: answer };
		},
		api(method, path, body) {
			return harness.apiAs(boot.token, method, path, body);
		},
		startDispatcher(extra = {}) {
			let output = "";
			const child = spawn(process.execPath, ["--import", "tsx", "apps/dispatcher/src/main.ts"], {
				cwd: ROOT,
				env: {
					...process.env,
					DATABASE_URL: testDb.url,
					REDIS_URL: TEST_REDIS_URL,
					QUEUE_PREFIX: prefix,
					SENSORIUM_SECRET_KEY: SECRET_KEY,
					CALLBACK_ALLOWED_NETWORKS: LOOPBACK.join(","),
					CALLBACK_RETRY_SCHEDULE: "1,1,1",
					CALLBACK_TIMEOUT_MS: "2000",
					RECONCILE_INTERVAL_MS: "500",
					RECONCILE_GRACE_MS: "1500",
					DISPATCHER_HEALTH_PORT: "0",
					DISPATCHER_LOCK_DURATION_MS: "3000",
					DISPATCHER_STALLED_INTERVAL_MS: "1000",
					LOG_LEVEL: "info",
					...extra,
				},
				stdio: ["ignore", "pipe", "pipe"],
			});
			child.stdout?.on("data", (d) => {
				output += d;
			});
			child.stderr?.on("data", (d) => {
				output += d;
			});
			const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
			const proc: DispatcherProcess = {
				child,
				output: () => output,
				async stop(signal = "SIGTERM") {
					if (child.exitCode === null && child.signalCode === null) child.kill(signal);
					return exited;
				},
			};
			processes.push(proc);
			return proc;
		},
		async finishedExecution(callbackId, status = "successful") {
			const created = await harness.api("POST", "/v3/scan/create", {
				sensorType: "GIT Sensor",
				sensorName: `hooked-${++sensorCounter}`,
				sensorConfig: { url: "https://git.example.com/r.git" },
				callbackId,
				labels: [{ env: "test" }],
			});
			if (created.status !== 200) throw new Error(JSON.stringify(created.body));
			const executionId = created.body.executionId as string;
			await claimExecution(database.db, { executionId, workerId: "test-worker", leaseMs: 60_000 });
			const finished = await finishExecution(database.db, {
				executionId,
				workerId: "test-worker",
				outcome:
					status === "successful"
						? { status, message: "Scan completed.", filesScanned: 1, bytesScanned: 1 }
						: { status, message: "Authentication failed.", errorCode: "GIT-1002", filesScanned: 0, bytesScanned: 0 },
			});
			if (finished.delivery)
				await callbackQueue.enqueueDelivery(finished.delivery.deliveryId, finished.delivery.attempts);
			return { sensorId: created.body.sensorId as string, executionId };
		},
		async close() {
			await Promise.all(processes.map((p) => p.stop("SIGKILL")));
			await api.close();
		},
	};
	return harness;
}

export async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
	timeoutMs = 20_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}
