import { bootstrapOrganization } from "@sensorium/accounts";
import {
	createDatabase,
	type DatabaseHandle,
	executionFindings,
	executions,
	findings,
	sensors,
	stagedObservations,
} from "@sensorium/db";
import { newObjectId } from "@sensorium/ids";
import { createTestDatabase, type TestDatabase } from "@sensorium/testing";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Observation, ObservationStage, recordObservations } from "../src/index.ts";

let testDb: TestDatabase;
let database: DatabaseHandle;
let orgId: string;
let userId: string;

beforeAll(async () => {
	testDb = await createTestDatabase();
	database = createDatabase(testDb.url, { max: 3 });
	const boot = await bootstrapOrganization(database.db, { orgName: "F", email: "f@f.test" });
	orgId = boot.orgId;
	userId = boot.userId;
});
afterAll(async () => {
	await database.close();
	await testDb.drop();
});

async function newSensor(): Promise<string> {
	const id = newObjectId();
	await database.db.insert(sensors).values({
		id,
		orgId,
		name: `s-${id}`,
		type: "GIT Sensor",
		config: { url: "https://x.test/r.git" },
		priority: "low",
		createdBy: userId,
	});
	return id;
}

async function newExecution(sensorId: string): Promise<string> {
	const id = newObjectId();
	await database.db
		.insert(executions)
		.values({ id, sensorId, orgId, message: "", priority: "low", ranBy: userId, status: "running" });
	return id;
}

const cert = (n: number, path = "a.pem", line = 1): Observation => ({
	kind: "x509",
	identity: `x509:${n}`,
	path,
	line,
	crypto: { x509: { n } },
});

const DAY = 86_400_000;

async function stage(executionId: string, attempt: number, observations: Observation[], batchSize = 2) {
	const staged = new ObservationStage(database.db, { executionId, attempt }, batchSize);
	await staged.begin();
	await staged.add(observations);
	await staged.flush();
	return staged;
}

async function record(
	sensorId: string,
	observations: Observation[],
	now: Date,
	scope: Partial<Parameters<typeof recordObservations>[1]["scope"]> = {},
) {
	const executionId = await newExecution(sensorId);
	await stage(executionId, 1, observations);
	const summary = await recordObservations(database.db, {
		orgId,
		sensorId,
		executionId,
		attempt: 1,
		labels: [{ env: "t" }],
		scope: { mode: "full", readPaths: new Set(), deletedPaths: new Set(), previousExecutionId: null, ...scope },
		autoResolutionDays: 30,
		now,
	});
	return { executionId, summary };
}

const statusOf = async (sensorId: string) =>
	Object.fromEntries(
		(await database.db.select().from(findings).where(eq(findings.sensorId, sensorId))).map((f) => [
			f.identity,
			f.status,
		]),
	);

describe("recordObservations", () => {
	it("de-duplicates by identity and location and is idempotent for one execution", async () => {
		const sensorId = await newSensor();
		const executionId = await newExecution(sensorId);
		const observations = [cert(1), cert(1), cert(1, "b.pem"), cert(2)];
		const input = {
			orgId,
			sensorId,
			executionId,
			attempt: 1,
			labels: [],
			scope: {
				mode: "full" as const,
				readPaths: new Set<string>(),
				deletedPaths: new Set<string>(),
				previousExecutionId: null,
			},
			autoResolutionDays: 30,
			now: new Date(),
		};
		await stage(executionId, 1, observations);
		expect(await recordObservations(database.db, input)).toEqual({ x509: 3 });
		await stage(executionId, 1, observations);
		expect(await recordObservations(database.db, input)).toEqual({ x509: 3 });
		expect(await database.db.select().from(findings).where(eq(findings.sensorId, sensorId))).toHaveLength(3);
	});

	it("resolves a finding not observed for autoResolutionInterval days and reopens it when seen again", async () => {
		const sensorId = await newSensor();
		const t0 = new Date("2026-01-01T00:00:00Z");
		await record(sensorId, [cert(1), cert(2)], t0);
		await record(sensorId, [cert(1)], new Date(t0.getTime() + 10 * DAY));
		expect(await statusOf(sensorId)).toEqual({ "x509:1": "open", "x509:2": "open" });
		await record(sensorId, [cert(1)], new Date(t0.getTime() + 31 * DAY));
		expect(await statusOf(sensorId)).toEqual({ "x509:1": "open", "x509:2": "resolved" });
		const [resolved] = await database.db
			.select()
			.from(findings)
			.where(and(eq(findings.sensorId, sensorId), eq(findings.identity, "x509:2")));
		expect(resolved?.resolvedAt).toBeTruthy();
		await record(sensorId, [cert(1), cert(2)], new Date(t0.getTime() + 32 * DAY));
		expect(await statusOf(sensorId)).toEqual({ "x509:1": "open", "x509:2": "open" });
	});

	it("counts findings in files an incremental scan did not re-read as observed", async () => {
		const sensorId = await newSensor();
		const t0 = new Date("2026-02-01T00:00:00Z");
		const first = await record(sensorId, [cert(1, "keep.pem"), cert(2, "edit.pem"), cert(3, "gone.pem")], t0);
		const second = await record(sensorId, [cert(4, "edit.pem")], new Date(t0.getTime() + 40 * DAY), {
			mode: "changed",
			readPaths: new Set(["edit.pem"]),
			deletedPaths: new Set(["gone.pem"]),
			previousExecutionId: first.executionId,
		});
		expect(second.summary).toEqual({ x509: 2 });
		const observed = await database.db
			.select()
			.from(executionFindings)
			.where(eq(executionFindings.executionId, second.executionId));
		const ids = (await database.db.select().from(findings).where(eq(findings.sensorId, sensorId))).filter((f) =>
			observed.some((o) => o.findingId === f.id),
		);
		expect(ids.map((f) => f.identity).sort()).toEqual(["x509:1", "x509:4"]);
		// Not observed for 40 days: the edited-away and deleted assets are resolved, the untouched one is not.
		expect(await statusOf(sensorId)).toEqual({
			"x509:1": "open",
			"x509:2": "resolved",
			"x509:3": "resolved",
			"x509:4": "open",
		});
	});

	it("a re-read or deleted archive does not carry over what its members held", async () => {
		const sensorId = await newSensor();
		const t0 = new Date("2026-02-01T00:00:00Z");
		const first = await record(
			sensorId,
			[
				cert(1, "app.war!WEB-INF/lib/x.jar!ks.jks"),
				cert(2, "old.zip!a.pem"),
				cert(3, "keep.zip!b.pem"),
				cert(4, "app.war2"),
			],
			t0,
		);
		const second = await record(sensorId, [], new Date(t0.getTime() + 40 * DAY), {
			mode: "changed",
			readPaths: new Set(["app.war"]),
			deletedPaths: new Set(["old.zip"]),
			previousExecutionId: first.executionId,
		});
		expect(second.summary).toEqual({ x509: 2 });
		expect(await statusOf(sensorId)).toEqual({
			"x509:1": "resolved",
			"x509:2": "resolved",
			"x509:3": "open",
			"x509:4": "open",
		});
	});

	it("an unchanged incremental scan observes exactly what the previous execution observed", async () => {
		const sensorId = await newSensor();
		const now = new Date();
		const first = await record(sensorId, [cert(1, "a.pem"), cert(2, "b.pem")], now);
		const second = await record(sensorId, [], now, { mode: "unchanged", previousExecutionId: first.executionId });
		expect(second.summary).toEqual({ x509: 2 });
	});
});

describe("findings written as the scan goes", () => {
	const many = (count: number, from = 0) =>
		Array.from({ length: count }, (_, i) => cert(from + i, `dir/${(from + i) % 97}.pem`, from + i));

	it("holds at most two batches of observations whatever the repository holds", async () => {
		const sensorId = await newSensor();
		const executionId = await newExecution(sensorId);
		const staged = new ObservationStage(database.db, { executionId, attempt: 1 }, 25);
		await staged.begin();
		// Files of every size, some larger than a batch on their own.
		for (let from = 0, size = 1; from < 2_000; from += size, size = (size * 7) % 61 || 1) {
			await staged.add(many(Math.min(size, 2_000 - from), from));
			// The batch filling and, at most, the one being written.
			expect(staged.held).toBeLessThanOrEqual(2 * 25);
		}
		await staged.flush();
		expect(staged.held).toBe(0);
		expect(staged.peakHeld).toBeGreaterThanOrEqual(25);
		expect(staged.peakHeld).toBeLessThanOrEqual(2 * 25);
		expect(staged.observed).toBe(2_000);
		const summary = await recordObservations(database.db, {
			orgId,
			sensorId,
			executionId,
			attempt: 1,
			labels: [],
			scope: { mode: "full", readPaths: new Set(), deletedPaths: new Set(), previousExecutionId: null },
			autoResolutionDays: 30,
			now: new Date(),
		});
		expect(summary).toEqual({ x509: 2_000 });
		expect(await database.db.select().from(stagedObservations)).toEqual([]);
	});

	it("a re-run after a crash mid-scan records exactly the same findings once", async () => {
		const sensorId = await newSensor();
		const executionId = await newExecution(sensorId);
		const everything = many(300);
		const input = (attempt: number) => ({
			orgId,
			sensorId,
			executionId,
			attempt,
			labels: [],
			scope: {
				mode: "full" as const,
				readPaths: new Set<string>(),
				deletedPaths: new Set<string>(),
				previousExecutionId: null,
			},
			autoResolutionDays: 30,
			now: new Date(),
		});
		// Attempt 1 staged part of the repository (and one asset attempt 2 will no longer see), then its worker died.
		await stage(executionId, 1, [...everything.slice(0, 180), cert(9_999, "gone.pem")], 16);
		expect(await database.db.select().from(findings).where(eq(findings.sensorId, sensorId))).toEqual([]);
		// A stalled attempt 1 may still be writing while attempt 2 runs: its rows never become findings.
		const attempt2 = new ObservationStage(database.db, { executionId, attempt: 2 }, 16);
		await attempt2.begin();
		await stage(executionId, 1, everything.slice(180, 200), 16);
		await attempt2.add(everything);
		await attempt2.flush();
		expect(await recordObservations(database.db, input(2))).toEqual({ x509: 300 });
		const recorded = await database.db.select().from(findings).where(eq(findings.sensorId, sensorId));
		expect(recorded.map((f) => f.identity).sort()).toEqual(everything.map((o) => o.identity).sort());
		expect(await database.db.select().from(stagedObservations)).toEqual([]);

		// Delivered once more after the outcome committed (at-least-once): the same findings, still once each.
		await stage(executionId, 3, everything, 16);
		expect(await recordObservations(database.db, input(3))).toEqual({ x509: 300 });
		expect(await database.db.select().from(findings).where(eq(findings.sensorId, sensorId))).toHaveLength(300);
	});
});
