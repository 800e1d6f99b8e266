import type { Hono } from "hono";
import type { AppEnv } from "../context.ts";

/** Liveness and readiness for orchestrators; no authentication, no details that help an attacker. */
export function registerHealth(app: Hono<AppEnv>) {
	app.get("/healthz", (c) => c.json({ status: "ok" }));
	app.get("/readyz", async (c) => {
		const ready = c.var.deps.ready ? await c.var.deps.ready().catch(() => false) : true;
		return c.json({ status: ready ? "ready" : "unavailable" }, ready ? 200 : 503);
	});
}
