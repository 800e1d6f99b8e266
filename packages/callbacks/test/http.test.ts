import { createNetworkPolicy } from "@sensorium/network-policy";
import { afterEach, describe, expect, it } from "vitest";
import { type CallbackResponse, createCallbackClient, sendCallback } from "../src/index.ts";
import { type Receiver, startReceiver } from "./receiver.ts";

const loopbackAllowed = createNetworkPolicy(["127.0.0.0/8", "::1/128"]);
const strict = createNetworkPolicy([]);
const TOKEN = "Bearer tok_5ecr3t-do-not-leak";

const receivers: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
	const started = await startReceiver(...args);
	receivers.push(started);
	return started;
}
afterEach(async () => {
	await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function expectNoSecrets(response: CallbackResponse) {
	expect(JSON.stringify(response)).not.toContain("tok_5ecr3t");
}

describe("sendCallback", () => {
	it("POSTs the body and headers exactly as given and returns the 2xx answer", async () => {
		const r = await receiver((_, res) => res.writeHead(202, { "content-type": "text/plain" }).end("accepted ✓"));
		const body = JSON.stringify({ executionId: "e1", status: "failed", message: "Prüfung 🔑 fehlgeschlagen" });
		const headers = {
			"content-type": "application/json",
			authorization: TOKEN,
			"x-custom-auth": "abc123",
			"webhook-id": "dlv_1",
			"webhook-timestamp": "1700000000",
			"webhook-signature": "v1,AAAA",
		};
		const response = await sendCallback({
			url: `${r.origin}/hooks/scan?team=pki`,
			headers,
			body,
			timeoutMs: 5000,
			policy: loopbackAllowed,
		});
		expect(response).toMatchObject({
			ok: true,
			status: 202,
			body: "accepted ✓",
			retryAfter: null,
			error: null,
			errorKind: null,
		});
		expect(response.latencyMs).toBeGreaterThan(0);
		expect(r.requests).toHaveLength(1);
		const [received] = r.requests;
		expect(received?.method).toBe("POST");
		expect(received?.url).toBe("/hooks/scan?team=pki");
		expect(received?.body).toBe(body);
		for (const [name, value] of Object.entries(headers)) expect(received?.headers[name], name).toBe(value);
		expect(received?.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
	});

	it("reports a non-2xx answer with its status, Retry-After and the first 4096 characters of the body", async () => {
		const r = await receiver((_, res) => res.writeHead(503, { "retry-after": "120" }).end("é".repeat(100_000)));
		const response = await sendCallback({
			url: `${r.origin}/`,
			headers: { authorization: TOKEN },
			body: "{}",
			timeoutMs: 5000,
			policy: loopbackAllowed,
		});
		expect(response).toMatchObject({ ok: false, status: 503, retryAfter: "120", errorKind: "http", error: "HTTP 503" });
		expect(response.body).toBe("é".repeat(4096));
		expectNoSecrets(response);
	});

	it("does not split a surrogate pair when truncating", async () => {
		const r = await receiver((_, res) => res.writeHead(500).end(`a${"🔑".repeat(3000)}`));
		const response = await sendCallback({ url: r.origin, headers: {}, timeoutMs: 5000, policy: loopbackAllowed });
		expect(response.body).toBe(`a${"🔑".repeat(2047)}`);
	});

	it("does not follow redirects", async () => {
		const target = await receiver();
		const r = await receiver((_, res) => res.writeHead(302, { location: `${target.origin}/stolen` }).end());
		const response = await sendCallback({
			url: r.origin,
			headers: { authorization: TOKEN },
			body: "{}",
			timeoutMs: 5000,
			policy: loopbackAllowed,
		});
		expect(response).toMatchObject({
			ok: false,
			status: 302,
			errorKind: "http",
			error: "HTTP 302 (redirects are not followed)",
		});
		expect(r.requests).toHaveLength(1);
		expect(target.requests).toHaveLength(0);
		expect(target.connections).toBe(0);
	});

	it("sends a HEAD probe without a body", async () => {
		const r = await receiver((_, res) => res.writeHead(405).end());
		const response = await sendCallback({
			url: r.origin,
			method: "HEAD",
			headers: { authorization: TOKEN },
			timeoutMs: 5000,
			policy: loopbackAllowed,
		});
		expect(response).toMatchObject({ ok: false, status: 405, body: "" });
		expect(r.requests[0]).toMatchObject({ method: "HEAD", body: "" });
	});

	it("times out when the receiver never answers", async () => {
		const r = await receiver(() => {});
		const started = Date.now();
		const response = await sendCallback({
			url: r.origin,
			headers: { authorization: TOKEN },
			body: "{}",
			timeoutMs: 300,
			policy: loopbackAllowed,
		});
		expect(Date.now() - started).toBeLessThan(2000);
		expect(response).toMatchObject({ ok: false, status: null, errorKind: "timeout", error: "no answer within 300 ms" });
		expect(response.latencyMs).toBeGreaterThanOrEqual(290);
		expectNoSecrets(response);
	});

	it("keeps a 2xx whose body is cut off by the timeout, with what arrived", async () => {
		const r = await receiver((_, res) => {
			res.writeHead(200);
			res.write("partial");
		});
		const response = await sendCallback({
			url: r.origin,
			headers: {},
			body: "{}",
			timeoutMs: 300,
			policy: loopbackAllowed,
		});
		expect(response).toMatchObject({ ok: true, status: 200, body: "partial", errorKind: null, error: null });
		expect(response.latencyMs).toBeGreaterThanOrEqual(290);
	});

	it("reports a closed port as a connection error", async () => {
		const r = await receiver();
		await r.close();
		const response = await sendCallback({
			url: r.origin,
			headers: { authorization: TOKEN },
			body: "{}",
			timeoutMs: 5000,
			policy: loopbackAllowed,
		});
		expect(response).toMatchObject({ ok: false, status: null, errorKind: "connect", error: "connection refused" });
		expectNoSecrets(response);
	});

	it("reports a name that does not resolve as a DNS error", async () => {
		const response = await sendCallback({
			url: "http://callbacks.sensorium-test.invalid/hook",
			headers: { authorization: TOKEN },
			body: "{}",
			timeoutMs: 5000,
			policy: strict,
		});
		expect(response).toMatchObject({ ok: false, status: null, errorKind: "dns" });
		expect(response.error).toMatch(/^DNS lookup of callbacks\.sensorium-test\.invalid failed \(E[A-Z_]+\)$/);
		expectNoSecrets(response);
	});

	it("reports a failed TLS handshake", async () => {
		const r = await receiver();
		const response = await sendCallback({
			url: `https://127.0.0.1:${r.port}/`,
			headers: { authorization: TOKEN },
			body: "{}",
			timeoutMs: 5000,
			policy: loopbackAllowed,
		});
		expect(response).toMatchObject({ ok: false, status: null, errorKind: "tls" });
		expect(response.error).toMatch(/^TLS handshake failed \(/);
		expect(r.requests).toHaveLength(0);
		expectNoSecrets(response);
	});

	it.each(["not a url", "ftp://example.com/hook"])("returns the invalid URL %j as an error", async (url) => {
		const response = await sendCallback({ url, headers: {}, timeoutMs: 5000, policy: strict });
		expect(response).toMatchObject({
			ok: false,
			status: null,
			errorKind: "http",
			error: "request not sent: invalid URL, method or header",
		});
	});

	it("returns a header undici refuses as an error without its value", async () => {
		const r = await receiver();
		const response = await sendCallback({
			url: r.origin,
			headers: { authorization: `${TOKEN}\r\nx-injected: 1` },
			body: "{}",
			timeoutMs: 5000,
			policy: loopbackAllowed,
		});
		expect(response).toMatchObject({ ok: false, status: null, errorKind: "http" });
		expect(r.requests).toHaveLength(0);
		expectNoSecrets(response);
	});
});

describe("SSRF protection", () => {
	it("refuses a loopback IP literal unless the policy allows it, without connecting", async () => {
		const r = await receiver();
		const response = await sendCallback({
			url: `${r.origin}/hook`,
			headers: { authorization: TOKEN },
			body: "{}",
			timeoutMs: 5000,
			policy: strict,
		});
		expect(response).toMatchObject({
			ok: false,
			status: null,
			errorKind: "ssrf",
			error: "address not allowed: 127.0.0.1 (loopback, 127.0.0.0/8)",
		});
		expect(r.requests).toHaveLength(0);
		expect(r.connections).toBe(0);
		expectNoSecrets(response);
	});

	it("checks the address a host name resolves to when connecting", async () => {
		const r = await receiver();
		const url = `http://localhost:${r.port}/hook`;
		const refused = await sendCallback({
			url,
			headers: { authorization: TOKEN },
			body: "{}",
			timeoutMs: 5000,
			policy: strict,
		});
		expect(refused).toMatchObject({ ok: false, status: null, errorKind: "ssrf" });
		expect(refused.error).toMatch(/^localhost resolves to an address not allowed: (127\.0\.0\.1|::1) \(loopback, /);
		expect(r.connections).toBe(0);
		expectNoSecrets(refused);

		const allowed = await sendCallback({ url, headers: {}, body: "{}", timeoutMs: 5000, policy: loopbackAllowed });
		expect(allowed).toMatchObject({ ok: true, status: 200 });
		expect(r.requests).toHaveLength(1);
	});

	it("refuses a host name resolving to an address the allow-list does not cover", async () => {
		const r = await receiver();
		const response = await sendCallback({
			url: `http://localhost:${r.port}/`,
			headers: {},
			timeoutMs: 5000,
			policy: createNetworkPolicy(["::1/128"]),
		});
		expect(response.errorKind).toBe("ssrf");
		expect(response.error).toMatch(/^localhost resolves to an address not allowed: 127\.0\.0\.1 \(loopback, /);
		expect(r.connections).toBe(0);
	});

	it.each([
		"http://[::ffff:127.0.0.1]:PORT/hook",
		"http://[::ffff:7f00:1]:PORT/hook",
		"http://[::1]:PORT/hook",
		"http://0.0.0.0:PORT/hook",
		"http://2130706433:PORT/hook",
		"http://127.1:PORT/hook",
		"http://0x7f.0.0.1:PORT/hook",
	])("refuses %s by default", async (template) => {
		const r = await receiver();
		const response = await sendCallback({
			url: template.replace("PORT", String(r.port)),
			headers: { authorization: TOKEN },
			body: "{}",
			timeoutMs: 5000,
			policy: strict,
		});
		expect(response).toMatchObject({ ok: false, status: null, errorKind: "ssrf" });
		expect(response.error).toMatch(/^address not allowed: /);
		expect(r.connections).toBe(0);
		expectNoSecrets(response);
	});

	it("refuses the cloud metadata address", async () => {
		const response = await sendCallback({
			url: "http://169.254.169.254/latest/meta-data/",
			method: "GET",
			headers: {},
			timeoutMs: 1000,
			policy: loopbackAllowed,
		});
		expect(response).toMatchObject({
			errorKind: "ssrf",
			error: "address not allowed: 169.254.169.254 (link-local, cloud metadata, 169.254.0.0/16)",
		});
	});
});

describe("createCallbackClient", () => {
	it("reuses keep-alive connections until closed", async () => {
		const r = await receiver();
		const client = createCallbackClient(loopbackAllowed);
		for (let i = 0; i < 3; i++) {
			expect((await client.send({ url: r.origin, headers: {}, body: String(i), timeoutMs: 5000 })).ok).toBe(true);
			// undici returns the connection to the pool just after the body ends.
			await new Promise((resolve) => setImmediate(resolve));
		}
		expect(r.requests.map((req) => req.body)).toEqual(["0", "1", "2"]);
		expect(r.connections).toBe(1);
		await client.close();
	});
});
