import { LOCKOUT_MS, setPassword } from "@sensorium/accounts";
import { users } from "@sensorium/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

let h: Harness;
let org: Org;
let userEmail: string;
const PASSWORD = "correct horse battery staple";

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
	await setPassword(h.database.db, org.adminUserId, PASSWORD);
	const [user] = await h.database.db.select().from(users).where(eq(users.id, org.userId));
	userEmail = user?.email as string;
	await setPassword(h.database.db, org.userId, PASSWORD);
});
afterAll(() => h.close());

async function signIn(email: string, password = PASSWORD) {
	const res = await h.app.request("/v3/session", {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, password }),
	});
	const cookie = res.headers.get("set-cookie") ?? "";
	return { res, body: (await res.json()) as Record<string, unknown>, cookie, session: cookie.split(";")[0] ?? "" };
}

describe("console sessions", () => {
	it("sign-in sets an HttpOnly, SameSite=Strict cookie and returns the user and a CSRF token", async () => {
		const { res, body, cookie } = await signIn(org.adminEmail);
		expect(res.status).toBe(200);
		expect(body).toMatchObject({
			status: "successful",
			user: { email: org.adminEmail, role: "admin", orgId: org.orgId },
			csrfToken: expect.any(String),
		});
		expect(cookie).toMatch(/^sensorium_session=[^;]+/);
		expect(cookie).toMatch(/HttpOnly/i);
		expect(cookie).toMatch(/SameSite=Strict/i);
		expect(cookie).not.toMatch(/Secure/);
		const overTls = await h.app.request("/v3/session", {
			method: "POST",
			headers: { "content-type": "application/json", "x-forwarded-proto": "https" },
			body: JSON.stringify({ email: org.adminEmail, password: PASSWORD }),
		});
		expect(overTls.headers.get("set-cookie")).toMatch(/Secure/);
	});

	it("the cookie authenticates /v3 routes; state-changing requests also need the CSRF token", async () => {
		const { body, session } = await signIn(org.adminEmail);
		const headers = { cookie: session, "content-type": "application/json" };
		expect((await h.app.request("/v3/tokens", { headers })).status).toBe(200);
		const withoutCsrf = await h.app.request("/v3/scan/create", {
			method: "POST",
			headers,
			body: JSON.stringify(createBody()),
		});
		expect(withoutCsrf.status).toBe(403);
		expect(await withoutCsrf.json()).toEqual({ status: "failed", message: "Missing or invalid CSRF token." });
		const wrongCsrf = await h.app.request("/v3/scan/create", {
			method: "POST",
			headers: { ...headers, "x-csrf-token": "forged" },
			body: JSON.stringify(createBody()),
		});
		expect(wrongCsrf.status).toBe(403);
		const ok = await h.app.request("/v3/scan/create", {
			method: "POST",
			headers: { ...headers, "x-csrf-token": body.csrfToken as string },
			body: JSON.stringify(createBody()),
		});
		expect(ok.status).toBe(200);
		const me = await h.app.request("/v3/session", { headers: { cookie: session } });
		expect(((await me.json()) as { csrfToken: string }).csrfToken).toBe(body.csrfToken);
	});

	it("a non-admin's session sees scans but not the settings", async () => {
		const { session } = await signIn(userEmail);
		expect((await h.app.request("/v3/executions", { headers: { cookie: session } })).status).toBe(200);
		expect((await h.app.request("/v3/tokens", { headers: { cookie: session } })).status).toBe(403);
		expect((await h.app.request("/v3/callbacks", { headers: { cookie: session } })).status).toBe(403);
	});

	it("sign-out ends the session", async () => {
		const { body, session } = await signIn(org.adminEmail);
		const out = await h.app.request("/v3/session", {
			method: "DELETE",
			headers: { cookie: session, "x-csrf-token": body.csrfToken as string },
		});
		expect(out.status).toBe(200);
		expect(out.headers.get("set-cookie")).toMatch(/sensorium_session=;/);
		expect((await h.app.request("/v3/session", { headers: { cookie: session } })).status).toBe(401);
		expect((await h.app.request("/v3/executions", { headers: { cookie: session } })).status).toBe(401);
	});

	it("wrong passwords, unknown emails and users without a password get the same answer", async () => {
		for (const [email, password] of [
			[org.adminEmail, "wrong password!"],
			["nobody@example.test", PASSWORD],
		]) {
			const { res, body, cookie } = await signIn(email as string, password);
			expect(res.status).toBe(401);
			expect(body).toEqual({ status: "failed", message: "Incorrect email or password." });
			expect(cookie).toBe("");
		}
		await setPassword(h.database.db, org.adminUserId, PASSWORD);
	});

	it("slows down and then locks out repeated failures", async () => {
		const victim = await h.newOrg();
		await setPassword(h.database.db, victim.adminUserId, PASSWORD);
		const started = Date.now();
		const statuses: number[] = [];
		for (let i = 0; i < 5; i++) statuses.push((await signIn(victim.adminEmail, "nope nope nope")).res.status);
		expect(statuses).toEqual([401, 401, 401, 401, 429]);
		expect(Date.now() - started).toBeGreaterThan(150 + 300 + 600 + 1200 - 100);
		const locked = await signIn(victim.adminEmail);
		expect(locked.res.status).toBe(429);
		expect(locked.body.message).toBe(`Too many failed sign-ins. Try again in ${LOCKOUT_MS / 60_000} minutes.`);
		expect(locked.res.headers.get("retry-after")).toBeTruthy();
	});

	it("validates the sign-in body", async () => {
		const res = await h.app.request("/v3/session", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: "{}",
		});
		expect(res.status).toBe(400);
		expect(((await res.json()) as { message: string }).message).toBe("Missing required field: email.");
	});
});

describe("listings", () => {
	it("lists the organisation's executions newest first with filters and paging, and its sensors", async () => {
		const first = await h.request("POST", "/v3/scan/create", {
			token: org.apiToken,
			body: createBody({ sensorName: "list-a" }),
		});
		const second = await h.request("POST", "/v3/scan/create", {
			token: org.apiToken,
			body: createBody({ sensorName: "list-b", labels: [{ k: "v" }] }),
		});
		const page = await h.request("GET", "/v3/executions?limit=1", { token: org.apiToken });
		const executions = page.body.executions as {
			executionId: string;
			sensorName: string;
			ranBy: string;
			labels: unknown;
		}[];
		expect(executions[0]).toMatchObject({
			executionId: second.body.executionId,
			sensorName: "list-b",
			ranBy: org.adminEmail,
			labels: [{ k: "v" }],
		});
		const next = await h.request("GET", `/v3/executions?limit=1&cursor=${page.body.nextCursor}`, {
			token: org.apiToken,
		});
		expect((next.body.executions as { executionId: string }[])[0]?.executionId).toBe(first.body.executionId);
		const bySensor = await h.request("GET", `/v3/executions?sensorId=${first.body.sensorId}`, { token: org.apiToken });
		expect((bySensor.body.executions as unknown[]).length).toBe(1);
		const queued = await h.request("GET", "/v3/executions?status=queued", { token: org.apiToken });
		expect((queued.body.executions as unknown[]).length).toBeGreaterThanOrEqual(2);
		expect((await h.request("GET", "/v3/executions?status=done", { token: org.apiToken })).status).toBe(400);
		const sensorsRes = await h.request("GET", "/v3/sensors", { token: org.apiToken });
		const names = (sensorsRes.body.sensors as { name: string }[]).map((s) => s.name);
		expect(names).toEqual(expect.arrayContaining(["list-a", "list-b"]));
		expect(JSON.stringify(sensorsRes.body)).not.toContain("sensorConfig");
		const other = await h.newOrg();
		expect((await h.request("GET", "/v3/executions", { token: other.apiToken })).body.executions).toEqual([]);
	});
});
