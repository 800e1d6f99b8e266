import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";

/** Liveness, readiness and Prometheus metrics for operators; no authentication, no secrets. */
export function registerHealth(app: Hono<AppEnv>) {
	app.get("/healthz", (c) => c.json({ status: "ok" }));
	app.get("/readyz", async (c) => {
		const { ready: check } = c.get("deps");
		const ready = check ? await check().catch(() => false) : true;
		return c.json({ status: ready ? "ready" : "unavailable" }, ready ? 200 : 503);
	});
	app.get("/metrics", async (c) => {
		const registry = c.get("deps").metrics?.registry;
		if (!registry) return c.text("metrics are not enabled\n", 404);
		return c.body(await registry.metrics(), 200, { "content-type": registry.contentType });
	});
}
