import type { IncomingMessage, ServerResponse } from "node:http";
import { ContractServer, json } from "./contract-server.ts";

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
 * rate-limit answers, 403 to a token without the scopes) that serves the repositories themselves over
 * Git smart HTTP at `/git/…`, where git authenticates with Basic and the token as password, as on
 * github.com.
 */
export class GitHubContractServer extends ContractServer {
	/** The API base URL a sensor is configured with (`http://127.0.0.1:<port>/api/v3`). */
	url = "";
	private readonly stored = new Map<string, StoredRepository>();
	private readonly organizations = new Set<string>();
	private readonly users = new Set<string>();
	private readonly rateLimits: GitHubRateLimit[] = [];

	private constructor(
		token: string,
		private readonly maxPerPage: number,
		private readonly limitedToken: string | undefined,
	) {
		super("GitHub", token);
	}

	/** `limitedToken`: a token GitHub knows that lacks the scopes (every API request answers 403). */
	static async start(options: {
		token: string;
		maxPerPage?: number;
		limitedToken?: string;
	}): Promise<GitHubContractServer> {
		const contract = new GitHubContractServer(options.token, options.maxPerPage ?? 100, options.limitedToken);
		await contract.listen();
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

	protected answer(req: IncomingMessage, res: ServerResponse, url: URL, nth: number): void {
		const limit = this.scheduled(this.rateLimits, nth);
		if (limit && limit.kind !== "exhausted") {
			this.refuseForRate(res, limit);
			return;
		}
		if (limit) {
			res.setHeader("x-ratelimit-remaining", "0");
			res.setHeader("x-ratelimit-reset", String(Math.ceil(Date.now() / 1000) + limit.seconds));
		}
		const credential = /^(?:Bearer|token) (.*)$/.exec(req.headers.authorization ?? "")?.[1];
		if (credential !== undefined && credential === this.limitedToken) {
			json(res, 403, {
				message: "Resource not accessible by personal access token",
				documentation_url: "https://docs.github.com/rest",
			});
			return;
		}
		if (credential !== this.token) {
			json(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
			return;
		}
		const commit = /^\/api\/v3\/repos\/([^/]+\/[^/]+)\/commits\/([^/]+)$/.exec(url.pathname);
		if (req.method === "GET" && commit) {
			const fullName = decodeURIComponent(commit[1] ?? "");
			const sha = this.stored.has(fullName)
				? this.repositories.head(fullName, decodeURIComponent(commit[2] ?? ""))
				: null;
			if (sha === null) json(res, 404, { message: "Not Found" });
			else json(res, 200, { sha, commit: { message: "contract commit" } });
			return;
		}
		const match = /^\/api\/v3\/(orgs|users)\/([^/]+)\/repos$/.exec(url.pathname);
		const [, kind, login = ""] = match ?? [];
		const known = kind === "orgs" ? this.organizations : this.users;
		if (req.method !== "GET" || !match || !known.has(login)) {
			json(res, 404, { message: "Not Found" });
			return;
		}
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
		json(res, 200, body, links.length ? { link: links.join(", ") } : {});
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
