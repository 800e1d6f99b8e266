import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapOrganization } from "@sensorium/accounts";
import { createDatabase, type DatabaseHandle, executions, findings, stagedObservations } from "@sensorium/db";
import {
	createSensorAndExecute,
	listDiagnostics,
	MAX_DIAGNOSTICS_PER_EXECUTION,
	SensorTypeRegistry,
} from "@sensorium/executions";
import { createLogger } from "@sensorium/logger";
import { createNetworkPolicy } from "@sensorium/network-policy";
import { CallbackQueue, createProducerConnection, ExecutionQueue, type RedisConnection } from "@sensorium/queue";
import { SecretBox } from "@sensorium/secrets";
import { type Sensor, type SensorSnapshot, type SourceFile, sensorTypeContracts } from "@sensorium/sensors";
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase, uniqueQueuePrefix } from "@sensorium/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiscoveryPool, runExecution, SCAN_ERRORS, type ScannerDeps } from "../src/index.ts";

// runExecution against the real Postgres and Redis, with sensors that offer chosen files: what one bad file,
// or one bug, does to an execution.
const KEY = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
const MIB = 1024 * 1024;

let testDb: TestDatabase;
let database: DatabaseHandle;
let redis: RedisConnection;
let queue: ExecutionQueue;
let requester: { orgId: string; userId: string };
let sensorTypes: SensorTypeRegistry;
let discovery: DiscoveryPool;

beforeAll(async () => {
	testDb = await createTestDatabase();
	database = createDatabase(testDb.url, { max: 5 });
	redis = createProducerConnection(TEST_REDIS_URL);
	queue = new ExecutionQueue(redis, uniqueQueuePrefix("scanner"));
	sensorTypes = await SensorTypeRegistry.load(database.db, sensorTypeContracts({ allowGitFileUrls: false }));
	const boot = await bootstrapOrganization(database.db, { orgName: "Scanner", email: "ops@scanner.test" });
	requester = { orgId: boot.orgId, userId: boot.userId };
	// Real threads running the real pipeline, except on the files hostile-pipeline.ts misbehaves on.
	discovery = await DiscoveryPool.start({
		threads: 2,
		fileTimeoutMs: 2_000,
		pipeline: { keystorePasswords: [], analysis: null },
		pipelineModule: new URL("./hostile-pipeline.ts", import.meta.url).href,
	});
});

afterAll(async () => {
	await discovery.close();
	await queue.queue.obliterate({ force: true });
	await queue.close();
	redis.disconnect();
	await database.close();
	await testDb.drop();
});

let count = 0;
async function submit(sensorConfig: Record<string, unknown> = { path: "/srv/scan" }): Promise<string> {
	const { executionId } = await createSensorAndExecute(
		{ db: database.db, queue, secretBox: new SecretBox(Buffer.alloc(32, 1)), sensorTypes },
		requester,
		{
			sensorType: "Filesystem Sensor",
			sensorName: `s-${count++}`,
			sensorConfig,
			priority: "high",
			callbackId: null,
			incrementalScan: false,
			autoResolutionInterval: null,
			labels: [],
		},
	);
	return executionId;
}

function file(path: string, content: string | Buffer | (() => Promise<Buffer>), size?: number): SourceFile {
	const read = typeof content === "function" ? content : async () => Buffer.from(content);
	return { path, size: size ?? (typeof content === "function" ? 0 : Buffer.byteLength(content)), read };
}

function sensorOffering(files: SourceFile[], extra: Partial<SensorSnapshot> = {}): Sensor<Record<string, unknown>> {
	return {
		sensorType: "Filesystem Sensor",
		async open() {
			return {
				cursor: null,
				mode: "full",
				deleted: [],
				async *files() {
					yield* files;
				},
				...extra,
			};
		},
	};
}

function deps(overrides: Partial<ScannerDeps>): ScannerDeps {
	return {
		db: database.db,
		secretBox: new SecretBox(Buffer.alloc(32, 1)),
		sensors: {},
		discovery,
		findingsBatchSize: 1_000,
		maxFileBytes: 100 * MIB,
		settings: {
			allowGitFileUrls: false,
			filesystemRoots: [],
			gitTimeoutMs: 1_000,
			networkPolicy: createNetworkPolicy([]),
			artifactoryDownloadConcurrency: 1,
		},
		logger: createLogger({ name: "test", level: "silent" }),
		workerId: "test-worker",
		leaseMs: 30_000,
		heartbeatMs: 10_000,
		executionTimeoutMs: 60_000,
		maxAttempts: 3,
		sensorErrorAttempts: 2,
		defaultAutoResolutionDays: 30,
		tmpDir: tmpdir(),
		callbackQueue: new CallbackQueue(redis, uniqueQueuePrefix("scanner-cb")),
		...overrides,
	};
}

const row = async (executionId: string) =>
	(await database.db.select().from(executions).where(eq(executions.id, executionId)))[0];

describe("one bad file is one diagnostic", () => {
	it("isolates an unreadable file, an oversize file, a detector crash and a damaged block; finds the rest", async () => {
		const executionId = await submit({ path: "/srv/scan", max_file_size_mb: 1 });
		const damaged = `-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ29ydXB0ZWQ=\n-----END CERTIFICATE-----\n`;
		const sensor = sensorOffering([
			file("keys/a.pem", KEY),
			file("unreadable.pem", async () => {
				throw Object.assign(new Error("EACCES: permission denied, open '/srv/scan/unreadable.pem'"), {
					code: "EACCES",
				});
			}),
			file(
				"huge.bin",
				async () => {
					throw new Error("an oversize file must never be read");
				},
				600 * MIB,
			),
			file("throws.pem", KEY),
			file("damaged.pem", damaged),
			file("keys/b.pem", KEY),
		]);
		const result = await runExecution(
			deps({ sensors: { "Filesystem Sensor": sensor } }),
			executionId,
			new AbortController().signal,
		);
		expect(result).toEqual({ outcome: "finished", status: "successful" });
		const finished = await row(executionId);
		expect(finished).toMatchObject({ status: "successful", filesScanned: 6, filesFailed: 4 });
		expect(finished?.message).toBe(
			"Scan completed: 6 files scanned, 2 cryptographic assets found. 4 files could not be read or parsed (see the diagnostics).",
		);
		const page = await listDiagnostics(database.db, requester.orgId, executionId, { limit: 10 });
		expect(page.diagnostics.map(({ path, stage, errorClass }) => [path, stage, errorClass])).toEqual([
			["unreadable.pem", "read", "Error"],
			["huge.bin", "read", "FileTooLarge"],
			["throws.pem", "route", "TypeError"],
			["damaged.pem", "parse", "UnreadableBlock"],
		]);
		// The quoted path of the read error is cut: messages never quote input.
		expect(page.diagnostics[0]?.message).toBe("EACCES: permission denied, open '…'");
		expect(page.diagnostics[1]?.message).toBe("skipped: 600 MiB, over max_file_size_mb (1 MiB)");
	});

	it("a file that kills its discovery thread or never finishes is one diagnostic; fresh threads go on", async () => {
		const executionId = await submit();
		const keys = Array.from({ length: 8 }, (_, i) => file(`keys/${i}.pem`, KEY));
		const sensor = sensorOffering([
			...keys.slice(0, 2),
			file("exits.pem", KEY),
			file("hangs.pem", KEY),
			...keys.slice(2),
			file("more/exits.pem", KEY),
		]);
		const result = await runExecution(
			deps({ sensors: { "Filesystem Sensor": sensor } }),
			executionId,
			new AbortController().signal,
		);
		expect(result).toEqual({ outcome: "finished", status: "successful" });
		expect(await row(executionId)).toMatchObject({ status: "successful", filesScanned: 11, filesFailed: 3 });
		const page = await listDiagnostics(database.db, requester.orgId, executionId, { limit: 10 });
		expect(page.diagnostics.map(({ path, stage, errorClass }) => [path, stage, errorClass])).toEqual([
			["exits.pem", "route", "ThreadExited"],
			["hangs.pem", "route", "FileTimeLimit"],
			["more/exits.pem", "route", "ThreadExited"],
		]);
		expect(page.diagnostics[0]?.message).toBe(
			"the discovery thread stopped on this file (exit code 70); it was replaced",
		);
		const found = await database.db.select().from(findings).where(eq(findings.firstSeenExecutionId, executionId));
		expect(found.map((f) => f.path).sort()).toEqual(keys.map((k) => k.path).sort());
	});

	it("lets the discovery thread read a file that stays on local disk, and a vanished one is one diagnostic", async () => {
		const executionId = await submit();
		const dir = mkdtempSync(join(tmpdir(), "sensorium-local-"));
		try {
			writeFileSync(join(dir, "on-disk.pem"), KEY);
			const never = async (): Promise<Buffer> => {
				throw new Error("a file on local disk is read by the thread, not through read()");
			};
			const sensor = sensorOffering([
				{ path: "on-disk.pem", size: Buffer.byteLength(KEY), localPath: join(dir, "on-disk.pem"), read: never },
				{ path: "vanished.pem", size: 10, localPath: join(dir, "vanished.pem"), read: never },
			]);
			const result = await runExecution(
				deps({ sensors: { "Filesystem Sensor": sensor } }),
				executionId,
				new AbortController().signal,
			);
			expect(result).toEqual({ outcome: "finished", status: "successful" });
			expect(await row(executionId)).toMatchObject({
				filesScanned: 2,
				filesFailed: 1,
				bytesScanned: Buffer.byteLength(KEY),
				summary: { key: 1 },
			});
			const page = await listDiagnostics(database.db, requester.orgId, executionId, { limit: 10 });
			expect(page.diagnostics.map(({ path, stage, errorClass }) => [path, stage, errorClass])).toEqual([
				["vanished.pem", "read", "Error"],
			]);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it("keeps at most the cap of diagnostics but counts every failed file, and replaces them on a re-run", async () => {
		const executionId = await submit();
		const files = Array.from({ length: MAX_DIAGNOSTICS_PER_EXECUTION + 5 }, (_, i) =>
			file(`big/${i}.bin`, "", 200 * MIB),
		);
		const result = await runExecution(
			deps({ sensors: { "Filesystem Sensor": sensorOffering(files) } }),
			executionId,
			new AbortController().signal,
		);
		expect(result).toMatchObject({ status: "successful" });
		expect((await row(executionId))?.filesFailed).toBe(MAX_DIAGNOSTICS_PER_EXECUTION + 5);
		const first = await listDiagnostics(database.db, requester.orgId, executionId, { limit: 500 });
		expect(first.diagnostics).toHaveLength(500);
		expect(first.nextCursor).toBe("500");
		const last = await listDiagnostics(database.db, requester.orgId, executionId, {
			limit: 500,
			cursor: String(MAX_DIAGNOSTICS_PER_EXECUTION - 1),
		});
		expect(last.diagnostics.map((d) => d.id)).toEqual([MAX_DIAGNOSTICS_PER_EXECUTION]);
		expect(last.nextCursor).toBeNull();

		// Run again (as after a crash before the outcome was visible): the diagnostics are replaced, not added.
		await database.db.update(executions).set({ status: "queued" }).where(eq(executions.id, executionId));
		const again = [file("big/only.bin", "", 200 * MIB)];
		await runExecution(
			deps({ sensors: { "Filesystem Sensor": sensorOffering(again) } }),
			executionId,
			new AbortController().signal,
		);
		const replaced = await listDiagnostics(database.db, requester.orgId, executionId, { limit: 500 });
		expect(replaced.diagnostics.map((d) => d.path)).toEqual(["big/only.bin"]);
		expect(replaced.filesFailed).toBe(1);
	});

	it("records the units a sensor could not read next to the files", async () => {
		const executionId = await submit();
		const sensor = sensorOffering([file("keys/a.pem", KEY)], {
			diagnostics: [
				{ path: "registry/app@sha256:00", stage: "read", errorClass: "CONTAINER-1004", message: "image not found" },
			],
		});
		await runExecution(deps({ sensors: { "Filesystem Sensor": sensor } }), executionId, new AbortController().signal);
		expect(await row(executionId)).toMatchObject({ status: "successful", filesFailed: 1 });
		const page = await listDiagnostics(database.db, requester.orgId, executionId, { limit: 10 });
		expect(page.diagnostics).toEqual([
			{
				id: 1,
				path: "registry/app@sha256:00",
				stage: "read",
				errorClass: "CONTAINER-1004",
				message: "image not found",
			},
		]);
	});
});

describe("failures are classified", () => {
	it("ends at once with SCAN-1099 and a log reference on a bug, instead of being retried", async () => {
		const executionId = await submit();
		const lines: string[] = [];
		const logger = createLogger({
			name: "test",
			level: "error",
			destination: { write: (line: string) => lines.push(line) },
		});
		const broken: Sensor<Record<string, unknown>> = {
			sensorType: "Filesystem Sensor",
			open: async () => {
				throw new TypeError("Cannot read properties of undefined (reading 'split')");
			},
		};
		const result = await runExecution(
			deps({ sensors: { "Filesystem Sensor": broken }, logger }),
			executionId,
			new AbortController().signal,
		);
		expect(result).toEqual({ outcome: "finished", status: "failed", errorCode: SCAN_ERRORS.internal });
		const failed = await row(executionId);
		expect(failed).toMatchObject({ status: "failed", errorCode: "SCAN-1099", attempt: 1 });
		const reference = /reference ([0-9a-f]{12})/.exec(failed?.message ?? "")?.[1];
		expect(reference).toBeDefined();
		// The stack is in the worker's log under that reference, not in the API.
		expect(failed?.message).not.toContain("split");
		expect(lines.some((line) => line.includes(reference as string) && line.includes("TypeError"))).toBe(true);
	});

	it("hands the execution back to the queue when Postgres is away, rather than failing it", async () => {
		const executionId = await submit();
		const lostDatabase: Sensor<Record<string, unknown>> = {
			sensorType: "Filesystem Sensor",
			open: async () => {
				throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
			},
		};
		// The rejection must reach the caller only: none may float while the work directory is removed.
		const unhandled: unknown[] = [];
		const onUnhandled = (reason: unknown) => unhandled.push(reason);
		process.on("unhandledRejection", onUnhandled);
		try {
			await expect(
				runExecution(
					deps({ sensors: { "Filesystem Sensor": lostDatabase } }),
					executionId,
					new AbortController().signal,
				),
			).rejects.toThrow("ECONNREFUSED");
			await new Promise((resolve) => setTimeout(resolve, 50));
		} finally {
			process.off("unhandledRejection", onUnhandled);
		}
		expect(unhandled).toEqual([]);
		expect(await row(executionId)).toMatchObject({ status: "queued", errorCode: null });
	});

	it("says an execution was interrupted only when its attempts ran out", async () => {
		const executionId = await submit();
		await database.db.update(executions).set({ attempt: 3 }).where(eq(executions.id, executionId));
		const result = await runExecution(deps({}), executionId, new AbortController().signal);
		expect(result).toMatchObject({ status: "failed", errorCode: "SCAN-1002" });
		expect((await row(executionId))?.message).toBe(
			"The scan was interrupted 3 times (its worker stopped, stalled or lost its connection to Postgres or Redis before finishing) and was given up.",
		);
	});
});

describe("findings are written as the scan goes", () => {
	// 40 files of 50 keys each: 2,000 findings (one per file and line), recorded 64 at a time.
	const files = Array.from({ length: 40 }, (_, i) => file(`many/${i}.pem`, `${KEY}`.repeat(50)));
	const capture = () => {
		const lines: Record<string, unknown>[] = [];
		const logger = createLogger({
			name: "test",
			level: "info",
			destination: { write: (line: string) => lines.push(JSON.parse(line)) },
		});
		return { logger, finished: () => lines.find((line) => line.msg === "execution finished") };
	};

	it("never holds more than two batches of observations, and a re-run after a crash mid-scan records each once", async () => {
		const executionId = await submit();
		const staged = async () =>
			(await database.db.select().from(stagedObservations).where(eq(stagedObservations.executionId, executionId)))
				.length;
		// Attempt 1 stops (its worker going away) once some batches are already staged.
		const stop = new AbortController();
		let stagedWhenStopped = 0;
		const interrupted: Sensor<Record<string, unknown>> = {
			sensorType: "Filesystem Sensor",
			async open() {
				return {
					cursor: null,
					mode: "full",
					deleted: [],
					async *files() {
						for (const [i, f] of files.entries()) {
							if (i === 30) {
								stagedWhenStopped = await staged();
								stop.abort();
							}
							yield f;
						}
					},
				};
			},
		};
		const first = await runExecution(
			deps({ sensors: { "Filesystem Sensor": interrupted }, findingsBatchSize: 64 }),
			executionId,
			stop.signal,
		);
		expect(first).toEqual({ outcome: "retry", afterMs: 0 });
		expect(stagedWhenStopped).toBeGreaterThan(0);
		expect(await database.db.select().from(findings).where(eq(findings.firstSeenExecutionId, executionId))).toEqual([]);

		const log = capture();
		const second = await runExecution(
			deps({ sensors: { "Filesystem Sensor": sensorOffering(files) }, findingsBatchSize: 64, logger: log.logger }),
			executionId,
			new AbortController().signal,
		);
		expect(second).toEqual({ outcome: "finished", status: "successful" });
		const finished = log.finished() as { findings: number; observationsHeldPeak: number };
		expect(finished.findings).toBe(2_000);
		// The batch filling and, at most, the one being written: never the execution's 2,000.
		expect(finished.observationsHeldPeak).toBeGreaterThanOrEqual(64);
		expect(finished.observationsHeldPeak).toBeLessThanOrEqual(2 * 64);
		const recorded = await database.db.select().from(findings).where(eq(findings.firstSeenExecutionId, executionId));
		expect(recorded).toHaveLength(2_000);
		expect(new Set(recorded.map((f) => `${f.path}:${f.line}`)).size).toBe(2_000);
		expect((await row(executionId))?.summary).toEqual({ key: 2_000 });
		expect(await staged()).toBe(0);
	});
});
