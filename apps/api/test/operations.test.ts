import { createLogger } from "@sensorium/logger";
import { createRegistry, httpMetrics, queueDepthMetrics } from "@sensorium/metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

let h: Harness;
let org: Org;

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
});
afterAll(() => h.close());

describe("logs", () => {
	it("never contain the token or a sensor password, even at trace level", async () => {
		const lines: string[] = [];
		const logger = createLogger({
			name: "t",
			level: "trace",
			destination: { write: (line: string) => void lines.push(line) },
		});
		const app = createApp({ ...h.deps, logger });
		const res = await app.request("/v3/scan/create", {
			method: "POST",
			headers: { "isg-api-token": org.apiToken, "content-type": "application/json", "x-request-id": "trace-me-1" },
			body: JSON.stringify(
				createBody({
					sensorConfig: { url: "https://git.example.com/r.git", username: "u", password: "pw-5ecret-value" },
				}),
			),
		});
		expect(res.status).toBe(200);
		expect(res.headers.get("x-request-id")).toBe("trace-me-1");
		// Even a careless log call with the whole request is censored.
		logger.info(
			{ req: { headers: { "isg-api-token": org.apiToken } }, sensorConfig: { password: "pw-5ecret-value" } },
			"careless",
		);
		const text = lines.join("");
		expect(text).toContain("trace-me-1");
		expect(text).toContain("[redacted]");
		expect(text).not.toContain(org.apiToken);
		expect(text).not.toContain(org.apiToken.slice(17));
		expect(text).not.toContain("pw-5ecret-value");
	});
});

describe("/metrics", () => {
	it("counts requests by route pattern and status, and shows queue depth per priority", async () => {
		const registry = createRegistry("api");
		queueDepthMetrics(registry, {
			executions: { counts: () => h.queue.counts(), byPriority: () => h.queue.depthByPriority() },
		});
		const app = createApp({ ...h.deps, metrics: { registry, http: httpMetrics(registry) } });
		const headers = { "isg-api-token": org.apiToken, "content-type": "application/json" };
		for (const priority of ["high", "low", "low"]) {
			await app.request("/v3/scan/create", { method: "POST", headers, body: JSON.stringify(createBody({ priority })) });
		}
		await app.request("/v3/scan/6b09d8a7197f6b4c7e9999b1", { headers });
		const res = await app.request("/metrics");
		expect(res.status).toBe(200);
		const text = await res.text();
		expect(text).toContain(
			'sensorium_http_requests_total{method="POST",route="/v3/scan/create",status="200",role="api"} 3',
		);
		expect(text).toContain(
			'sensorium_http_requests_total{method="GET",route="/v3/scan/:executionId",status="404",role="api"} 1',
		);
		// Every request is observed (the +Inf bucket); which finite bucket depends on the machine's load.
		expect(text).toMatch(
			/sensorium_http_request_duration_seconds_bucket\{le="\+Inf",role="api",method="POST",route="\/v3\/scan\/create"\} 3/,
		);
		expect(text).toMatch(/sensorium_queue_waiting_by_priority\{queue="executions",priority="high",role="api"\} [1-9]/);
		expect(text).toMatch(/sensorium_queue_jobs\{queue="executions",state="prioritized",role="api"\} [1-9]/);
		expect(text).not.toContain("6b09d8a7197f6b4c7e9999b1");
	});

	it("/healthz and /readyz answer without a token", async () => {
		expect((await h.app.request("/healthz")).status).toBe(200);
		const ready = createApp({ ...h.deps, ready: async () => false });
		expect((await ready.request("/readyz")).status).toBe(503);
	});
});

describe("/admin/queues", () => {
	it("is the operators' dashboard: off without QUEUE_DASHBOARD_PASSWORD, then behind that password only", async () => {
		const { createQueueDashboard } = await import("../src/queue-dashboard.ts");
		expect((await h.app.request("/admin/queues", { headers: { "isg-api-token": org.adminToken } })).status).toBe(404);

		const dashboard = createQueueDashboard([h.queue.queue], { password: OPERATOR_PASSWORD, readOnly: true });
		expect(dashboard).not.toBeNull();
		const app = createApp({ ...h.deps, queueDashboard: dashboard });
		const anonymous = await app.request("/admin/queues");
		expect(anonymous.status).toBe(401);
		expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm=/);

		const page = await app.request("/admin/queues", { headers: { authorization: basic(OPERATOR_PASSWORD) } });
		expect(page.status).toBe(200);
		expect(await page.text()).toContain("Sensorium queues");
		const api = await app.request("/admin/queues/api/queues", { headers: { authorization: basic(OPERATOR_PASSWORD) } });
		expect(api.status).toBe(200);
		expect(JSON.stringify(await api.json())).toContain("executions");
	});
});

const OPERATOR_PASSWORD = "operators-only-0123456789";
const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString("base64")}`;
