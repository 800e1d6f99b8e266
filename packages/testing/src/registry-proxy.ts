import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the proxy saw: on its registry port, or on its second port that serves redirected blobs. */
export interface ProxiedRequest {
	via: "registry" | "blobs";
	method: string;
	path: string;
	/** Whether the request carried an `Authorization` header (its value is never kept). */
	authorized: boolean;
	/** What the proxy answered (the registry's status when it forwarded the request). */
	status: number;
	at: number;
}

const BLOB_PATH = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/;

/**
 * A loopback HTTP proxy in front of a real registry, for what a real server cannot be made to do by
 * itself: answer 429 with `Retry-After` for a while, and answer blob GETs with a 307 to another
 * origin (its second port, which serves the blob itself, as a CDN would). It records every request.
 */
export class RegistryProxy {
	readonly requests: ProxiedRequest[] = [];
	private limits: { match: RegExp; remaining: number; retryAfter: string | undefined }[] = [];
	private redirecting = false;

	private constructor(
		private readonly target: string,
		private readonly front: Server,
		private readonly blobs: Server,
	) {}

	/** `target` is the registry's `host:port`. */
	static async start(target: string): Promise<RegistryProxy> {
		let proxy: RegistryProxy | null = null;
		const front = createServer((req, res) => proxy?.handle(req, res));
		const blobs = createServer((req, res) => proxy?.serveBlob(req, res));
		await Promise.all([front, blobs].map((server) => new Promise<void>((r) => server.listen(0, "127.0.0.1", r))));
		proxy = new RegistryProxy(target, front, blobs);
		return proxy;
	}

	/** `host:port` clients use instead of the registry's. */
	get host(): string {
		return `127.0.0.1:${(this.front.address() as AddressInfo).port}`;
	}

	/** `host:port` of the origin blobs are redirected to. */
	get blobHost(): string {
		return `127.0.0.1:${(this.blobs.address() as AddressInfo).port}`;
	}

	/** The next `times` requests whose path matches are answered 429, with `Retry-After` when given. */
	rateLimit(match: RegExp, times: number, retryAfter?: string): void {
		this.limits.push({ match, remaining: times, retryAfter });
	}

	/** Whether blob GETs are answered with a 307 to `blobHost` instead of being forwarded. */
	redirectBlobs(enabled: boolean): void {
		this.redirecting = enabled;
	}

	/** Blob GETs the registry side answered (forwarded, not rate limited or redirected). */
	blobDownloads(): ProxiedRequest[] {
		return this.requests.filter(
			(r) => r.via === "registry" && r.method === "GET" && BLOB_PATH.test(r.path) && r.status === 200,
		);
	}

	async stop(): Promise<void> {
		await Promise.all(
			[this.front, this.blobs].map((server) => {
				server.closeAllConnections();
				return new Promise((resolve) => server.close(resolve));
			}),
		);
	}

	private record(via: ProxiedRequest["via"], req: IncomingMessage, status: number): void {
		this.requests.push({
			via,
			method: req.method ?? "GET",
			path: req.url ?? "/",
			authorized: req.headers.authorization !== undefined,
			status,
			at: Date.now(),
		});
	}

	private handle(req: IncomingMessage, res: ServerResponse): void {
		const path = req.url ?? "/";
		const limit = this.limits.find((l) => l.remaining > 0 && l.match.test(path));
		if (limit) {
			limit.remaining -= 1;
			this.record("registry", req, 429);
			res.writeHead(429, {
				"content-type": "application/json",
				...(limit.retryAfter === undefined ? {} : { "retry-after": limit.retryAfter }),
			});
			res.end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }));
			return;
		}
		if (this.redirecting && req.method === "GET" && BLOB_PATH.test(path)) {
			this.record("registry", req, 307);
			res.writeHead(307, { location: `http://${this.blobHost}${path}?signed=test` });
			res.end();
			return;
		}
		this.forward(req, res, "registry", path, req.headers);
	}

	/** The redirect target: fetches the blob from the registry without the client's credentials. */
	private serveBlob(req: IncomingMessage, res: ServerResponse): void {
		const path = (req.url ?? "/").split("?")[0] as string;
		if (!BLOB_PATH.test(path)) {
			this.record("blobs", req, 404);
			res.writeHead(404).end();
			return;
		}
		this.forward(req, res, "blobs", path, { accept: "*/*" });
	}

	private forward(
		req: IncomingMessage,
		res: ServerResponse,
		via: ProxiedRequest["via"],
		path: string,
		headers: IncomingMessage["headers"],
	): void {
		const [hostname, port] = this.target.split(":");
		const upstream = request(
			{ hostname, port: Number(port), method: req.method, path, headers: { ...headers, host: this.target } },
			(answer) => {
				this.record(via, req, answer.statusCode ?? 502);
				const location = answer.headers.location;
				// The registry's own absolute URLs name its port: point them at the proxy's.
				const rewritten = location?.replace(`//${this.target}`, `//${this.host}`);
				res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...(rewritten ? { location: rewritten } : {}) });
				answer.pipe(res);
			},
		);
		upstream.on("error", () => {
			this.record(via, req, 502);
			res.writeHead(502).end();
		});
		req.pipe(upstream);
	}
}
