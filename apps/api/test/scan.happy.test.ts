import { callbackEndpoints, executions, sensors } from "@sensorium/db";
import { newObjectId } from "@sensorium/ids";
import { executionJobId, PRIORITY_RANK } from "@sensorium/queue";
import { sealedPlace } from "@sensorium/secrets";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

let h: Harness;
let org: Org;

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
});
afterAll(() => h.close());

describe("POST /v3/scan/create", () => {
	it("stores the sensor and a queued execution, enqueues it by priority with ids only", async () => {
		const res = await h.request("POST", "/v3/scan/create", {
			token: org.apiToken,
			body: createBody({
				sensorName: "billing",
				sensorConfig: { url: "https://git.example.com/acme/billing.git", username: "ci", password: "hunter2-secret" },
				priority: "high",
				incrementalScan: true,
				autoResolutionInterval: 14,
				labels: [{ env: "prod" }, { team: "pki" }],
			}),
		});
		expect(res.status).toBe(200);
		expect(res.body).toEqual({
			sensorId: expect.stringMatching(/^[0-9a-f]{24}$/),
			executionId: expect.stringMatching(/^[0-9a-f]{24}$/),
			status: "successful",
			message: "Create new sensor and trigger scan successfully",
		});
		const { sensorId, executionId } = res.body as { sensorId: string; executionId: string };

		const [sensor] = await h.database.db.select().from(sensors).where(eq(sensors.id, sensorId));
		expect(sensor).toMatchObject({
			name: "billing",
			type: "GIT Sensor",
			priority: "high",
			incremental: true,
			autoResolutionDays: 14,
		});
		expect(JSON.stringify(sensor?.config)).not.toContain("hunter2-secret");
		expect(h.secretBox.openFields(sensor?.config ?? {}, sealedPlace.sensorConfig(sensor?.id ?? ""))).toMatchObject({
			password: "hunter2-secret",
			username: "ci",
		});

		const [execution] = await h.database.db.select().from(executions).where(eq(executions.id, executionId));
		expect(execution).toMatchObject({ status: "queued", priority: "high", ranBy: org.adminUserId });
		expect(execution?.labels).toEqual([{ env: "prod" }, { team: "pki" }]);

		const job = await h.queue.queue.getJob(executionJobId(executionId));
		expect(job?.data).toEqual({ executionId });
		expect(job?.opts.priority).toBe(PRIORITY_RANK.high);
		const raw = JSON.stringify(await h.redis.hgetall(`${h.prefix}:executions:${executionJobId(executionId)}`));
		expect(raw).not.toContain("hunter2-secret");
	});

	it("defaults: priority low, not incremental, no labels", async () => {
		const res = await h.request("POST", "/v3/scan/create", { token: org.apiToken, body: createBody() });
		const job = await h.queue.queue.getJob(executionJobId(res.body.executionId as string));
		expect(job?.opts.priority).toBe(PRIORITY_RANK.low);
		const [sensor] = await h.database.db
			.select()
			.from(sensors)
			.where(eq(sensors.id, res.body.sensorId as string));
		expect(sensor).toMatchObject({ priority: "low", incremental: false, labels: [], autoResolutionDays: null });
	});

	it("accepts a callbackId of the caller's organisation", async () => {
		const callbackId = newObjectId();
		await h.database.db.insert(callbackEndpoints).values({
			id: callbackId,
			orgId: org.orgId,
			name: "ci",
			url: "https://hooks.example.com/scan",
			signingSecretSealed: h.secretBox.encrypt("whsec_x", sealedPlace.callbackSigningSecret(callbackId)),
		});
		const res = await h.request("POST", "/v3/scan/create", { token: org.apiToken, body: createBody({ callbackId }) });
		expect(res.status).toBe(200);
	});

	it("accepts the Filesystem Sensor", async () => {
		const res = await h.request("POST", "/v3/scan/create", {
			token: org.apiToken,
			body: createBody({
				sensorType: "Filesystem Sensor",
				sensorConfig: { path: "/srv/code", exclude_paths: ["**/node_modules/**"] },
			}),
		});
		expect(res.status).toBe(200);
	});
});

describe("GET /v3/scan/{executionId}", () => {
	it("returns the spec's fields plus progress", async () => {
		const created = await h.request("POST", "/v3/scan/create", {
			token: org.apiToken,
			body: createBody({ labels: [{ app: "web" }], priority: "medium" }),
		});
		const res = await h.request("GET", `/v3/scan/${created.body.executionId}`, { token: org.userToken });
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({
			sensorId: created.body.sensorId,
			executionId: created.body.executionId,
			status: "queued",
			message: expect.any(String),
			ranBy: org.adminEmail,
			labels: [{ app: "web" }],
			priority: "medium",
			startedAt: null,
			finishedAt: null,
			progress: { filesScanned: 0, bytesScanned: 0, filesFailed: 0 },
		});
		expect(new Date(res.body.ranAt as string).toISOString()).toBe(res.body.ranAt);
		expect(res.body).not.toHaveProperty("errorCode");
	});
});

describe("POST /v3/scan/execute", () => {
	it("runs an existing sensor again with its priority and labels", async () => {
		const created = await h.request("POST", "/v3/scan/create", {
			token: org.apiToken,
			body: createBody({ priority: "medium", labels: [{ k: "v" }] }),
		});
		const res = await h.request("POST", "/v3/scan/execute", {
			token: org.userToken,
			body: { sensorId: created.body.sensorId },
		});
		expect(res.status).toBe(200);
		expect(res.body).toEqual({
			executionId: expect.stringMatching(/^[0-9a-f]{24}$/),
			status: "successful",
			message: "Scan execution started successfully.",
		});
		expect(res.body.executionId).not.toBe(created.body.executionId);
		const job = await h.queue.queue.getJob(executionJobId(res.body.executionId as string));
		expect(job?.opts.priority).toBe(PRIORITY_RANK.medium);
		const status = await h.request("GET", `/v3/scan/${res.body.executionId}`, { token: org.userToken });
		expect(status.body).toMatchObject({ labels: [{ k: "v" }], ranBy: expect.stringMatching(/^user\./) });
	});
});

describe("POST /v3/scan (deprecated)", () => {
	it("works like create, with its own message and deprecation headers", async () => {
		const res = await h.request("POST", "/v3/scan", { token: org.apiToken, body: createBody({ priority: "high" }) });
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ status: "successful", message: "Scan has been successfully submitted." });
		expect(res.body.executionId).toMatch(/^[0-9a-f]{24}$/);
		expect(res.headers.get("deprecation")).toMatch(/^@\d+$/);
		expect(res.headers.get("link")).toBe('</v3/scan/create>; rel="successor-version"');
	});

	it("sends the deprecation headers on errors too", async () => {
		const res = await h.request("POST", "/v3/scan", { token: org.apiToken, body: {} });
		expect(res.status).toBe(400);
		expect(res.headers.get("deprecation")).toBeTruthy();
	});
});

describe("when Redis refuses the job", () => {
	it("still answers 200: the execution is committed and left for the reconciler", async () => {
		const { createProducerConnection, ExecutionQueue } = await import("@sensorium/queue");
		const dead = createProducerConnection("redis://127.0.0.1:1", { lazyConnect: true, retryStrategy: () => null });
		const queue = new ExecutionQueue(dead, h.prefix);
		const { createApp } = await import("../src/app.ts");
		const app = createApp({
			...h.deps,
			queue,
		});
		const started = Date.now();
		const res = await app.request("/v3/scan/create", {
			method: "POST",
			headers: { "isg-api-token": org.apiToken, "content-type": "application/json" },
			body: JSON.stringify(createBody()),
		});
		expect(res.status).toBe(200);
		expect(Date.now() - started).toBeLessThan(5_000);
		const { executionId } = (await res.json()) as { executionId: string };
		const [row] = await h.database.db.select().from(executions).where(eq(executions.id, executionId));
		expect(row?.status).toBe("queued");
		await queue.close().catch(() => {});
		dead.disconnect();
	});
});
