import { request } from "node:http";
import { type AddressInfo, connect, createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createNetworkPolicy, type EgressProxy, startEgressProxy } from "../src/index.ts";

const open: Array<EgressProxy | Server> = [];

afterEach(async () => {
	for (const item of open.splice(0)) {
		if ("refusals" in item) await item.close();
		else await new Promise((resolve) => item.close(resolve));
	}
});

async function proxyWith(allowed: string[]): Promise<EgressProxy> {
	const proxy = await startEgressProxy(createNetworkPolicy(allowed));
	open.push(proxy);
	return proxy;
}

/** A loopback echo server that counts connections. */
async function echoServer(): Promise<{ port: number; connections: () => number }> {
	let count = 0;
	const server = createServer((socket) => {
		count += 1;
		socket.pipe(socket);
	});
	open.push(server);
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return { port: (server.address() as AddressInfo).port, connections: () => count };
}

/** Sends CONNECT through the proxy; resolves with the status line and, when tunnelled, what `ping` echoed. */
function tunnel(proxy: EgressProxy, target: string): Promise<{ status: string; echoed: string }> {
	const { port } = new URL(proxy.url);
	return new Promise((resolve, reject) => {
		const socket = connect(Number(port), "127.0.0.1", () => {
			socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
		});
		let received = "";
		socket.setEncoding("utf8");
		socket.on("data", (chunk: string) => {
			received += chunk;
			const [head = "", body = ""] = received.split("\r\n\r\n");
			if (head.startsWith("HTTP/1.1 200") && body === "") socket.write("ping");
			if (body === "ping") {
				socket.destroy();
				resolve({ status: head.split("\r\n")[0] ?? "", echoed: body });
			}
		});
		socket.on("end", () => resolve({ status: received.split("\r\n")[0] ?? "", echoed: "" }));
		socket.on("error", reject);
	});
}

describe("egress proxy", () => {
	it("refuses CONNECT to a refused address before connecting, and records why", async () => {
		const target = await echoServer();
		const proxy = await proxyWith([]);
		expect(await tunnel(proxy, `127.0.0.1:${target.port}`)).toEqual({ status: "HTTP/1.1 403 Forbidden", echoed: "" });
		expect(await tunnel(proxy, `localhost:${target.port}`)).toEqual({ status: "HTTP/1.1 403 Forbidden", echoed: "" });
		expect(target.connections()).toBe(0);
		expect(proxy.refusals).toHaveLength(2);
		expect(proxy.refusals[0]).toBe("127.0.0.1 (loopback, 127.0.0.0/8)");
	});

	it("tunnels to an allowed address", async () => {
		const target = await echoServer();
		const proxy = await proxyWith(["127.0.0.0/8"]);
		expect(await tunnel(proxy, `127.0.0.1:${target.port}`)).toEqual({
			status: "HTTP/1.1 200 Connection Established",
			echoed: "ping",
		});
		expect(proxy.refusals).toEqual([]);
	});

	it("answers 502 and records the failure for an allowed address where nothing listens", async () => {
		const target = await echoServer();
		const closed = open.pop() as Server;
		await new Promise((resolve) => closed.close(resolve));
		const proxy = await proxyWith(["127.0.0.0/8"]);
		expect((await tunnel(proxy, `127.0.0.1:${target.port}`)).status).toBe("HTTP/1.1 502 Bad Gateway");
		expect(proxy.failures[0]).toContain("ECONNREFUSED");
	});

	it("forwards absolute-URI (plain http) requests only to allowed addresses", async () => {
		const { createServer: createHttpServer } = await import("node:http");
		let hits = 0;
		const server = createHttpServer((_, response) => {
			hits += 1;
			response.end("hello");
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		const port = (server.address() as AddressInfo).port;
		const get = (proxy: EgressProxy) =>
			new Promise<{ status: number; body: string }>((resolve, reject) => {
				const { port: proxyPort } = new URL(proxy.url);
				request({ host: "127.0.0.1", port: proxyPort, path: `http://127.0.0.1:${port}/x` }, (response) => {
					let body = "";
					response.setEncoding("utf8");
					response.on("data", (chunk: string) => {
						body += chunk;
					});
					response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
				})
					.on("error", reject)
					.end();
			});
		try {
			expect(await get(await proxyWith([]))).toEqual({ status: 403, body: "" });
			expect(hits).toBe(0);
			expect(await get(await proxyWith(["127.0.0.1/32"]))).toEqual({ status: 200, body: "hello" });
			expect(hits).toBe(1);
		} finally {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		}
	});
});
