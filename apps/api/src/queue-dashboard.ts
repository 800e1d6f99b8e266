import { createHash, timingSafeEqual } from "node:crypto";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Queue } from "bullmq";
import { type Env, Hono, type MiddlewareHandler } from "hono";

export const QUEUE_DASHBOARD_PATH = "/admin/queues";

/** The operators' BullMQ dashboard: for whoever runs the deployment, never for an organisation's admins. */
export interface QueueDashboard {
	routes: Hono;
	/** QUEUE_DASHBOARD_PASSWORD: the only credential it accepts (HTTP Basic, any user name). */
	password: string;
	/** Unless QUEUE_DASHBOARD_READ_ONLY=false: pause, empty, obliterate, add, retry, update-data all refused. */
	readOnly: boolean;
}

/**
 * bull-board over the given queues, or null when its UI files cannot be found (a bundle deployed without
 * them): the API then runs without the dashboard instead of failing.
 */
export function createQueueDashboard(
	queues: Queue[],
	options: { password: string; readOnly: boolean; uiPath?: string },
): QueueDashboard | null {
	let uiBasePath = options.uiPath;
	if (!uiBasePath) {
		try {
			uiBasePath = dirname(createRequire(import.meta.url).resolve("@bull-board/ui/package.json"));
		} catch {
			return null;
		}
	}
	const serverAdapter = new HonoAdapter(serveStatic);
	serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
	createBullBoard({
		queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly })),
		serverAdapter,
		options: { uiBasePath, uiConfig: { boardTitle: "Sensorium queues" } },
	});
	return {
		routes: serverAdapter.registerPlugin() as unknown as Hono,
		password: options.password,
		readOnly: options.readOnly,
	};
}

const READS = new Set(["GET", "HEAD"]);
const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * The dashboard's gate: the operator password as HTTP Basic (compared in constant time, whatever its length),
 * writes refused in read-only mode, and — since browsers replay Basic credentials on cross-site requests —
 * writes only from the dashboard's own pages.
 */
function operatorOnly(dashboard: QueueDashboard): MiddlewareHandler {
	const expected = digest(dashboard.password);
	return async (c, next) => {
		const basic = /^Basic\s+(.+)$/i.exec(c.req.header("authorization") ?? "");
		const presented = basic?.[1] ? Buffer.from(basic[1], "base64").toString("utf8").split(":").slice(1).join(":") : "";
		if (!basic || !timingSafeEqual(digest(presented), expected)) {
			c.header("WWW-Authenticate", 'Basic realm="Sensorium queue dashboard (operators)", charset="UTF-8"');
			return c.json({ status: "failed", message: "Unauthorized access." }, 401);
		}
		if (!READS.has(c.req.method)) {
			if (dashboard.readOnly) {
				return c.json(
					{ status: "failed", message: "The queue dashboard is read-only (QUEUE_DASHBOARD_READ_ONLY)." },
					403,
				);
			}
			const site = c.req.header("sec-fetch-site");
			const origin = c.req.header("origin");
			const crossSite =
				(site !== undefined && site !== "same-origin" && site !== "none") ||
				(origin !== undefined && hostOf(origin) !== c.req.header("host"));
			if (crossSite) {
				return c.json({ status: "failed", message: "Cross-site requests to the queue dashboard are refused." }, 403);
			}
		}
		c.header("Cache-Control", "no-store");
		c.header("X-Frame-Options", "DENY");
		await next();
	};
}

function hostOf(origin: string): string | undefined {
	try {
		return new URL(origin).host;
	} catch {
		return undefined;
	}
}

/** The dashboard alone, for QUEUE_DASHBOARD_PORT. */
export function dashboardApp(dashboard: QueueDashboard): Hono {
	const app = new Hono();
	mountQueueDashboard(app, dashboard);
	return app;
}

/** Serves the dashboard under /admin/queues of `app`, behind the operator gate. */
export function mountQueueDashboard<E extends Env>(app: Hono<E>, dashboard: QueueDashboard): void {
	const gate = operatorOnly(dashboard);
	app.use(QUEUE_DASHBOARD_PATH, gate);
	app.use(`${QUEUE_DASHBOARD_PATH}/*`, gate);
	app.route(QUEUE_DASHBOARD_PATH, dashboard.routes);
}
