import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createQueueDashboard, dashboardApp } from "../src/queue-dashboard.ts";
import { createHarness, type Harness, type Org } from "./harness.ts";

// Reported: any organisation's Admin Token could list every tenant's jobs and pause everyone's scans through
// /admin/queues. The dashboard is the operators', behind QUEUE_DASHBOARD_PASSWORD alone.
const PASSWORD = "operators-only-0123456789";
let h: Harness;
let victim: Org;
let attacker: Org;

beforeAll(async () => {
	h = await createHarness();
	victim = await h.newOrg("Victim");
	attacker = await h.newOrg("Attacker");
});
afterAll(() => h.close());

const basic = (password: string, user = "ops") => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

function dashboard(readOnly: boolean) {
	const created = createQueueDashboard([h.queue.queue], { password: PASSWORD, readOnly });
	if (!created) throw new Error("bull-board UI files not found");
	return created;
}

const ROUTES: [string, string][] = [
	["GET", "/admin/queues"],
	["GET", "/admin/queues/api/queues"],
	["PUT", "/admin/queues/api/queues/executions/pause"],
	["PUT", "/admin/queues/api/queues/executions/resume"],
	["PUT", "/admin/queues/api/queues/executions/empty"],
	["PUT", "/admin/queues/api/queues/executions/obliterate"],
	["POST", "/admin/queues/api/queues/executions/add"],
	["PUT", "/admin/queues/api/queues/executions/exec_x/update-data"],
];

describe("the queue dashboard", () => {
	it("refuses an organisation's Admin Token on every route, as header or as Basic password", async () => {
		const app = createApp({ ...h.deps, queueDashboard: dashboard(false) });
		for (const [method, path] of ROUTES) {
			for (const headers of <Record<string, string>[]>[
				{ "isg-api-token": attacker.adminToken },
				{ authorization: basic(attacker.adminToken, "admin") },
				{ authorization: basic(victim.adminToken, "admin") },
				{ authorization: basic(`${PASSWORD}x`) },
			]) {
				const res = await app.request(path, { method, headers });
				expect(res.status, `${method} ${path}`).toBe(401);
			}
		}
		expect(await h.queue.queue.isPaused()).toBe(false);
	});

	it("lets the operator read, and refuses every write in read-only mode (the default)", async () => {
		const app = createApp({ ...h.deps, queueDashboard: dashboard(true) });
		const headers = { authorization: basic(PASSWORD) };
		expect((await app.request("/admin/queues/api/queues", { headers })).status).toBe(200);
		for (const [method, path] of ROUTES.filter(([m]) => m !== "GET")) {
			const res = await app.request(path, { method, headers });
			expect(res.status, `${method} ${path}`).toBe(403);
		}
		expect(await h.queue.queue.isPaused()).toBe(false);
	});

	it("lets the operator pause and resume when writes are on, but never from another site", async () => {
		const app = createApp({ ...h.deps, queueDashboard: dashboard(false) });
		const headers = { authorization: basic(PASSWORD), host: "localhost" };
		const forged = await app.request("/admin/queues/api/queues/executions/pause", {
			method: "PUT",
			headers: { ...headers, origin: "https://evil.example", "sec-fetch-site": "cross-site" },
		});
		expect(forged.status).toBe(403);
		expect(await h.queue.queue.isPaused()).toBe(false);
		const paused = await app.request("/admin/queues/api/queues/executions/pause", { method: "PUT", headers });
		expect(paused.status).toBe(200);
		expect(await h.queue.queue.isPaused()).toBe(true);
		await app.request("/admin/queues/api/queues/executions/resume", { method: "PUT", headers });
		expect(await h.queue.queue.isPaused()).toBe(false);
	});

	it("can be served on its own port, apart from the public API", async () => {
		const own = dashboardApp(dashboard(true));
		expect(
			(await own.request("/admin/queues/api/queues", { headers: { authorization: basic(PASSWORD) } })).status,
		).toBe(200);
		expect((await own.request("/v3/tokens", { headers: { "isg-api-token": victim.adminToken } })).status).toBe(404);
		// The public API then has no dashboard at all.
		expect((await h.app.request("/admin/queues", { headers: { authorization: basic(PASSWORD) } })).status).toBe(404);
	});
});
