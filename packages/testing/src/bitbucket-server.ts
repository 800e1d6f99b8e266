import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BareRepositories, serveGitHttp } from "./git-http.ts";

/** A 429 to the `nth` (1-based) API request, with or without Retry-After. */
export interface BitbucketRateLimit {
	nth: number;
	retryAfterSeconds?: number;
	times?: number;
}

interface StoredRepository {
	owner: string;
	slug: string;
	empty: boolean;
}

/**
 * A loopback stand-in for Bitbucket Cloud's REST API 2.0 (`/2.0/repositories/{workspace}`, `pagelen`,
 * `next` links in the body) and Bitbucket Data Center's REST API 1.0
 * (`/rest/api/1.0/projects/{key}/repos`, `limit`/`start`, `isLastPage`/`nextPageStart`), with Bearer
 * or Basic authentication and 429 with and without Retry-After. Repositories are served over Git smart
 * HTTP at `/git/{owner}/{slug}.git`; Cloud's clone links carry a username, as Bitbucket's do.
 */
export class BitbucketContractServer {
	/** `http://127.0.0.1:<port>`: Data Center's base URL; Cloud's API is `${origin}/2.0`. */
	origin = "";
	readonly apiRequests: string[] = [];
	readonly gitRequests: string[] = [];
	readonly repositories: BareRepositories;
	private readonly stored = new Map<string, StoredRepository>();
	private readonly owners = new Set<string>();
	private readonly rateLimits: BitbucketRateLimit[] = [];
	private readonly scratch: string;
	private server: Server | null = null;

	private constructor(
		private readonly credentials: { token: string; username: string; password: string },
		private readonly maxPerPage: number,
	) {
		this.scratch = mkdtempSync(join(tmpdir(), "sensorium-bitbucket-contract-"));
		this.repositories = new BareRepositories(join(this.scratch, "repositories"), this.scratch);
	}

	static async start(options: {
		token: string;
		username: string;
		password: string;
		maxPerPage?: number;
	}): Promise<BitbucketContractServer> {
		const contract = new BitbucketContractServer(options, options.maxPerPage ?? 100);
		const server = createServer((req, res) => contract.handle(req, res));
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		contract.server = server;
		contract.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		return contract;
	}

	get cloudUrl(): string {
		return `${this.origin}/2.0`;
	}

	/** Adds `owner/slug` (a Cloud workspace or a Data Center project key); without files it is empty. */
	addRepository(fullName: string, files?: Record<string, string | Buffer>): string | null {
		const [owner = "", slug = ""] = fullName.split("/");
		this.owners.add(owner);
		this.stored.set(fullName, { owner, slug, empty: files === undefined });
		return this.repositories.create(fullName, "main", files);
	}

	commit(fullName: string, files: Record<string, string | Buffer | null>): string {
		const stored = this.stored.get(fullName);
		if (stored) stored.empty = false;
		return this.repositories.commit(fullName, "main", files);
	}

	rateLimit(limit: BitbucketRateLimit): this {
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
			if (!this.authorized(req, true))
				return res.writeHead(401, { "www-authenticate": 'Basic realm="Bitbucket"' }).end();
			serveGitHttp(this.repositories.root, url.pathname.slice("/git".length), req, res);
			return undefined;
		}
		this.apiRequests.push(`${req.method} ${url.pathname}${url.search}`);
		const nth = this.apiRequests.length;
		const limit = this.rateLimits.find((l) => nth >= l.nth && nth < l.nth + (l.times ?? 1));
		if (limit) {
			const headers: Record<string, string> =
				limit.retryAfterSeconds === undefined ? {} : { "retry-after": String(limit.retryAfterSeconds) };
			return json(
				res,
				429,
				{ type: "error", error: { message: "Rate limit for this resource has been exceeded" } },
				headers,
			);
		}
		if (!this.authorized(req, false)) return json(res, 401, { type: "error", error: { message: "Unauthorized" } });
		const branch = /^\/2\.0\/repositories\/([^/]+\/[^/]+)\/refs\/branches\/([^/]+)$/.exec(url.pathname);
		if (req.method === "GET" && branch) {
			const fullName = decodeURIComponent(branch[1] ?? "");
			const hash = this.stored.has(fullName)
				? this.repositories.head(fullName, decodeURIComponent(branch[2] ?? ""))
				: null;
			if (hash === null) return json(res, 404, { type: "error", error: { message: "Branch not found" } });
			return json(res, 200, {
				type: "branch",
				name: decodeURIComponent(branch[2] ?? ""),
				target: { type: "commit", hash },
			});
		}
		const cloud = /^\/2\.0\/repositories\/([^/]+)$/.exec(url.pathname);
		const dataCenter = /^\/rest\/api\/1\.0\/projects\/([^/]+)\/repos$/.exec(url.pathname);
		const owner = decodeURIComponent((cloud ?? dataCenter)?.[1] ?? "");
		if (req.method !== "GET" || (!cloud && !dataCenter) || !this.owners.has(owner)) {
			return json(res, 404, { type: "error", error: { message: "Not found" } });
		}
		const all = [...this.stored.values()].filter((r) => r.owner === owner).sort((a, b) => a.slug.localeCompare(b.slug));
		if (cloud) {
			const pagelen = Math.min(Number(url.searchParams.get("pagelen") ?? 10) || 10, this.maxPerPage);
			const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
			const values = all.slice((page - 1) * pagelen, page * pagelen).map((r) => ({
				type: "repository",
				full_name: `${r.owner}/${r.slug}`,
				slug: r.slug,
				mainbranch: r.empty ? null : { type: "branch", name: "main" },
				links: {
					clone: [
						{
							name: "https",
							href: `http://contract-user@127.0.0.1:${new URL(this.origin).port}/git/${r.owner}/${r.slug}.git`,
						},
						{ name: "ssh", href: `git@127.0.0.1:${r.owner}/${r.slug}.git` },
					],
				},
			}));
			const body: Record<string, unknown> = { pagelen, page, size: all.length, values };
			if (page * pagelen < all.length) {
				const next = new URL(url);
				next.searchParams.set("page", String(page + 1));
				body.next = next.href;
			}
			return json(res, 200, body);
		}
		const limitParam = Math.min(Number(url.searchParams.get("limit") ?? 25) || 25, this.maxPerPage);
		const start = Math.max(Number(url.searchParams.get("start") ?? 0) || 0, 0);
		const values = all.slice(start, start + limitParam).map((r, i) => ({
			id: start + i + 1,
			slug: r.slug,
			name: r.slug,
			project: { key: r.owner },
			links: {
				clone: [
					{ name: "http", href: `${this.origin}/git/${r.owner}/${r.slug}.git` },
					{ name: "ssh", href: `ssh://git@127.0.0.1:7999/${r.owner}/${r.slug}.git` },
				],
			},
		}));
		const isLastPage = start + limitParam >= all.length;
		return json(res, 200, {
			size: values.length,
			limit: limitParam,
			start,
			isLastPage,
			values,
			...(isLastPage ? {} : { nextPageStart: start + limitParam }),
		});
	}

	/** Bearer token or Basic username:password; git sends the token as a Basic password. */
	private authorized(req: IncomingMessage, git: boolean): boolean {
		const [scheme, value = ""] = (req.headers.authorization ?? "").split(" ", 2);
		if (scheme === "Bearer") return !git && value === this.credentials.token;
		if (scheme !== "Basic") return false;
		const decoded = Buffer.from(value, "base64").toString("utf8");
		const colon = decoded.indexOf(":");
		const [user, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
		if (git && secret === this.credentials.token) return true;
		return user === this.credentials.username && secret === this.credentials.password;
	}
}

function json(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): ServerResponse {
	return res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}
