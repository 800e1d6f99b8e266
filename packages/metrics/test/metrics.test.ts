import { describe, expect, it } from "vitest";
import {
	createRegistry,
	deliveryMetrics,
	executionMetrics,
	httpMetrics,
	type OrganizationLoad,
	organizationLoadMetrics,
	queueDepthMetrics,
	Registry,
	reconcilerMetrics,
} from "../src/index.ts";

/** Every sample of one metric as "labels=value" lines, sorted, from what a scrape would return. */
async function samples(registry: Registry, name: string): Promise<string[]> {
	const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
	if (!metric) return [];
	return (metric.values as { labels: Record<string, string | number>; value: number; metricName?: string }[])
		.filter((v) => v.metricName === undefined || v.metricName === name || v.metricName === `${name}_count`)
		.map(
			(v) =>
				`${v.metricName && v.metricName !== name ? `${v.metricName} ` : ""}${Object.entries(v.labels)
					.sort(([a], [b]) => a.localeCompare(b))
					.map(([k, l]) => `${k}=${l}`)
					.join(",")} ${v.value}`,
		)
		.sort();
}

describe("organisation load: a bounded label set whatever the number of tenants", () => {
	it("names the busiest organisations and sums everyone else as other", async () => {
		const registry = new Registry();
		const loads: OrganizationLoad[] = Array.from({ length: 12 }, (_, i) => ({
			orgId: `org${String(i).padStart(2, "0")}`,
			queued: i,
			running: i % 3,
		}));
		organizationLoadMetrics(registry, async () => loads, 3);
		expect(await samples(registry, "sensorium_org_executions")).toEqual([
			// Busiest by queued + running: org11 (13), org10 (11), org08 (10), then org09 (9).
			"org=org08,state=queued 8",
			"org=org08,state=running 2",
			"org=org10,state=queued 10",
			"org=org10,state=running 1",
			"org=org11,state=queued 11",
			"org=org11,state=running 2",
			// The nine others: queued 66 - 29, running 12 - 5.
			"org=other,state=queued 37",
			"org=other,state=running 7",
		]);
	});

	it("has no other series when every organisation fits, and reads the source afresh at each scrape", async () => {
		const registry = new Registry();
		let loads: OrganizationLoad[] = [{ orgId: "a", queued: 2, running: 1 }];
		organizationLoadMetrics(registry, async () => loads, 3);
		expect(await samples(registry, "sensorium_org_executions")).toEqual([
			"org=a,state=queued 2",
			"org=a,state=running 1",
		]);
		loads = [{ orgId: "b", queued: 0, running: 4 }];
		expect(await samples(registry, "sensorium_org_executions")).toEqual([
			"org=b,state=queued 0",
			"org=b,state=running 4",
		]);
	});

	it("answers the scrape with no series when the source fails (Postgres away), rather than failing it", async () => {
		const registry = new Registry();
		organizationLoadMetrics(registry, async () => {
			throw new Error("connect ECONNREFUSED");
		});
		expect(await samples(registry, "sensorium_org_executions")).toEqual([]);
		await expect(registry.metrics()).resolves.toContain("sensorium_org_executions");
	});
});

describe("queue depth", () => {
	it("reports each queue's states and the executions waiting by priority; a queue Redis cannot answer is left out", async () => {
		const registry = new Registry();
		queueDepthMetrics(registry, {
			executions: {
				counts: async () => ({ waiting: 1, prioritized: 7, active: 2 }),
				byPriority: async () => ({ high: 5, low: 3 }),
			},
			callbacks: {
				counts: async () => {
					throw new Error("Connection is closed.");
				},
			},
		});
		expect(await samples(registry, "sensorium_queue_jobs")).toEqual([
			"queue=executions,state=active 2",
			"queue=executions,state=prioritized 7",
			"queue=executions,state=waiting 1",
		]);
		expect(await samples(registry, "sensorium_queue_waiting_by_priority")).toEqual([
			"priority=high,queue=executions 5",
			"priority=low,queue=executions 3",
		]);
	});
});

describe("counters of the runners", () => {
	it("caps the attempt label at 10 and counts a delivery once, when it reaches a final outcome", async () => {
		const registry = new Registry();
		const metrics = deliveryMetrics(registry);
		metrics.attempt("retry", 1);
		metrics.attempt("retry", 12);
		metrics.attempt("retry", 15);
		metrics.attempt("succeeded", 16);
		expect(await samples(registry, "sensorium_callback_attempts_total")).toEqual([
			"attempt=1,outcome=retry 1",
			"attempt=10,outcome=retry 2",
			"attempt=10,outcome=succeeded 1",
		]);
		expect(await samples(registry, "sensorium_callback_deliveries_total")).toEqual(["outcome=succeeded 1"]);
	});

	it("counts findings by type and finished executions with their duration", async () => {
		const registry = new Registry();
		const metrics = executionMetrics(registry);
		metrics.finished("successful", 12);
		metrics.finished("failed", 0.5);
		metrics.findings({ x509: 3, key: 2 });
		metrics.findings({ x509: 1 });
		metrics.diagnostic("parse");
		expect(await samples(registry, "sensorium_findings_observed_total")).toEqual(["type=key 2", "type=x509 4"]);
		expect(await samples(registry, "sensorium_executions_finished_total")).toEqual([
			"status=failed 1",
			"status=successful 1",
		]);
		expect(await samples(registry, "sensorium_scan_diagnostics_total")).toEqual(["stage=parse 1"]);
		const text = await registry.metrics();
		expect(text).toContain('sensorium_execution_duration_seconds_bucket{le="15",status="successful"} 1');
		expect(text).toContain('sensorium_execution_duration_seconds_bucket{le="5",status="successful"} 0');
	});

	it("does not create a series for a reconciler pass that found nothing", async () => {
		const registry = new Registry();
		const metrics = reconcilerMetrics(registry);
		metrics.reenqueued("delivery", 0);
		expect(await samples(registry, "sensorium_reconciler_reenqueued_total")).toEqual([]);
		metrics.reenqueued("queued", 4);
		expect(await samples(registry, "sensorium_reconciler_reenqueued_total")).toEqual(["kind=queued 4"]);
	});

	it("counts HTTP requests by method, route pattern and status", async () => {
		const registry = new Registry();
		const http = httpMetrics(registry);
		http.observe("GET", "/v3/scan/:executionId", 200, 0.01);
		http.observe("GET", "/v3/scan/:executionId", 200, 0.02);
		http.observe("POST", "/v3/scan/create", 400, 0.003);
		expect(await samples(registry, "sensorium_http_requests_total")).toEqual([
			"method=GET,route=/v3/scan/:executionId,status=200 2",
			"method=POST,route=/v3/scan/create,status=400 1",
		]);
	});
});

describe("a process registry", () => {
	it("labels every series with the process's role and carries Node's default metrics under the prefix", async () => {
		const registry = createRegistry("worker");
		reconcilerMetrics(registry).reenqueued("export", 1);
		const text = await registry.metrics();
		expect(text).toContain('sensorium_reconciler_reenqueued_total{kind="export",role="worker"} 1');
		expect(text).toMatch(/^sensorium_process_cpu_user_seconds_total\{role="worker"\} /m);
	});
});
