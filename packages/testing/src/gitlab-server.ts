import type { IncomingMessage, ServerResponse } from "node:http";
import { ContractServer, json } from "./contract-server.ts";

export interface GitLabProjectOptions {
	archived?: boolean;
	/** Defaults to `main`. */
	defaultBranch?: string;
	/** Full paths of groups the project is shared with. */
	sharedWith?: string[];
}

/** A 429 to the `nth` (1-based) API request, with Retry-After, with RateLimit-Reset, or bare. */
export interface GitLabRateLimit {
	nth: number;
	kind: "retry-after" | "ratelimit-reset" | "bare";
	seconds: number;
	times?: number;
}

interface StoredProject {
	id: number;
	path: string;
	namespace: string;
	options: GitLabProjectOptions;
	empty: boolean;
}

/**
 * A loopback stand-in for GitLab's REST API v4 (`/api/v4/groups/:id/projects` by id or URL-encoded
 * full path, with `include_subgroups`, `with_shared`, `archived`, offset pagination with
 * `x-next-page` and `Link`, and `x-total`/`x-total-pages` omitted above `totalsLimit` records as
 * GitLab does above 10,000; `PRIVATE-TOKEN` or Bearer authentication; 429 with and without
 * Retry-After; 403 to a token without the scopes) that serves the projects over Git smart HTTP at
 * `/<full path>.git`, where git authenticates with Basic and the token as password.
 */
export class GitLabContractServer extends ContractServer {
	/** The instance URL a sensor is configured with (`http://127.0.0.1:<port>`). */
	url = "";
	private readonly projects = new Map<string, StoredProject>();
	private readonly groups = new Map<string, number>();
	private readonly rateLimits: GitLabRateLimit[] = [];
	private nextId = 1;

	private constructor(
		token: string,
		private readonly maxPerPage: number,
		private readonly totalsLimit: number,
		private readonly limitedToken: string | undefined,
	) {
		super("GitLab", token);
	}

	/** `limitedToken`: a token GitLab knows that lacks the read_api scope (every API request answers 403). */
	static async start(options: {
		token: string;
		maxPerPage?: number;
		totalsLimit?: number;
		limitedToken?: string;
	}): Promise<GitLabContractServer> {
		const contract = new GitLabContractServer(
			options.token,
			options.maxPerPage ?? 100,
			options.totalsLimit ?? 10_000,
			options.limitedToken,
		);
		await contract.listen();
		contract.url = contract.origin;
		return contract;
	}

	/** Adds a group (and its parents) by full path; returns its id. */
	group(fullPath: string): number {
		const parts = fullPath.split("/");
		for (let i = 1; i <= parts.length; i += 1) {
			const path = parts.slice(0, i).join("/");
			if (!this.groups.has(path)) this.groups.set(path, this.nextId++);
		}
		return this.groups.get(fullPath) as number;
	}

	/** Adds `namespace/path`; without files it is empty. Returns the head commit, or null. */
	addProject(
		fullPath: string,
		files?: Record<string, string | Buffer>,
		options: GitLabProjectOptions = {},
	): string | null {
		const slash = fullPath.lastIndexOf("/");
		const namespace = fullPath.slice(0, slash);
		this.group(namespace);
		this.projects.set(fullPath, {
			id: this.nextId++,
			path: fullPath.slice(slash + 1),
			namespace,
			options,
			empty: files === undefined,
		});
		return this.repositories.create(fullPath, options.defaultBranch ?? "main", files);
	}

	commit(fullPath: string, files: Record<string, string | Buffer | null>): string {
		const project = this.projects.get(fullPath);
		if (project) project.empty = false;
		return this.repositories.commit(fullPath, project?.options.defaultBranch ?? "main", files);
	}

	deleteProject(fullPath: string): void {
		this.projects.delete(fullPath);
		this.repositories.remove(fullPath);
	}

	rateLimit(limit: GitLabRateLimit): this {
		this.rateLimits.push(limit);
		return this;
	}

	protected override gitTarget(url: URL): { repository: string; pathInfo: string } | null {
		if (url.pathname.startsWith("/api/")) return null;
		return { repository: url.pathname.slice(1).replace(/\.git\/.*$/, ""), pathInfo: url.pathname };
	}

	protected answer(req: IncomingMessage, res: ServerResponse, url: URL, nth: number): ServerResponse {
		const limit = this.scheduled(this.rateLimits, nth);
		if (limit) return this.refuseForRate(res, limit);
		const credential = req.headers["private-token"] ?? /^Bearer (.*)$/.exec(req.headers.authorization ?? "")?.[1];
		if (credential !== undefined && credential === this.limitedToken) {
			return json(res, 403, {
				error: "insufficient_scope",
				error_description: "The request requires higher privileges than provided by the access token.",
				scope: "api read_api",
			});
		}
		if (credential !== this.token) return json(res, 401, { message: "401 Unauthorized" });
		const branch = /^\/api\/v4\/projects\/([0-9]+)\/repository\/branches\/([^/]+)$/.exec(url.pathname);
		if (req.method === "GET" && branch) {
			const found = [...this.projects.entries()].find(([, project]) => String(project.id) === branch[1]);
			const id = found ? this.repositories.head(found[0], decodeURIComponent(branch[2] ?? "")) : null;
			if (id === null) return json(res, 404, { message: "404 Branch Not Found" });
			return json(res, 200, { name: decodeURIComponent(branch[2] ?? ""), commit: { id } });
		}
		const match = /^\/api\/v4\/groups\/([^/]+)\/projects$/.exec(url.pathname);
		if (req.method !== "GET" || !match) return json(res, 404, { error: "404 Not Found" });
		const id = decodeURIComponent(match[1] ?? "");
		const groupPath = [...this.groups.entries()].find(([path, groupId]) => path === id || String(groupId) === id)?.[0];
		if (groupPath === undefined) return json(res, 404, { message: "404 Group Not Found" });
		const subgroups = url.searchParams.get("include_subgroups") === "true";
		const shared = url.searchParams.get("with_shared") !== "false";
		const archived = url.searchParams.get("archived");
		const all = [...this.projects.entries()]
			.filter(([, project]) => {
				const own = project.namespace === groupPath || (subgroups && project.namespace.startsWith(`${groupPath}/`));
				const isShared = shared && (project.options.sharedWith ?? []).includes(groupPath);
				if (!own && !isShared) return false;
				if (archived === "false" && project.options.archived) return false;
				if (archived === "true" && !project.options.archived) return false;
				return true;
			})
			.sort(([, a], [, b]) => a.id - b.id);
		const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 20) || 20, this.maxPerPage);
		const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
		const pages = Math.max(Math.ceil(all.length / perPage), 1);
		const headers: Record<string, string> = {
			"x-page": String(page),
			"x-per-page": String(perPage),
			"x-next-page": page < pages ? String(page + 1) : "",
			"x-prev-page": page > 1 ? String(page - 1) : "",
		};
		if (all.length <= this.totalsLimit) {
			headers["x-total"] = String(all.length);
			headers["x-total-pages"] = String(pages);
			const pageUrl = (n: number) => {
				const target = new URL(url);
				target.searchParams.set("page", String(n));
				return target.href;
			};
			const links = [`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(pages)}>; rel="last"`];
			if (page < pages) links.unshift(`<${pageUrl(page + 1)}>; rel="next"`);
			headers.link = links.join(", ");
		}
		const body = all.slice((page - 1) * perPage, page * perPage).map(([fullPath, project]) => ({
			id: project.id,
			path: project.path,
			path_with_namespace: fullPath,
			namespace: { full_path: project.namespace },
			default_branch: project.empty ? null : (project.options.defaultBranch ?? "main"),
			archived: project.options.archived ?? false,
			empty_repo: project.empty,
			http_url_to_repo: `${this.url}/${fullPath}.git`,
			web_url: `${this.url}/${fullPath}`,
		}));
		return json(res, 200, body, headers);
	}

	private refuseForRate(res: ServerResponse, limit: GitLabRateLimit): ServerResponse {
		const body = { message: "Retry later" };
		if (limit.kind === "retry-after") return json(res, 429, body, { "retry-after": String(limit.seconds) });
		if (limit.kind === "ratelimit-reset") {
			return json(res, 429, body, {
				"ratelimit-limit": "600",
				"ratelimit-remaining": "0",
				"ratelimit-reset": String(Math.ceil(Date.now() / 1000) + limit.seconds),
			});
		}
		return json(res, 429, body);
	}
}
