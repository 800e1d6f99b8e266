import type { Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { SESSION_IDLE_MS, setPassword } from "@sensorium/accounts";
import { sessions } from "@sensorium/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApi } from "../src/server.ts";
import { createHarness, type Harness } from "./harness.ts";

let h: Harness;
let server: Server;
let port: number;

beforeAll(async () => {
	h = await createHarness();
	await new Promise<void>((resolve) => {
		server = serveApi(
			h.app,
			{ port: 0, hostname: "127.0.0.1", headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxConnections: 64 },
			() => resolve(),
		);
	});
	port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
	await h.close();
});

describe("HTTP server limits", { timeout: 20_000 }, () => {
	it("cuts off a client that trickles its request headers in (slowloris)", async () => {
		const closed = await new Promise<{ afterMs: number; answer: string }>((resolve) => {
			const started = Date.now();
			let answer = "";
			const socket = connect(port, "127.0.0.1", () => socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
			const drip = setInterval(() => socket.write("X-Slow: 1\r\n"), 200);
			socket.on("data", (chunk) => {
				answer += chunk;
			});
			socket.on("close", () => {
				clearInterval(drip);
				resolve({ afterMs: Date.now() - started, answer });
			});
		});
		expect(closed.answer).toMatch(/^HTTP\/1\.1 408/);
		expect(closed.afterMs).toBeLessThan(10_000);
	});

	it("still serves ordinary requests, with the connection cap set", async () => {
		expect(server.maxConnections).toBe(64);
		expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
	});
});

describe("console sessions", () => {
	it("end after SESSION_IDLE_MS without use, whatever is left of their lifetime", async () => {
		const org = await h.newOrg();
		await setPassword(h.database.db, org.adminUserId, "correct horse battery staple");
		const signIn = await h.app.request("/v3/session", {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ email: org.adminEmail, password: "correct horse battery staple" }),
		});
		const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
		expect((await h.app.request("/v3/session", { headers: { cookie } })).status).toBe(200);
		await h.database.db
			.update(sessions)
			.set({ lastSeenAt: sql`now() - ${`${SESSION_IDLE_MS + 60_000} milliseconds`}::interval` });
		expect((await h.app.request("/v3/session", { headers: { cookie } })).status).toBe(401);
	});
});
