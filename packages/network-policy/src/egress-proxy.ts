import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { connect, isIP, type Socket } from "node:net";
import { guardedLookup } from "./guarded-connection.ts";
import type { NetworkPolicy } from "./network-policy.ts";

/**
 * An HTTP proxy on loopback for child processes (git) that make their own connections: every
 * connection it opens passes `policy`, checked on the address actually connected to.
 */
export interface EgressProxy {
	/** `http://127.0.0.1:<port>`, for git's `http.proxy`. */
	url: string;
	/** Why each refused connection was refused (`policy.describe` of the address), in order. */
	readonly refusals: readonly string[];
	/** Connections to allowed addresses that failed (refused, unreachable), as Node's error messages. */
	readonly failures: readonly string[];
	close(): Promise<void>;
}

/** A refusal answers before any connection is tried, so open and closed ports look the same. */
const REFUSED = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const BAD_GATEWAY = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const HOP_BY_HOP = new Set(["proxy-authorization", "proxy-connection", "connection", "keep-alive"]);

/**
 * Starts the proxy on 127.0.0.1, ephemeral port. It serves CONNECT (https) and absolute-URI
 * requests (plain http); a name resolving to any refused address is refused whole (see guardedLookup).
 */
export async function startEgressProxy(policy: NetworkPolicy): Promise<EgressProxy> {
	const refusals: string[] = [];
	const failures: string[] = [];
	const record = (error: Error) => {
		const reason = refusalOf(error);
		if (reason) refusals.push(reason);
		else failures.push(error.message);
		return reason;
	};
	const lookup = guardedLookup(policy);
	const sockets = new Set<Socket>();

	/** The refusal reason for an IP literal, which net.connect would connect to without a lookup. */
	const literalRefusal = (host: string) =>
		isIP(host) !== 0 && !policy.isAllowed(host) ? policy.describe(host) : undefined;
	const refusalOf = (error: unknown) =>
		error instanceof Error && error.name === "AddressNotAllowedError" ? error.message : undefined;

	const server = createServer((request, response) => {
		let target: URL;
		try {
			target = new URL(request.url ?? "");
			if (target.protocol !== "http:") throw new Error("not http");
		} catch {
			response.writeHead(400, { Connection: "close" }).end();
			return;
		}
		const host = target.hostname.replace(/^\[|\]$/g, "");
		const refused = literalRefusal(host);
		if (refused) {
			refusals.push(refused);
			response.writeHead(403, { Connection: "close" }).end();
			return;
		}
		const headers: OutgoingHttpHeaders = {};
		for (const [name, value] of Object.entries(request.headers)) {
			if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
		}
		const upstream = httpRequest(
			{
				host,
				port: target.port || 80,
				path: `${target.pathname}${target.search}`,
				method: request.method,
				headers,
				lookup,
				agent: false,
			},
			(answer: IncomingMessage) => {
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(response);
			},
		);
		upstream.on("error", (error) => {
			const reason = record(error);
			if (!response.headersSent) response.writeHead(reason ? 403 : 502, { Connection: "close" });
			response.end();
		});
		request.pipe(upstream);
	});

	server.on("connect", (request: IncomingMessage, client: Socket, head: Buffer) => {
		sockets.add(client);
		client.on("close", () => sockets.delete(client));
		client.on("error", () => client.destroy());
		const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(request.url ?? "");
		const host = match?.[1];
		const port = Number(match?.[2]);
		if (!host || !(port > 0 && port < 65536)) {
			client.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
			return;
		}
		const refused = literalRefusal(host);
		if (refused) {
			refusals.push(refused);
			client.end(REFUSED);
			return;
		}
		const upstream = connect({ host, port, lookup });
		sockets.add(upstream);
		upstream.on("close", () => sockets.delete(upstream));
		let connected = false;
		upstream.once("connect", () => {
			connected = true;
			client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
			if (head.length > 0) upstream.write(head);
			upstream.pipe(client);
			client.pipe(upstream);
		});
		upstream.on("error", (error) => {
			if (connected) {
				client.destroy();
				return;
			}
			const reason = record(error);
			client.end(reason ? REFUSED : BAD_GATEWAY);
		});
		client.on("close", () => upstream.destroy());
	});

	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => resolve());
	});
	const address = server.address();
	const port = typeof address === "object" && address ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}`,
		refusals,
		failures,
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
