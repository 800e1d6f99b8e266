import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A contract-test double of the JFrog Artifactory REST API: the subset the Artifactory Sensor uses,
 * reproduced as JFrog documents it (paths, headers, JSON shapes, error bodies, AQL paging with
 * permission filtering after `limit`, the trimmed-results notification, the 3-concurrent-AQL rule).
 * It is not a real Artifactory; it exists so the sensor can be tested without one.
 */

export type RepositoryType = "LOCAL" | "REMOTE" | "VIRTUAL" | "FEDERATED";

export interface ContractRepository {
	key: string;
	type: RepositoryType;
	/** As JFrog spells it in the list ("Maven", "Generic", "Docker"). */
	packageType: string;
	/** Members of a virtual repository; AQL on a virtual key answers with its local members' items. */
	repositories?: string[];
}

export interface Principal {
	name: string;
	/** Whether the principal may read this artifact (`repo/path/name`); everything when unset. */
	canRead?: (key: string) => boolean;
}

export interface ArtifactoryServerOptions {
	repositories: ContractRepository[];
	/** Access tokens accepted as `Authorization: Bearer …`. */
	accessTokens?: Record<string, Principal>;
	/** `user:password` pairs accepted as `Authorization: Basic …`. */
	users?: Record<string, Principal & { password: string }>;
	/** When set, more rows than this matching one AQL query are trimmed, with `range.notification`. */
	aqlHardLimit?: number;
	/** Time each AQL call takes, to let concurrency be observed. */
	aqlDelayMs?: number;
	/** AQL answers numbers (size) as strings, as some JFrog versions document. */
	numbersAsStrings?: boolean;
	/** Downloads answer 302 to a second host (127.0.0.2) that rejects any Authorization header, like a presigned object store. */
	redirectDownloads?: boolean;
}

export interface Fault {
	method?: string;
	/** Matched against the request path after `/artifactory/` (e.g. `api/search/aql`, `libs/a.jar`). */
	path: string | RegExp;
	status: number;
	retryAfter?: string;
	/** How many matching requests it applies to; every one when unset. */
	times?: number;
	body?: string;
}

export interface RecordedRequest {
	method: string;
	host: string;
	path: string;
	hasAuthorization: boolean;
}

interface StoredArtifact {
	repo: string;
	path: string;
	name: string;
	content: Buffer;
	sha256: string | null;
	sha1: string;
	md5: string;
	modified: string;
	/** Served instead of `content` (a corrupted transfer); the listing keeps the real checksums. */
	served?: Buffer;
}

export interface PutOptions {
	/** Artifacts deployed before Artifactory 5.5 have no sha256 in AQL; only actual_sha1. */
	withoutSha256?: boolean;
}

const HARD_LIMIT_NOTIFICATION = "AQL query reached the search hard limit, results are trimmed.";

function errorBody(status: number, message: string): string {
	return JSON.stringify({ errors: [{ status, message }] });
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = "application/json"): void {
	res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
	res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve, reject) => {
		let text = "";
		req.setEncoding("utf8");
		req.on("data", (chunk: string) => {
			text += chunk;
		});
		req.on("end", () => resolve(text));
		req.on("error", reject);
	});
}

function globToRegExp(glob: string): RegExp {
	const escaped = glob
		.replace(/[.+^${}()|[\]\\]/g, "\\$&")
		.replace(/\*/g, ".*")
		.replace(/\?/g, ".");
	return new RegExp(`^${escaped}$`);
}

class AqlError extends Error {}

interface AqlQuery {
	criteria: Record<string, unknown>;
	include: string[];
	sort: { direction: "$asc" | "$desc"; fields: string[] } | null;
	offset: number;
	limit: number | null;
}

/** The end of the balanced `(…)` starting at `open`, skipping JSON strings. */
function closingParen(text: string, open: number): number {
	let depth = 0;
	let inString = false;
	for (let i = open; i < text.length; i += 1) {
		const c = text[i];
		if (inString) {
			if (c === "\\") i += 1;
			else if (c === '"') inString = false;
		} else if (c === '"') inString = true;
		else if (c === "(") depth += 1;
		else if (c === ")") {
			depth -= 1;
			if (depth === 0) return i;
		}
	}
	throw new AqlError("unbalanced parentheses");
}

/** Parses `items.find({…}).include(…).sort({…}).offset(n).limit(n)`, the subset JFrog's clients send. */
export function parseAql(text: string): AqlQuery {
	const source = text.trim();
	if (!source.startsWith("items.find(")) throw new AqlError("only the items domain is supported");
	const query: AqlQuery = { criteria: {}, include: [], sort: null, offset: 0, limit: null };
	let position = "items".length;
	while (position < source.length) {
		const call = /^\.([a-z]+)\(/.exec(source.slice(position));
		if (!call) throw new AqlError(`unexpected text at ${position}`);
		const open = position + call[0].length - 1;
		const close = closingParen(source, open);
		let args: unknown[];
		try {
			args = JSON.parse(`[${source.slice(open + 1, close)}]`);
		} catch {
			throw new AqlError(`cannot parse the arguments of ${call[1]}`);
		}
		position = close + 1;
		const [first] = args;
		switch (call[1]) {
			case "find":
				if (args.length > 1 || (first !== undefined && (typeof first !== "object" || first === null))) {
					throw new AqlError("find takes one criteria object");
				}
				query.criteria = (first ?? {}) as Record<string, unknown>;
				break;
			case "include":
				if (!args.every((a) => typeof a === "string")) throw new AqlError("include takes field names");
				query.include = args as string[];
				break;
			case "sort": {
				const entries = Object.entries((first ?? {}) as Record<string, unknown>);
				const [direction, fields] = entries[0] ?? [];
				if (entries.length !== 1 || (direction !== "$asc" && direction !== "$desc") || !Array.isArray(fields)) {
					throw new AqlError("sort takes {$asc|$desc: [fields]}");
				}
				query.sort = { direction, fields: fields.map(String) };
				break;
			}
			case "offset":
			case "limit":
				if (typeof first !== "number" || !Number.isInteger(first) || first < 0) {
					throw new AqlError(`${call[1]} takes a non-negative integer`);
				}
				if (call[1] === "offset") query.offset = first;
				else query.limit = first;
				break;
			default:
				throw new AqlError(`unsupported call ${call[1]}`);
		}
	}
	return query;
}

const ITEM_FIELDS = new Set([
	"repo",
	"path",
	"name",
	"type",
	"size",
	"sha256",
	"actual_sha1",
	"actual_md5",
	"modified",
]);

function matches(value: string, condition: unknown): boolean {
	if (typeof condition === "string") return value === condition;
	if (typeof condition === "object" && condition !== null) {
		const [operator, operand] = Object.entries(condition)[0] ?? [];
		if (typeof operand !== "string") throw new AqlError("criteria values must be strings");
		if (operator === "$eq") return value === operand;
		if (operator === "$ne") return value !== operand;
		if (operator === "$match") return globToRegExp(operand).test(value);
		if (operator === "$nmatch") return !globToRegExp(operand).test(value);
		throw new AqlError(`unsupported operator ${operator}`);
	}
	throw new AqlError("unsupported criteria value");
}

export class ArtifactoryContractServer {
	/** `http://127.0.0.1:<port>/artifactory`, the base URL a sensor is configured with. */
	url = "";
	readonly requests: RecordedRequest[] = [];
	/** The most AQL calls that were running at the same moment. */
	peakConcurrentAql = 0;
	private readonly artifacts = new Map<string, StoredArtifact>();
	private readonly faults: (Fault & { used: number })[] = [];
	private readonly blobs = new Map<string, StoredArtifact>();
	private runningAql = 0;
	private main: Server | null = null;
	private blobHost: Server | null = null;
	private blobBase = "";

	constructor(readonly options: ArtifactoryServerOptions) {}

	static async start(options: ArtifactoryServerOptions): Promise<ArtifactoryContractServer> {
		const server = new ArtifactoryContractServer(options);
		server.main = await listen((req, res) => server.handle(req, res), "127.0.0.1");
		server.url = `http://127.0.0.1:${(server.main.address() as AddressInfo).port}/artifactory`;
		if (options.redirectDownloads) {
			server.blobHost = await listen((req, res) => server.handleBlob(req, res), "127.0.0.2");
			server.blobBase = `http://127.0.0.2:${(server.blobHost.address() as AddressInfo).port}`;
		}
		return server;
	}

	/** Deploys (or replaces) `repo/path` with `content`. */
	put(repo: string, path: string, content: Buffer | string, options: PutOptions = {}): this {
		const bytes = Buffer.from(content);
		const slash = path.lastIndexOf("/");
		const artifact: StoredArtifact = {
			repo,
			path: slash === -1 ? "." : path.slice(0, slash),
			name: path.slice(slash + 1),
			content: bytes,
			sha256: options.withoutSha256 ? null : createHash("sha256").update(bytes).digest("hex"),
			sha1: createHash("sha1").update(bytes).digest("hex"),
			md5: createHash("md5").update(bytes).digest("hex"),
			modified: new Date().toISOString(),
		};
		this.artifacts.set(`${repo}/${path}`, artifact);
		return this;
	}

	remove(repo: string, path: string): this {
		this.artifacts.delete(`${repo}/${path}`);
		return this;
	}

	/** Downloads of `repo/path` serve `bytes` while the listing keeps the real checksums. */
	corrupt(repo: string, path: string, bytes: Buffer): this {
		const artifact = this.artifacts.get(`${repo}/${path}`);
		if (!artifact) throw new Error(`no artifact ${repo}/${path}`);
		artifact.served = bytes;
		return this;
	}

	fault(fault: Fault): this {
		this.faults.push({ ...fault, used: 0 });
		return this;
	}

	clearFaults(): this {
		this.faults.length = 0;
		return this;
	}

	async close(): Promise<void> {
		for (const server of [this.main, this.blobHost]) {
			if (!server) continue;
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		}
	}

	private principal(req: IncomingMessage): Principal | "anonymous" | "bad" {
		const header = req.headers.authorization;
		if (header === undefined) return "anonymous";
		const [scheme, value = ""] = header.split(" ", 2);
		if (scheme === "Bearer") return this.options.accessTokens?.[value] ?? "bad";
		if (scheme === "Basic") {
			const decoded = Buffer.from(value, "base64").toString("utf8");
			const colon = decoded.indexOf(":");
			const user = this.options.users?.[decoded.slice(0, colon)];
			return user && colon !== -1 && user.password === decoded.slice(colon + 1) ? user : "bad";
		}
		return "bad";
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const url = new URL(req.url ?? "/", "http://artifactory");
		this.requests.push({
			method: req.method ?? "GET",
			host: req.headers.host ?? "",
			path: url.pathname,
			hasAuthorization: req.headers.authorization !== undefined,
		});
		if (!url.pathname.startsWith("/artifactory/")) return send(res, 404, errorBody(404, "Not Found"));
		const path = url.pathname.slice("/artifactory/".length);
		const fault = this.faults.find(
			(f) =>
				(f.method === undefined || f.method === req.method) &&
				(typeof f.path === "string" ? f.path === path : f.path.test(path)) &&
				(f.times === undefined || f.used < f.times),
		);
		if (fault) {
			fault.used += 1;
			if (fault.retryAfter !== undefined) res.setHeader("retry-after", fault.retryAfter);
			return send(res, fault.status, fault.body ?? errorBody(fault.status, `Injected ${fault.status}`));
		}
		if (path === "api/system/ping" && req.method === "GET") return send(res, 200, "OK", "text/plain");
		const principal = this.principal(req);
		if (principal === "anonymous") return send(res, 401, errorBody(401, "Authentication is required"));
		if (principal === "bad") return send(res, 401, errorBody(401, "Bad credentials"));
		if (path === "api/repositories" && req.method === "GET") return this.listRepositories(url, res);
		if (path === "api/search/aql" && req.method === "POST") return this.aql(req, res, principal);
		if (path.startsWith("api/storage/") && req.method === "GET") {
			return this.fileInfo(decodeURIComponent(path.slice("api/storage/".length)), res, principal);
		}
		if (path.startsWith("api/")) return send(res, 404, errorBody(404, "Not Found"));
		if (req.method === "GET") return this.download(path.split("/").map(decodeURIComponent).join("/"), res, principal);
		return send(res, 405, errorBody(405, "Method Not Allowed"));
	}

	private listRepositories(url: URL, res: ServerResponse): void {
		const type = url.searchParams.get("type");
		const packageType = url.searchParams.get("packageType");
		const list = this.options.repositories
			.filter((repo) => type === null || repo.type.toLowerCase() === type.toLowerCase())
			.filter((repo) => packageType === null || repo.packageType.toLowerCase() === packageType.toLowerCase())
			.map((repo) => ({
				key: repo.key,
				type: repo.type,
				description: "",
				url: `${this.url}/${repo.key}`,
				packageType: repo.packageType,
			}));
		send(res, 200, JSON.stringify(list));
	}

	private async aql(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
		if (!(req.headers["content-type"] ?? "").startsWith("text/plain")) {
			return send(res, 415, errorBody(415, "Unsupported Media Type"));
		}
		const text = await readBody(req);
		if (this.runningAql >= 3) return send(res, 429, errorBody(429, "Too many concurrent AQL queries"));
		this.runningAql += 1;
		this.peakConcurrentAql = Math.max(this.peakConcurrentAql, this.runningAql);
		try {
			if (this.options.aqlDelayMs) await new Promise((r) => setTimeout(r, this.options.aqlDelayMs));
			if (text.length > 6000) return send(res, 400, errorBody(400, "AQL query is too long"));
			try {
				const query = parseAql(text);
				for (const field of ["name", "repo", "path"]) {
					if (!query.include.includes(field)) {
						throw new AqlError("for non-admin users include must contain name, repo and path");
					}
				}
				for (const field of [...query.include, ...Object.keys(query.criteria)]) {
					if (!ITEM_FIELDS.has(field)) throw new AqlError(`unknown field ${field}`);
				}
				send(res, 200, JSON.stringify(this.runAql(query, principal)));
			} catch (error) {
				if (!(error instanceof AqlError)) throw error;
				send(res, 400, errorBody(400, `Failed to parse query: ${error.message}`));
			}
		} finally {
			this.runningAql -= 1;
		}
	}

	private repositoriesOf(key: string): string[] {
		const repo = this.options.repositories.find((r) => r.key === key);
		if (repo?.type === "VIRTUAL") return (repo.repositories ?? []).filter((member) => member !== key);
		return [key];
	}

	private runAql(query: AqlQuery, principal: Principal): Record<string, unknown> {
		const { repo, type, ...rest } = query.criteria;
		if (type !== undefined && type !== "file") throw new AqlError("only type file is supported");
		let rows = [...this.artifacts.values()];
		if (repo !== undefined) {
			if (typeof repo !== "string") throw new AqlError("repo must be a string");
			const members = new Set(this.repositoriesOf(repo));
			rows = rows.filter((artifact) => members.has(artifact.repo));
		}
		for (const [field, condition] of Object.entries(rest)) {
			rows = rows.filter((artifact) => matches(String(artifact[field as "path" | "name"] ?? ""), condition));
		}
		if (query.sort) {
			const { fields, direction } = query.sort;
			const key = (a: StoredArtifact) => fields.map((f) => String(a[f as "path"] ?? "")).join("\u0000");
			rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (direction === "$asc" ? 1 : -1));
		}
		let notification: string | undefined;
		if (this.options.aqlHardLimit !== undefined && rows.length > this.options.aqlHardLimit) {
			rows = rows.slice(0, this.options.aqlHardLimit);
			notification = HARD_LIMIT_NOTIFICATION;
		}
		const page = rows.slice(query.offset, query.limit === null ? undefined : query.offset + query.limit);
		// JFrog applies read permissions after offset and limit: a page may be short while more rows follow.
		const visible = page.filter((a) => principal.canRead?.(`${a.repo}/${keyPath(a)}`) ?? true);
		const size = (a: StoredArtifact) => (this.options.numbersAsStrings ? String(a.content.length) : a.content.length);
		const results = visible.map((a) => {
			const all: Record<string, unknown> = {
				repo: a.repo,
				path: a.path,
				name: a.name,
				type: "file",
				size: size(a),
				sha256: a.sha256 ?? undefined,
				actual_sha1: a.sha1,
				actual_md5: a.md5,
				modified: a.modified,
			};
			return Object.fromEntries(query.include.filter((f) => all[f] !== undefined).map((f) => [f, all[f]]));
		});
		const range: Record<string, unknown> = {
			start_pos: query.offset,
			end_pos: query.offset + results.length,
			total: results.length,
		};
		if (query.limit !== null) range.limit = query.limit;
		if (notification) range.notification = notification;
		return { results, range };
	}

	private find(path: string, principal: Principal): StoredArtifact | "forbidden" | undefined {
		const [repo = "", ...rest] = path.split("/");
		for (const member of this.repositoriesOf(repo)) {
			const artifact = this.artifacts.get(`${member}/${rest.join("/")}`);
			if (!artifact) continue;
			return (principal.canRead?.(`${artifact.repo}/${keyPath(artifact)}`) ?? true) ? artifact : "forbidden";
		}
		return undefined;
	}

	private fileInfo(path: string, res: ServerResponse, principal: Principal): void {
		const artifact = this.find(path, principal);
		if (artifact === "forbidden") {
			send(res, 403, errorBody(403, "Forbidden"));
			return;
		}
		if (!artifact) {
			send(res, 404, errorBody(404, "Unable to find item"));
			return;
		}
		const checksums = {
			sha1: artifact.sha1,
			md5: artifact.md5,
			...(artifact.sha256 ? { sha256: artifact.sha256 } : {}),
		};
		send(
			res,
			200,
			JSON.stringify({
				repo: artifact.repo,
				path: `/${keyPath(artifact)}`,
				created: artifact.modified,
				lastModified: artifact.modified,
				lastUpdated: artifact.modified,
				downloadUri: `${this.url}/${artifact.repo}/${keyPath(artifact)}`,
				mimeType: "application/octet-stream",
				size: String(artifact.content.length),
				checksums,
				originalChecksums: checksums,
				uri: `${this.url}/api/storage/${artifact.repo}/${keyPath(artifact)}`,
			}),
		);
	}

	private download(path: string, res: ServerResponse, principal: Principal): void {
		const artifact = this.find(path, principal);
		if (artifact === "forbidden") {
			send(res, 403, errorBody(403, "Forbidden"));
			return;
		}
		if (!artifact) {
			send(res, 404, errorBody(404, "Could not find resource"));
			return;
		}
		if (this.blobHost) {
			const id = randomBytes(12).toString("hex");
			this.blobs.set(id, artifact);
			res.writeHead(302, { location: `${this.blobBase}/blobs/${id}?X-Signature=${id}` });
			res.end();
			return;
		}
		this.serveArtifact(artifact, res);
	}

	private serveArtifact(artifact: StoredArtifact, res: ServerResponse): void {
		res.writeHead(200, {
			"content-type": "application/octet-stream",
			"content-length": (artifact.served ?? artifact.content).length,
			"x-checksum-sha1": artifact.sha1,
			"x-checksum-md5": artifact.md5,
			...(artifact.sha256 ? { "x-checksum-sha256": artifact.sha256 } : {}),
		});
		res.end(artifact.served ?? artifact.content);
	}

	/** The second host: a presigned URL, which (like S3) refuses a request that also carries Authorization. */
	private handleBlob(req: IncomingMessage, res: ServerResponse): void {
		this.requests.push({
			method: req.method ?? "GET",
			host: req.headers.host ?? "",
			path: new URL(req.url ?? "/", "http://blob").pathname,
			hasAuthorization: req.headers.authorization !== undefined,
		});
		if (req.headers.authorization !== undefined) {
			send(res, 400, "<Error><Code>InvalidArgument</Code></Error>", "application/xml");
			return;
		}
		const id = /^\/blobs\/([0-9a-f]+)$/.exec(new URL(req.url ?? "/", "http://blob").pathname)?.[1];
		const artifact = id ? this.blobs.get(id) : undefined;
		if (!artifact) {
			send(res, 404, "<Error><Code>NoSuchKey</Code></Error>", "application/xml");
			return;
		}
		this.serveArtifact(artifact, res);
	}
}

function keyPath(artifact: StoredArtifact): string {
	return artifact.path === "." ? artifact.name : `${artifact.path}/${artifact.name}`;
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => unknown, host: string): Promise<Server> {
	const server = createServer((req, res) => {
		Promise.resolve(handler(req, res)).catch((error: unknown) => {
			if (!res.headersSent) send(res, 500, errorBody(500, String(error)));
			else res.destroy();
		});
	});
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, host, () => resolve(server));
	});
}
