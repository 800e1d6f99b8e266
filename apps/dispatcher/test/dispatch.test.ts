import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDispatchHarness, type DispatcherProcess, type DispatchHarness, waitFor } from "./harness.ts";
import { Receiver } from "./receivers.ts";

let h: DispatchHarness;
let dispatcher: DispatcherProcess;
const healthPort = String(19_100 + Math.floor(Math.random() * 300));
const receivers: Receiver[] = [];

beforeAll(async () => {
	h = await createDispatchHarness();
	dispatcher = h.startDispatcher({ DISPATCHER_HEALTH_PORT: healthPort });
});
afterAll(async () => {
	await Promise.all(receivers.map((r) => r.stop()));
	await h.close();
});

async function endpoint(behaviour?: ConstructorParameters<typeof Receiver>[0], auth: Record<string, unknown> = {}) {
	const receiver = await new Receiver(behaviour).start();
	receivers.push(receiver);
	const res = await h.api("POST", "/v3/callbacks", { name: `ep-${receivers.length}`, url: receiver.url, ...auth });
	expect(res.status).toBe(201);
	receiver.requests.length = 0;
	return { receiver, callbackId: res.body.callbackId as string, secret: res.body.signingSecret as string };
}

const deliveries = async (executionId: string) =>
	(await h.api("GET", `/v3/scan/${executionId}/callbacks`)).body.deliveries as {
		deliveryId: string;
		status: string;
		attempts: number;
		attemptLog: { statusCode: number | null; error: string | null }[];
	}[];

describe("the dispatcher", () => {
	it("POSTs the spec's payload with Bearer auth and a Standard Webhooks signature that verifies", async () => {
		const { receiver, callbackId, secret } = await endpoint(undefined, {
			authType: "bearer",
			tokenValue: "bearer-abc",
		});
		const { sensorId, executionId } = await h.finishedExecution(callbackId);
		const [request] = await waitFor("the callback", () => (receiver.posts().length > 0 ? receiver.posts() : undefined));
		expect(request?.headers.authorization).toBe("Bearer bearer-abc");
		expect(request?.headers["content-type"]).toBe("application/json");
		const payload = new Webhook(secret).verify(request?.body as string, {
			"webhook-id": request?.headers["webhook-id"] as string,
			"webhook-timestamp": request?.headers["webhook-timestamp"] as string,
			"webhook-signature": request?.headers["webhook-signature"] as string,
		});
		expect(payload).toEqual({
			sensorId,
			executionId,
			status: "successful",
			message: "Scan completed.",
			labels: [{ env: "test" }],
		});
		const [delivery] = await waitFor("the delivery to be recorded", async () => {
			const list = await deliveries(executionId);
			return list[0]?.status === "succeeded" ? list : undefined;
		});
		expect(request?.headers["webhook-id"]).toBe(delivery?.deliveryId);
		expect(delivery?.attemptLog).toEqual([expect.objectContaining({ statusCode: 200, error: null })]);
	});

	it("exports delivery outcomes on /metrics", async () => {
		const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
		expect(text).toMatch(/sensorium_callback_deliveries_total\{outcome="succeeded",role="dispatcher"\} [1-9]/);
		expect(text).toMatch(
			/sensorium_callback_attempts_total\{outcome="succeeded",attempt="1",role="dispatcher"\} [1-9]/,
		);
	});

	it("sends failed executions with errorCode and the custom API token header", async () => {
		const { receiver, callbackId } = await endpoint(undefined, {
			authType: "apiToken",
			headerName: "X-Custom-Auth",
			tokenValue: "k-123",
		});
		const { executionId } = await h.finishedExecution(callbackId, "failed");
		const [request] = await waitFor("the callback", () => (receiver.posts().length > 0 ? receiver.posts() : undefined));
		expect(request?.headers["x-custom-auth"]).toBe("k-123");
		expect(JSON.parse(request?.body as string)).toMatchObject({ executionId, status: "failed", errorCode: "GIT-1002" });
	});

	it("retries a failing receiver on the schedule; it accepts exactly one delivery per webhook-id", async () => {
		const accepted = new Map<string, number>();
		const { receiver, callbackId } = await endpoint((request, index) => {
			if (request.method !== "POST") return { status: 200 };
			const posts = receiver.posts().length;
			if (posts <= 2) return { status: 503, body: "busy" };
			const id = request.headers["webhook-id"] as string;
			accepted.set(id, (accepted.get(id) ?? 0) + 1);
			void index;
			return { status: 204 };
		});
		const { executionId } = await h.finishedExecution(callbackId);
		const [delivery] = await waitFor("success after two failures", async () => {
			const list = await deliveries(executionId);
			return list[0]?.status === "succeeded" ? list : undefined;
		});
		await new Promise((r) => setTimeout(r, 1500));
		expect(receiver.posts()).toHaveLength(3);
		expect(new Set(receiver.posts().map((r) => r.headers["webhook-id"])).size).toBe(1);
		expect([...accepted.values()]).toEqual([1]);
		expect(delivery?.attempts).toBe(3);
		expect(delivery?.attemptLog.map((a) => a.statusCode)).toEqual([503, 503, 204]);
	});

	it("keeps only a short excerpt of the receiver's answer, and shows it to admins only", async () => {
		const answer = `internal error at db-7.corp.example: ${"x".repeat(5_000)}`;
		const { callbackId } = await endpoint(() => ({ status: 410, body: answer }));
		const { executionId } = await h.finishedExecution(callbackId);
		const [delivery] = await waitFor("the refused delivery", async () => {
			const list = (await h.api("GET", `/v3/scan/${executionId}/callbacks`)).body.deliveries as {
				status: string;
				attemptLog: { responseBody: string | null }[];
			}[];
			return list[0]?.status === "failed" ? list : undefined;
		});
		const excerpt = delivery?.attemptLog[0]?.responseBody ?? "";
		expect(excerpt.startsWith("internal error at db-7.corp.example")).toBe(true);
		expect(excerpt.length).toBeLessThanOrEqual(201);
		const { issueApiToken } = await import("@sensorium/accounts");
		const member = await issueApiToken(h.database.db, {
			userId: h.adminUserId,
			name: "api",
			type: "API Token",
			expiresInDays: 7,
		});
		const asApiToken = await h.apiAs(member.token, "GET", `/v3/scan/${executionId}/callbacks`);
		const attempts = (asApiToken.body.deliveries as { attemptLog: { responseBody: string | null }[] }[])[0]?.attemptLog;
		expect(attempts?.map((attempt) => attempt.responseBody)).toEqual([null]);
	});

	it("stops at 410 Gone", async () => {
		const { receiver, callbackId } = await endpoint(() => ({ status: 410 }));
		const { executionId } = await h.finishedExecution(callbackId);
		const [delivery] = await waitFor("the delivery to fail", async () => {
			const list = await deliveries(executionId);
			return list[0]?.status === "failed" ? list : undefined;
		});
		await new Promise((r) => setTimeout(r, 1500));
		expect(receiver.posts()).toHaveLength(1);
		expect(delivery?.attempts).toBe(1);
	});

	it("marks a delivery failed after the last scheduled attempt, and redelivers on request", async () => {
		let healthy = false;
		const { receiver, callbackId } = await endpoint(() => ({ status: healthy ? 200 : 500 }));
		const { executionId } = await h.finishedExecution(callbackId);
		const [failed] = await waitFor(
			"the schedule to run out",
			async () => {
				const list = await deliveries(executionId);
				return list[0]?.status === "failed" ? list : undefined;
			},
			30_000,
		);
		expect(failed?.attempts).toBe(4);
		healthy = true;
		const res = await h.api("POST", `/v3/scan/${executionId}/callbacks/${failed?.deliveryId}/redeliver`);
		expect(res.status).toBe(200);
		await waitFor("the redelivery", async () => (await deliveries(executionId))[0]?.status === "succeeded");
		expect(new Set(receiver.posts().map((r) => r.headers["webhook-id"]))).toEqual(new Set([failed?.deliveryId]));
		expect((await h.api("POST", `/v3/scan/${executionId}/callbacks/6b09d8a7197f6b4c7e9999b1/redeliver`)).status).toBe(
			404,
		);
	});

	it("a receiver that hangs does not hold up deliveries to another endpoint", async () => {
		const slow = await endpoint((request) => (request.method === "POST" ? "hang" : { status: 200 }));
		const fast = await endpoint();
		for (let i = 0; i < 6; i++) await h.finishedExecution(slow.callbackId);
		await waitFor("the slow endpoint to be busy", () => slow.receiver.posts().length >= 4);
		const started = Date.now();
		await h.finishedExecution(fast.callbackId);
		await waitFor("the fast endpoint's callback", () => fast.receiver.posts().length > 0);
		expect(Date.now() - started).toBeLessThan(1_500);
	});
});

describe("crash safety", { timeout: 60_000 }, () => {
	it("a dispatcher killed mid-delivery delivers after restart", async () => {
		await dispatcher.stop("SIGTERM");
		let hang = true;
		const { receiver, callbackId } = await endpoint((request) =>
			request.method === "POST" && hang ? "hang" : { status: 200 },
		);
		const { executionId } = await h.finishedExecution(callbackId);
		const first = h.startDispatcher({ CALLBACK_TIMEOUT_MS: "20000" });
		await waitFor("the first attempt to be in flight", () => receiver.posts().length === 1);
		await first.stop("SIGKILL");
		hang = false;
		const second = h.startDispatcher();
		await waitFor(
			"the delivery after restart",
			async () => (await deliveries(executionId))[0]?.status === "succeeded",
			30_000,
		);
		expect(receiver.posts().length).toBeGreaterThanOrEqual(2);
		expect(new Set(receiver.posts().map((r) => r.headers["webhook-id"])).size).toBe(1);
		expect(await second.stop("SIGTERM")).toBe(0);
	});

	it("refuses to deliver to an address that is not allowed at delivery time", async () => {
		const { receiver, callbackId } = await endpoint();
		const strict = h.startDispatcher({ CALLBACK_ALLOWED_NETWORKS: "" });
		const { executionId } = await h.finishedExecution(callbackId);
		const [delivery] = await waitFor("an attempt", async () => {
			const list = await deliveries(executionId);
			return (list[0]?.attempts ?? 0) > 0 ? list : undefined;
		});
		expect(delivery?.attemptLog[0]?.statusCode).toBeNull();
		expect(delivery?.attemptLog[0]?.error).toBeTruthy();
		expect(receiver.posts()).toHaveLength(0);
		await strict.stop();
	});
});
