import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BareRepositories, serveGitHttp } from "./git-http.ts";

export interface GitHubRepositoryOptions {
	fork?: boolean;
	archived?: boolean;
	/** Defaults to `main`. */
	defaultBranch?: string;
}

/** A rate-limit answer to the `nth` (1-based) API request, as GitHub sends primary and secondary limits. */
export interface GitHubRateLimit {
	nth: number;
	/** `exhausted`: a normal answer that used the window's last request (`x-ratelimit-remaining: 0`). */
	kind: "primary" | "secondary-retry-after" | "secondary-429" | "exhausted";
	/** Seconds in retry-after or until x-ratelimit-reset. */
	seconds: number;
	/** How many consecutive requests get the answer; 1 unless set. */
	times?: number;
}

interface StoredRepository {
	owner: string;
	name: string;
	options: GitHubRepositoryOptions;
	/** What the listing says, kept when the git data is removed behind the API's back. */
	empty: boolean;
}

/**
 * A loopback stand-in for the GitHub REST API (`/orgs/{org}/repos`, `/users/{user}/repos` with
 * `per_page`/`page` and `Link` pagination, Bearer or `token` authentication, primary and secondary
 * rate-limit answers) that serves the repositories themselves over Git smart HTTP at `/git/…`, where
 * git authenticates with Basic and the token as password, as on github.com.
 */
export class GitHubContractServer {
	/** The API base URL a sensor is configured with (`http://127.0.0.1:<port>/api/v3`). */
	url = "";
	readonly apiRequests: string[] = [];
	readonly gitRequests: string[] = [];
	/** The most git requests that were in flight at the same moment (a clone's requests run one after another). */
	peakConcurrentGit = 0;
	private runningGit = 0;
	readonly repositories: BareRepositories;
	private readonly stored = new Map<string, StoredRepository>();
	private readonly organizations = new Set<string>();
	private readonly users = new Set<string>();
	private readonly rateLimits: GitHubRateLimit[] = [];
	private readonly scratch: string;
	private server: Server | null = null;
	private origin = "";

	private constructor(
		private readonly token: string,
		private readonly maxPerPage: number,
	) {
		this.scratch = mkdtempSync(join(tmpdir(), "sensorium-github-contract-"));
		this.repositories = new BareRepositories(join(this.scratch, "repositories"), this.scratch);
	}

	static async start(options: { token: string; maxPerPage?: number }): Promise<GitHubContractServer> {
		const contract = new GitHubContractServer(options.token, options.maxPerPage ?? 100);
		const server = createServer((req, res) => contract.handle(req, res));
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		contract.server = server;
		contract.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		contract.url = `${contract.origin}/api/v3`;
		return contract;
	}

	organization(login: string): this {
		this.organizations.add(login);
		return this;
	}

	user(login: string): this {
		this.users.add(login);
		return this;
	}

	/** Adds `owner/name`; without files it is empty. Returns the head commit, or null. */
	addRepository(
		fullName: string,
		files?: Record<string, string | Buffer>,
		options: GitHubRepositoryOptions = {},
	): string | null {
		const [owner = "", name = ""] = fullName.split("/");
		this.stored.set(fullName, { owner, name, options, empty: files === undefined });
		return this.repositories.create(fullName, options.defaultBranch ?? "main", files);
	}

	commit(fullName: string, files: Record<string, string | Buffer | null>, branch?: string): string {
		const stored = this.stored.get(fullName);
		if (stored) stored.empty = false;
		return this.repositories.commit(fullName, branch ?? stored?.options.defaultBranch ?? "main", files);
	}

	/** Deletes the repository from the API and from git. */
	deleteRepository(fullName: string): void {
		this.stored.delete(fullName);
		this.repositories.remove(fullName);
	}

	/** Keeps `fullName` in the listing but removes what git would clone (deleted between listing and clone). */
	deleteRepositoryData(fullName: string): void {
		this.repositories.remove(fullName);
	}

	rateLimit(limit: GitHubRateLimit): this {
		this.rateLimits.push(limit);
		return this;
	}

	async close(): Promise<void> {
		const server = this.server;
		if (server) {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		}
		rmSync(this.scratch, { recursive: true, force: true });
	}

	private handle(req: IncomingMessage, res: ServerResponse): ServerResponse | undefined {
		const url = new URL(req.url ?? "/", this.origin);
		if (url.pathname.startsWith("/git/")) {
			this.gitRequests.push(url.pathname);
			this.runningGit += 1;
			this.peakConcurrentGit = Math.max(this.peakConcurrentGit, this.runningGit);
			res.on("close", () => {
				this.runningGit -= 1;
			});
			if (!this.gitAuthorized(req)) {
				return res.writeHead(401, { "www-authenticate": 'Basic realm="GitHub"' }).end();
			}
			serveGitHttp(this.repositories.root, url.pathname.slice("/git".length), req, res);
			return undefined;
		}
		this.apiRequests.push(`${req.method} ${url.pathname}${url.search}`);
		const nth = this.apiRequests.length;
		const limit = this.rateLimits.find((l) => nth >= l.nth && nth < l.nth + (l.times ?? 1));
		if (limit && limit.kind !== "exhausted") {
			this.refuseForRate(res, limit);
			return undefined;
		}
		if (limit) {
			res.setHeader("x-ratelimit-remaining", "0");
			res.setHeader("x-ratelimit-reset", String(Math.ceil(Date.now() / 1000) + limit.seconds));
		}
		if (!this.apiAuthorized(req)) {
			return json(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
		}
		const commit = /^\/api\/v3\/repos\/([^/]+\/[^/]+)\/commits\/([^/]+)$/.exec(url.pathname);
		if (req.method === "GET" && commit) {
			const fullName = decodeURIComponent(commit[1] ?? "");
			const sha = this.stored.has(fullName)
				? this.repositories.head(fullName, decodeURIComponent(commit[2] ?? ""))
				: null;
			if (sha === null) return json(res, 404, { message: "Not Found" });
			return json(res, 200, { sha, commit: { message: "contract commit" } });
		}
		const match = /^\/api\/v3\/(orgs|users)\/([^/]+)\/repos$/.exec(url.pathname);
		if (req.method !== "GET" || !match) return json(res, 404, { message: "Not Found" });
		const [, kind, login = ""] = match;
		const known = kind === "orgs" ? this.organizations : this.users;
		if (!known.has(login)) return json(res, 404, { message: "Not Found" });
		const all = [...this.stored.values()]
			.filter((repository) => repository.owner === login)
			.sort((a, b) => a.name.localeCompare(b.name));
		const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30) || 30, this.maxPerPage);
		const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
		const last = Math.max(Math.ceil(all.length / perPage), 1);
		const pageUrl = (n: number) => {
			const target = new URL(url);
			target.searchParams.set("page", String(n));
			return target.href;
		};
		const links = [];
		if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
		if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(page - 1)}>; rel="prev"`);
		const body = all.slice((page - 1) * perPage, page * perPage).map((repository) => this.describe(repository));
		return json(res, 200, body, links.length ? { link: links.join(", ") } : {});
	}

	private describe(repository: StoredRepository): Record<string, unknown> {
		const fullName = `${repository.owner}/${repository.name}`;
		const branch = repository.options.defaultBranch ?? "main";
		return {
			name: repository.name,
			full_name: fullName,
			owner: { login: repository.owner },
			private: true,
			fork: repository.options.fork ?? false,
			archived: repository.options.archived ?? false,
			default_branch: branch,
			size: repository.empty ? 0 : 1,
			clone_url: `${this.origin}/git/${fullName}.git`,
			html_url: `${this.origin}/${fullName}`,
		};
	}

	private apiAuthorized(req: IncomingMessage): boolean {
		const header = req.headers.authorization ?? "";
		return header === `Bearer ${this.token}` || header === `token ${this.token}`;
	}

	private gitAuthorized(req: IncomingMessage): boolean {
		const [scheme, value = ""] = (req.headers.authorization ?? "").split(" ", 2);
		if (scheme !== "Basic") return false;
		const decoded = Buffer.from(value, "base64").toString("utf8");
		return decoded.slice(decoded.indexOf(":") + 1) === this.token;
	}

	private refuseForRate(res: ServerResponse, limit: GitHubRateLimit): void {
		const message = { message: "API rate limit exceeded" };
		if (limit.kind === "primary") {
			const reset = Math.ceil(Date.now() / 1000) + limit.seconds;
			json(res, 403, message, {
				"x-ratelimit-limit": "5000",
				"x-ratelimit-remaining": "0",
				"x-ratelimit-reset": String(reset),
			});
		} else if (limit.kind === "secondary-retry-after") {
			json(
				res,
				403,
				{ message: "You have exceeded a secondary rate limit." },
				{ "retry-after": String(limit.seconds) },
			);
		} else {
			json(res, 429, { message: "You have exceeded a secondary rate limit." });
		}
	}
}

function json(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): ServerResponse {
	return res
		.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers })
		.end(JSON.stringify(body));
}
