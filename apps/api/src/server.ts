import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

export interface ServerLimits {
	port: number;
	hostname: string;
	/** Request headers must arrive within this: a client trickling them in (slowloris) is cut off. */
	headersTimeoutMs: number;
	/** The whole request must arrive within this. */
	requestTimeoutMs: number;
	maxConnections: number;
}

/** The API over HTTP with bounds on slow clients and on open connections. */
export function serveApi<E extends object>(
	app: Hono<E>,
	limits: ServerLimits,
	onListening: (port: number) => void,
): Server {
	const server = serve(
		{
			fetch: app.fetch,
			port: limits.port,
			hostname: limits.hostname,
			serverOptions: {
				headersTimeout: limits.headersTimeoutMs,
				requestTimeout: limits.requestTimeoutMs,
				// Node checks those timeouts on this interval (30 s by default, longer than the timeouts themselves).
				connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
			},
		},
		(info) => onListening(info.port),
	) as Server;
	server.maxConnections = limits.maxConnections;
	return server;
}
