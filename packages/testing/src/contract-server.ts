import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BareRepositories, serveGitHttp } from "./git-http.ts";

/** An answer scheduled for the `nth` (1-based) API request and the `times - 1` after it. */
export interface ScheduledAnswer {
	nth: number;
	/** How many consecutive requests get the answer; 1 unless set. */
	times?: number;
}

/**
 * What the hosting services' contract servers share: a loopback HTTP server whose API requests are
 * logged and may be left unanswered, and bare repositories served over real Git smart HTTP (`git
 * http-backend`), where git authenticates with Basic and the token as password. Each host adds its
 * REST API's routes, pagination and rate-limit answers.
 */
export abstract class ContractServer {
	/** `http://127.0.0.1:<port>`. */
	origin = "";
	readonly apiRequests: string[] = [];
	readonly gitRequests: string[] = [];
	/** The most git requests that were in flight at the same moment (a clone's requests run one after another). */
	peakConcurrentGit = 0;
	readonly repositories: BareRepositories;
	private runningGit = 0;
	private readonly stalled = new Set<number>();
	private readonly held = new Map<string, Promise<void>>();
	private readonly scratch: string;
	private server: Server | null = null;

	protected constructor(
		/** `GitHub`, `GitLab`: the realm of git's 401. */
		private readonly realm: string,
		protected readonly token: string,
	) {
		this.scratch = mkdtempSync(join(tmpdir(), `sensorium-${realm.toLowerCase()}-contract-`));
		this.repositories = new BareRepositories(join(this.scratch, "repositories"), this.scratch);
	}

	protected async listen(): Promise<void> {
		const server = createServer((req, res) => this.handle(req, res));
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		this.server = server;
		this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	}

	/** The `nth` (1-based) API request is never answered: the client's timeout has to end it. */
	stall(nth: number): this {
		this.stalled.add(nth);
		return this;
	}

	/** Git requests for the repository at `path` wait until the returned function is called. */
	holdGit(path: string): () => void {
		let release = () => {};
		this.held.set(
			path,
			new Promise<void>((resolve) => {
				release = () => {
					this.held.delete(path);
					resolve();
				};
			}),
		);
		return release;
	}

	async close(): Promise<void> {
		const server = this.server;
		if (server) {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		}
		rmSync(this.scratch, { recursive: true, force: true });
	}

	/**
	 * The repository path (`owner/name`) and the path below the repositories' root of a git request, or
	 * null for the API: repositories are below `/git/` unless a host serves them elsewhere.
	 */
	protected gitTarget(url: URL): { repository: string; pathInfo: string } | null {
		if (!url.pathname.startsWith("/git/")) return null;
		const pathInfo = url.pathname.slice("/git".length);
		return { repository: pathInfo.slice(1).replace(/\.git\/.*$/, ""), pathInfo };
	}

	/** Answers one API request; `nth` is its place in `apiRequests`. */
	protected abstract answer(req: IncomingMessage, res: ServerResponse, url: URL, nth: number): void;

	/** Basic with the token as password, as the hosts take a token over git's HTTP. */
	protected gitAuthorized(req: IncomingMessage): boolean {
		const basic = basicCredentials(req);
		return basic !== null && basic.password === this.token;
	}

	/** The scheduled answer that applies to the `nth` API request, if any. */
	protected scheduled<T extends ScheduledAnswer>(answers: readonly T[], nth: number): T | undefined {
		return answers.find((answer) => nth >= answer.nth && nth < answer.nth + (answer.times ?? 1));
	}

	private handle(req: IncomingMessage, res: ServerResponse): void {
		const url = new URL(req.url ?? "/", this.origin);
		const git = this.gitTarget(url);
		if (git === null) {
			this.apiRequests.push(`${req.method} ${url.pathname}${url.search}`);
			const nth = this.apiRequests.length;
			if (!this.stalled.has(nth)) this.answer(req, res, url, nth);
			return;
		}
		this.gitRequests.push(url.pathname);
		this.runningGit += 1;
		this.peakConcurrentGit = Math.max(this.peakConcurrentGit, this.runningGit);
		res.on("close", () => {
			this.runningGit -= 1;
		});
		if (!this.gitAuthorized(req)) {
			res.writeHead(401, { "www-authenticate": `Basic realm="${this.realm}"` }).end();
			return;
		}
		const held = this.held.get(git.repository) ?? Promise.resolve();
		void held.then(() => {
			if (!res.destroyed) serveGitHttp(this.repositories.root, git.pathInfo, req, res);
		});
	}
}

export function basicCredentials(req: IncomingMessage): { username: string; password: string } | null {
	const [scheme, value = ""] = (req.headers.authorization ?? "").split(" ", 2);
	if (scheme !== "Basic") return null;
	const decoded = Buffer.from(value, "base64").toString("utf8");
	const colon = decoded.indexOf(":");
	return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function json(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): ServerResponse {
	return res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}
