import { createServer } from "node:http";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export { Registry } from "prom-client";

/** A registry per process, with Node's default metrics under the `sensorium_` prefix. */
export function createRegistry(role: "api" | "worker" | "dispatcher" | "exporter"): Registry {
	const registry = new Registry();
	registry.setDefaultLabels({ role });
	collectDefaultMetrics({ register: registry, prefix: "sensorium_" });
	return registry;
}

export interface HttpMetrics {
	observe(method: string, route: string, status: number, seconds: number): void;
}

export function httpMetrics(registry: Registry): HttpMetrics {
	const requests = new Counter({
		name: "sensorium_http_requests_total",
		help: "HTTP requests by method, route pattern and status",
		labelNames: ["method", "route", "status"],
		registers: [registry],
	});
	const duration = new Histogram({
		name: "sensorium_http_request_duration_seconds",
		help: "HTTP request latency by method and route pattern",
		labelNames: ["method", "route"],
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
		registers: [registry],
	});
	// Bound children per label set: prom-client would otherwise hash the label object on every request.
	const series = new Map<
		string,
		{ counter: ReturnType<typeof requests.labels>; histogram: ReturnType<typeof duration.labels> }
	>();
	return {
		observe(method, route, status, seconds) {
			const key = `${method} ${status} ${route}`;
			let bound = series.get(key);
			if (!bound) {
				bound = { counter: requests.labels(method, route, String(status)), histogram: duration.labels(method, route) };
				series.set(key, bound);
			}
			bound.counter.inc();
			bound.histogram.observe(seconds);
		},
	};
}

export interface QueueDepthSource {
	/** Jobs per state of one queue, e.g. { waiting: 3, prioritized: 10, active: 2, delayed: 0, failed: 1 }. */
	counts(): Promise<Record<string, number>>;
	/** Waiting jobs per priority name, for the executions queue. */
	byPriority?(): Promise<Record<string, number>>;
}

/**
 * Queue depth read from Redis at scrape time (per queue and state, and per priority): what
 * autoscalers of workers should look at (`sensorium_queue_jobs{queue="executions",state=~"waiting|prioritized"}`).
 */
export function queueDepthMetrics(registry: Registry, queues: Record<string, QueueDepthSource>): void {
	new Gauge({
		name: "sensorium_queue_jobs",
		help: "Jobs in each BullMQ queue by state",
		labelNames: ["queue", "state"],
		registers: [registry],
		async collect() {
			this.reset();
			for (const [queue, source] of Object.entries(queues)) {
				const counts = await source.counts().catch(() => ({}) as Record<string, number>);
				for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
			}
		},
	});
	new Gauge({
		name: "sensorium_queue_waiting_by_priority",
		help: "Executions waiting to start, by priority",
		labelNames: ["queue", "priority"],
		registers: [registry],
		async collect() {
			this.reset();
			for (const [queue, source] of Object.entries(queues)) {
				if (!source.byPriority) continue;
				const counts = await source.byPriority().catch(() => ({}) as Record<string, number>);
				for (const [priority, count] of Object.entries(counts)) this.set({ queue, priority }, count);
			}
		},
	});
}

/** Queued and running executions of one organisation. */
export interface OrganizationLoad {
	orgId: string;
	queued: number;
	running: number;
}

/**
 * Per-organisation queue depth and running counts, read at scrape time. The label set stays bounded
 * whatever the number of tenants: the `top` busiest organisations by id, everyone else as "other".
 */
export function organizationLoadMetrics(registry: Registry, source: () => Promise<OrganizationLoad[]>, top = 10): void {
	new Gauge({
		name: "sensorium_org_executions",
		help: `Queued and running executions per organisation (the ${top} busiest; the rest as org="other")`,
		labelNames: ["org", "state"],
		registers: [registry],
		async collect() {
			this.reset();
			const loads = await source().catch(() => [] as OrganizationLoad[]);
			const busiest = [...loads].sort((a, b) => b.queued + b.running - (a.queued + a.running));
			const other = { queued: 0, running: 0 };
			for (const [i, load] of busiest.entries()) {
				if (i < top) {
					this.set({ org: load.orgId, state: "queued" }, load.queued);
					this.set({ org: load.orgId, state: "running" }, load.running);
				} else {
					other.queued += load.queued;
					other.running += load.running;
				}
			}
			if (busiest.length > top) {
				this.set({ org: "other", state: "queued" }, other.queued);
				this.set({ org: "other", state: "running" }, other.running);
			}
		},
	});
}

export interface ExecutionMetrics {
	finished(status: string, seconds: number): void;
	findings(byType: Record<string, number>): void;
	/** One file or member a stage could not read or parse (`stage` is one of a fixed set). */
	diagnostic(stage: string): void;
}

export function executionMetrics(registry: Registry): ExecutionMetrics {
	const finished = new Counter({
		name: "sensorium_executions_finished_total",
		help: "Executions finished by this process, by final status",
		labelNames: ["status"],
		registers: [registry],
	});
	const duration = new Histogram({
		name: "sensorium_execution_duration_seconds",
		help: "Execution run time (claim to final status) by final status",
		labelNames: ["status"],
		buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
		registers: [registry],
	});
	const findings = new Counter({
		name: "sensorium_findings_observed_total",
		help: "Findings observed by finished executions, by asset type",
		labelNames: ["type"],
		registers: [registry],
	});
	const diagnostics = new Counter({
		name: "sensorium_scan_diagnostics_total",
		help: "Files and archive members a scan stage could not read or parse, by stage",
		labelNames: ["stage"],
		registers: [registry],
	});
	return {
		finished(status, seconds) {
			finished.inc({ status });
			duration.observe({ status }, seconds);
		},
		findings(byType) {
			for (const [type, count] of Object.entries(byType)) findings.inc({ type }, count);
		},
		diagnostic(stage) {
			diagnostics.inc({ stage });
		},
	};
}

export interface ReconcilerMetrics {
	reenqueued(kind: "queued" | "expired-lease" | "delivery" | "export", count: number): void;
}

export function reconcilerMetrics(registry: Registry): ReconcilerMetrics {
	const reenqueued = new Counter({
		name: "sensorium_reconciler_reenqueued_total",
		help: "Items the reconciler put back into a queue (lost from Redis or from a dead process), by kind",
		labelNames: ["kind"],
		registers: [registry],
	});
	return {
		reenqueued(kind, count) {
			if (count > 0) reenqueued.inc({ kind }, count);
		},
	};
}

export interface ExportMetrics {
	documents(outcome: "exported" | "failed", count: number): void;
	request(outcome: "ok" | "retry" | "failed"): void;
	exportFinished(outcome: "done" | "failed"): void;
}

export function exportMetrics(registry: Registry): ExportMetrics {
	const documents = new Counter({
		name: "sensorium_export_documents_total",
		help: "Finding documents sent to OpenSearch, by outcome (exported, or failed: rejected by OpenSearch)",
		labelNames: ["outcome"],
		registers: [registry],
	});
	const requests = new Counter({
		name: "sensorium_export_bulk_requests_total",
		help: "_bulk requests by outcome (ok, retry: the whole request will be sent again, failed)",
		labelNames: ["outcome"],
		registers: [registry],
	});
	const exports = new Counter({
		name: "sensorium_exports_total",
		help: "Execution exports that reached a final state",
		labelNames: ["outcome"],
		registers: [registry],
	});
	return {
		documents(outcome, count) {
			if (count > 0) documents.inc({ outcome }, count);
		},
		request(outcome) {
			requests.inc({ outcome });
		},
		exportFinished(outcome) {
			exports.inc({ outcome });
		},
	};
}

export interface DeliveryMetrics {
	attempt(outcome: "succeeded" | "retry" | "failed", attempt: number): void;
}

export function deliveryMetrics(registry: Registry): DeliveryMetrics {
	const attempts = new Counter({
		name: "sensorium_callback_attempts_total",
		help: "Callback delivery attempts by outcome and attempt number (capped at 10)",
		labelNames: ["outcome", "attempt"],
		registers: [registry],
	});
	const deliveries = new Counter({
		name: "sensorium_callback_deliveries_total",
		help: "Callback deliveries that reached a final outcome",
		labelNames: ["outcome"],
		registers: [registry],
	});
	return {
		attempt(outcome, attempt) {
			attempts.inc({ outcome, attempt: String(Math.min(attempt, 10)) });
			if (outcome !== "retry") deliveries.inc({ outcome });
		},
	};
}

export interface OperationsServer {
	listen(port: number): void;
	/** From now on /healthz answers 503, so orchestrators stop routing to a process that is stopping. */
	markStopping(): void;
	close(): void;
}

/**
 * `/healthz` (alive), `/readyz` (the checks pass) and `/metrics` on their own port, for processes
 * that have no HTTP API of their own (workers, dispatchers). A failing check counts as not ready.
 */
export function createOperationsServer(
	registry: Registry,
	checks: (() => Promise<boolean> | boolean)[],
): OperationsServer {
	let stopping = false;
	const ready = async () => {
		if (stopping) return false;
		for (const check of checks) {
			if (
				!(await Promise.resolve()
					.then(check)
					.catch(() => false))
			)
				return false;
		}
		return true;
	};
	const server = createServer(async (req, res) => {
		if (req.url === "/healthz") return void res.writeHead(stopping ? 503 : 200).end(stopping ? "stopping" : "ok");
		if (req.url === "/readyz") {
			const ok = await ready();
			return void res.writeHead(ok ? 200 : 503).end(ok ? "ready" : "unavailable");
		}
		if (req.url === "/metrics") {
			return void res.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
		}
		res.writeHead(404).end();
	});
	return {
		listen: (port) => void server.listen(port),
		markStopping: () => {
			stopping = true;
		},
		close: () => void server.close(),
	};
}
