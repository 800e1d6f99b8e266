import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
	method: string;
	headers: IncomingMessage["headers"];
	body: string;
	at: number;
}

export type Behaviour = (
	request: ReceivedRequest,
	index: number,
) => { status: number; body?: string; headers?: Record<string, string> } | "hang";

/** A real HTTP receiver on loopback that records every request and answers as told. */
export class Receiver {
	readonly requests: ReceivedRequest[] = [];
	private server: Server;
	private hanging: (() => void)[] = [];
	url = "";

	constructor(private behaviour: Behaviour = () => ({ status: 200 })) {
		this.server = createServer((req, res) => {
			let body = "";
			req.on("data", (chunk) => {
				body += chunk;
			});
			req.on("end", () => {
				const request = { method: req.method ?? "", headers: req.headers, body, at: Date.now() };
				const index = this.requests.push(request) - 1;
				const answer = this.behaviour(request, index);
				if (answer === "hang") {
					this.hanging.push(() => res.destroy());
					return;
				}
				res.writeHead(answer.status, answer.headers).end(answer.body ?? "");
			});
		});
	}

	async start(path = "/hook"): Promise<this> {
		await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
		this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
		return this;
	}

	setBehaviour(behaviour: Behaviour) {
		this.behaviour = behaviour;
	}

	posts(): ReceivedRequest[] {
		return this.requests.filter((r) => r.method === "POST");
	}

	async stop(): Promise<void> {
		for (const release of this.hanging) release();
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}
