import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
	method: string;
	url: string;
	headers: IncomingHttpHeaders;
	body: string;
}

export interface Receiver {
	/** http://127.0.0.1:<port> */
	origin: string;
	port: number;
	requests: ReceivedRequest[];
	/** TCP connections accepted, whether or not a request followed. */
	connections: number;
	close(): Promise<void>;
}

/** A real HTTP server on loopback that records every request; `respond` may leave the response open. */
export async function startReceiver(
	respond: (req: ReceivedRequest, res: ServerResponse<IncomingMessage>) => void = (_, res) => res.end("ok"),
): Promise<Receiver> {
	const requests: ReceivedRequest[] = [];
	const server = createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk);
		const received = {
			method: req.method ?? "",
			url: req.url ?? "",
			headers: req.headers,
			body: Buffer.concat(chunks).toString("utf8"),
		};
		requests.push(received);
		respond(received, res);
	});
	const receiver: Receiver = {
		origin: "",
		port: 0,
		requests,
		connections: 0,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
	server.on("connection", () => {
		receiver.connections++;
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	receiver.port = (server.address() as AddressInfo).port;
	receiver.origin = `http://127.0.0.1:${receiver.port}`;
	return receiver;
}
