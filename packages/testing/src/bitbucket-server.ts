import type { IncomingMessage, ServerResponse } from "node:http";
import { basicCredentials, ContractServer, json } from "./contract-server.ts";

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
 * (`/rest/api/1.0/projects/{key}/repos`, `limit`/`start`, `isLastPage`/`nextPageStart`; a repository's
 * `branches/default` and `branches?filterText=` with their `latestCommit`), with Bearer
 * or Basic authentication and 429 with and without Retry-After. Repositories are served over Git smart
 * HTTP at `/git/{owner}/{slug}.git`; Cloud's clone links carry a username, as Bitbucket's do.
 */
export class BitbucketContractServer extends ContractServer {
	private readonly stored = new Map<string, StoredRepository>();
	private readonly owners = new Set<string>();
	private readonly rateLimits: BitbucketRateLimit[] = [];

	private constructor(
		private readonly credentials: { token: string; username: string; password: string; limitedToken?: string },
		private readonly maxPerPage: number,
	) {
		super("Bitbucket", credentials.token);
	}

	/** `limitedToken`: an access token Bitbucket knows that lacks the repository:read scope (403). */
	static async start(options: {
		token: string;
		username: string;
		password: string;
		limitedToken?: string;
		maxPerPage?: number;
	}): Promise<BitbucketContractServer> {
		const contract = new BitbucketContractServer(options, options.maxPerPage ?? 100);
		await contract.listen();
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

	/** Commits on `branch` (default `main`, the default branch), creating it from nothing when it is new. */
	commit(fullName: string, files: Record<string, string | Buffer | null>, branch = "main"): string {
		const stored = this.stored.get(fullName);
		if (stored && branch === "main") stored.empty = false;
		return this.repositories.commit(fullName, branch, files);
	}

	rateLimit(limit: BitbucketRateLimit): this {
		this.rateLimits.push(limit);
		return this;
	}

	protected answer(req: IncomingMessage, res: ServerResponse, url: URL, nth: number): ServerResponse {
		const limit = this.scheduled(this.rateLimits, nth);
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
		const bearer = /^Bearer (.*)$/.exec(req.headers.authorization ?? "")?.[1];
		if (bearer !== undefined && bearer === this.credentials.limitedToken) {
			return json(res, 403, {
				type: "error",
				error: { message: "Your credentials lack one or more required privilege scopes." },
			});
		}
		if (!this.apiAuthorized(req)) return json(res, 401, { type: "error", error: { message: "Unauthorized" } });
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
		const dataCenterBranches = /^\/rest\/api\/1\.0\/projects\/([^/]+)\/repos\/([^/]+)\/branches(\/default)?$/.exec(
			url.pathname,
		);
		if (req.method === "GET" && dataCenterBranches) return this.dataCenterBranches(res, url, dataCenterBranches);
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

	/**
	 * Data Center's `branches/default` (the default branch with its `latestCommit`) and `branches`
	 * (`filterText` matches any part of the name; `start`/`limit` pages), in its branch format.
	 */
	private dataCenterBranches(res: ServerResponse, url: URL, match: RegExpExecArray): ServerResponse {
		const fullName = `${decodeURIComponent(match[1] ?? "")}/${decodeURIComponent(match[2] ?? "")}`;
		if (!this.stored.has(fullName)) return dataCenterError(res, 404, "NoSuchRepositoryException");
		const branch = (name: string, latestCommit: string) => ({
			id: `refs/heads/${name}`,
			displayId: name,
			type: "BRANCH",
			latestCommit,
			latestChangeset: latestCommit,
			isDefault: name === "main",
		});
		if (match[3]) {
			const head = this.repositories.head(fullName, "main");
			return head === null
				? dataCenterError(res, 404, "NoDefaultBranchException")
				: json(res, 200, branch("main", head));
		}
		const filter = url.searchParams.get("filterText") ?? "";
		const all = this.repositories
			.branches(fullName)
			.filter(([name]) => name.includes(filter))
			.map(([name, head]) => branch(name, head));
		const limit = Math.min(Number(url.searchParams.get("limit") ?? 25) || 25, this.maxPerPage);
		const start = Math.max(Number(url.searchParams.get("start") ?? 0) || 0, 0);
		const values = all.slice(start, start + limit);
		const isLastPage = start + limit >= all.length;
		return json(res, 200, {
			size: values.length,
			limit,
			start,
			isLastPage,
			values,
			...(isLastPage ? {} : { nextPageStart: start + limit }),
		});
	}

	/** Bearer token or Basic username:password. */
	private apiAuthorized(req: IncomingMessage): boolean {
		const bearer = /^Bearer (.*)$/.exec(req.headers.authorization ?? "")?.[1];
		if (bearer !== undefined) return bearer === this.credentials.token;
		const basic = basicCredentials(req);
		return basic?.username === this.credentials.username && basic.password === this.credentials.password;
	}

	/** Git sends the token as a Basic password, or the username and password. */
	protected override gitAuthorized(req: IncomingMessage): boolean {
		const basic = basicCredentials(req);
		if (basic === null) return false;
		if (basic.password === this.credentials.token) return true;
		return basic.username === this.credentials.username && basic.password === this.credentials.password;
	}
}

function dataCenterError(res: ServerResponse, status: number, exceptionName: string): ServerResponse {
	return json(res, status, { errors: [{ context: null, message: exceptionName, exceptionName }] });
}
