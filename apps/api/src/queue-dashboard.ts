import { createRequire } from "node:module";
import { dirname } from "node:path";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Queue } from "bullmq";
import type { Hono } from "hono";

export const QUEUE_DASHBOARD_PATH = "/admin/queues";

/**
 * The BullMQ dashboard (bull-board) for the given queues, or null when its UI files cannot be found
 * (a bundle deployed without them): the API then runs without the dashboard instead of failing.
 */
export function createQueueDashboard(queues: Queue[], uiPath?: string): Hono | null {
	let uiBasePath = uiPath;
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
		queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })),
		serverAdapter,
		options: { uiBasePath, uiConfig: { boardTitle: "Sensorium queues" } },
	});
	return serverAdapter.registerPlugin() as unknown as Hono;
}
