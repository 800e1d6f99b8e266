import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";

/**
 * An OpenSearch contract-test server: the subset of the REST API the exporter uses, following the
 * documented request and response shapes (opensearch-project/opensearch-api-specification) closely
 * enough that the official `@opensearch-project/opensearch` client talks to it unmodified. It is a
 * stand-in for tests, not a search engine: one node, no shards, term queries on exact values only.
 */

type Json = Record<string, unknown>;

interface StoredDoc {
	source: Json;
	version: number;
	seqNo: number;
}

interface Index {
	uuid: string;
	mappings: Json;
	docs: Map<string, StoredDoc>;
	/** What search sees: the documents as of the last refresh (every second, or on request). */
	searchable: Map<string, StoredDoc>;
	seqNo: number;
}

export interface BulkLogEntry {
	action: string;
	index: string;
	id: string | undefined;
}

export interface OpenSearchContractServer {
	url: string;
	port: number;
	indices: Map<string, Index>;
	templates: Map<string, Json>;
	/** Every `_bulk` request received (after validation passed), in order, with its actions. */
	bulkRequests: BulkLogEntry[][];
	/** The next N requests of any kind answer this status as a whole (e.g. 429, 503). */
	failNextRequests(status: number, count?: number): void;
	/** In the next `_bulk` request, the item at `position` (0-based) answers 429 (per item). */
	rejectItemOnce(position: number): void;
	/** Documents with these ids fail with a 400 mapper_parsing_exception. */
	failMappingFor(ids: Iterable<string>): void;
	/** The next N requests have their connection reset without an answer. */
	resetNextConnections(count?: number): void;
	/** Every `_bulk` answer from now on comes this much later (0: at once). */
	delayBulk(ms: number): void;
	/** Requires Basic credentials or an `ApiKey` header from now on (null: open again). */
	requireAuth(auth: { username: string; password: string } | { apiKey: string } | null): void;
	/** Stops listening (clients see connection refused) until `up()`. */
	down(): Promise<void>;
	up(): Promise<void>;
	document(index: string, id: string): Json | undefined;
	close(): Promise<void>;
}

const VERSION = {
	distribution: "opensearch",
	number: "2.19.0",
	build_type: "tar",
	build_hash: "contract-test",
	build_date: "2025-01-01T00:00:00.000000Z",
	build_snapshot: false,
	lucene_version: "9.12.1",
	minimum_wire_compatibility_version: "7.10.0",
	minimum_index_compatibility_version: "7.0.0",
};

const MAX_ID_BYTES = 512;

function errorBody(type: string, reason: string, status: number, extra: Json = {}): Json {
	const cause = { type, reason, ...extra };
	return { error: { root_cause: [cause], type, reason, ...extra }, status };
}

/** OpenSearch's index-name rules (MetadataCreateIndexService.validateIndexOrAliasName). */
export function invalidIndexReason(name: string): string | null {
	if (name !== name.toLowerCase()) return "must be lowercase";
	if (name === "." || name === "..") return 'must not be "." or ".."';
	if (/^[_\-+]/.test(name)) return "must not start with '_', '-', or '+'";
	if (/[\\/*?"<>|,# :]/.test(name))
		return 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?, #, :]';
	if (Buffer.byteLength(name) > 255) return "index name is too long";
	if (name.length === 0) return "must not be empty";
	return null;
}

function globToRegExp(pattern: string): RegExp {
	return new RegExp(
		`^${pattern
			.split("*")
			.map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
			.join(".*")}$`,
	);
}

function getPath(source: unknown, path: string): unknown {
	let value: unknown = source;
	for (const part of path.split(".")) {
		if (value === null || typeof value !== "object") return undefined;
		value = (value as Json)[part];
	}
	return value;
}

/** A mapping conflict like OpenSearch's mapper_parsing_exception, for the field types we map. */
function mappingProblem(properties: Json | undefined, source: Json, prefix = ""): string | null {
	if (!properties) return null;
	for (const [field, spec] of Object.entries(properties)) {
		const value = source[field];
		if (value === undefined || value === null) continue;
		const type = (spec as Json).type as string | undefined;
		const name = `${prefix}${field}`;
		if (type === "date" && (typeof value !== "string" || Number.isNaN(Date.parse(value))))
			return `failed to parse field [${name}] of type [date]`;
		if (type === "keyword" && typeof value === "object") return `failed to parse field [${name}] of type [keyword]`;
		if (type === "integer" && typeof value !== "number") return `failed to parse field [${name}] of type [integer]`;
		if ((type === "flat_object" || type === "object") && typeof value !== "object")
			return `object mapping for [${name}] tried to parse field [${name}] as object, but found a concrete value`;
		const nested = (spec as Json).properties as Json | undefined;
		if (nested && typeof value === "object" && !Array.isArray(value)) {
			const problem = mappingProblem(nested, value as Json, `${name}.`);
			if (problem) return problem;
		}
	}
	return null;
}

function matches(query: Json | undefined, source: Json): boolean {
	if (!query || "match_all" in query) return true;
	if ("term" in query) {
		const [[field, spec]] = Object.entries(query.term as Json) as [[string, unknown]];
		const expected = spec !== null && typeof spec === "object" ? (spec as Json).value : spec;
		const actual = getPath(source, field);
		return Array.isArray(actual) ? actual.includes(expected) : actual === expected;
	}
	if ("bool" in query) {
		const must = ((query.bool as Json).filter ?? (query.bool as Json).must ?? []) as Json | Json[];
		return (Array.isArray(must) ? must : [must]).every((q) => matches(q, source));
	}
	throw new Error(`unsupported query ${Object.keys(query)[0]}`);
}

/** `tls`: serve HTTPS with this PEM key and certificate (the certificate must name 127.0.0.1). */
export async function startOpenSearchContractServer(
	options: { tls?: { key: string; cert: string } } = {},
): Promise<OpenSearchContractServer> {
	const indices = new Map<string, Index>();
	const templates = new Map<string, Json>();
	const bulkRequests: BulkLogEntry[][] = [];
	const failing: number[] = [];
	const itemRejections = new Set<number>();
	const mappingFailures = new Set<string>();
	let resets = 0;
	let bulkDelayMs = 0;
	let auth: { username: string; password: string } | { apiKey: string } | null = null;
	const sockets = new Set<Socket>();

	const send = (res: ServerResponse, status: number, body?: unknown) => {
		const text = body === undefined ? "" : JSON.stringify(body);
		res.writeHead(status, {
			"content-type": "application/json; charset=UTF-8",
			"content-length": Buffer.byteLength(text),
		});
		res.end(res.req.method === "HEAD" ? undefined : text);
	};

	const templateFor = (name: string): Json => {
		let best: Json | null = null;
		let bestPriority = -1;
		for (const template of templates.values()) {
			const patterns = (template.index_patterns ?? []) as string[] | string;
			const list = Array.isArray(patterns) ? patterns : [patterns];
			const priority = Number(template.priority ?? 0);
			if (list.some((p) => globToRegExp(p).test(name)) && priority > bestPriority) {
				best = template;
				bestPriority = priority;
			}
		}
		return ((best?.template as Json | undefined)?.mappings as Json | undefined) ?? {};
	};

	const createIndex = (name: string, mappings?: Json): Index => {
		const index: Index = {
			uuid: randomUUID().replaceAll("-", "").slice(0, 22),
			mappings: mappings ?? templateFor(name),
			docs: new Map(),
			searchable: new Map(),
			seqNo: -1,
		};
		indices.set(name, index);
		return index;
	};

	const refresh = (index: Index) => {
		index.searchable = new Map(index.docs);
	};

	const resolveIndices = (expression: string): string[] =>
		expression === "_all"
			? [...indices.keys()]
			: expression.split(",").flatMap((part) => {
					if (part.includes("*")) return [...indices.keys()].filter((n) => globToRegExp(part).test(n));
					return [part];
				});

	const authorized = (req: IncomingMessage): boolean => {
		if (!auth) return true;
		const header = req.headers.authorization ?? "";
		if ("apiKey" in auth) return header === `ApiKey ${auth.apiKey}`;
		return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
	};

	const bulk = (res: ServerResponse, defaultIndex: string | undefined, text: string, query: URLSearchParams) => {
		const started = Date.now();
		if (text.length === 0) {
			return send(res, 400, errorBody("parse_exception", "request body is required", 400));
		}
		if (!text.endsWith("\n")) {
			const reason = "The bulk request must be terminated by a newline [\\n]";
			return send(res, 400, errorBody("illegal_argument_exception", reason, 400));
		}
		const lines = text.slice(0, -1).split("\n");
		type Op = { action: string; index: string; id: string | undefined; source: Json | undefined };
		const ops: Op[] = [];
		const invalid: string[] = [];
		for (let i = 0; i < lines.length; i++) {
			const raw = lines[i] as string;
			if (raw.trim() === "") continue;
			let meta: Json;
			try {
				meta = JSON.parse(raw);
			} catch {
				return send(res, 400, errorBody("json_parse_exception", `Unexpected character at line [${i + 1}]`, 400));
			}
			const keys = Object.keys(meta);
			const action = keys[0] ?? "";
			if (keys.length !== 1 || !["index", "create", "update", "delete"].includes(action)) {
				const reason = `Malformed action/metadata line [${i + 1}], expected one of [create, delete, index, update] but found [${action}]`;
				return send(res, 400, errorBody("illegal_argument_exception", reason, 400));
			}
			const params = meta[action] as Json;
			const index = (params._index as string | undefined) ?? defaultIndex;
			const id = params._id === undefined ? undefined : String(params._id);
			if (!index) invalid.push(`${ops.length + 1}: index is missing;`);
			if (id !== undefined && Buffer.byteLength(id) > MAX_ID_BYTES)
				invalid.push(
					`${ops.length + 1}: id [${id}] is too long, must be no longer than 512 bytes but was: ${Buffer.byteLength(id)};`,
				);
			if ((action === "update" || action === "delete") && id === undefined)
				invalid.push(`${ops.length + 1}: id is missing;`);
			let source: Json | undefined;
			if (action !== "delete") {
				i++;
				const sourceLine = lines[i];
				if (sourceLine === undefined || sourceLine.trim() === "") {
					const reason = `Validation Failed: 1: no requests added;`;
					return send(res, 400, errorBody("action_request_validation_exception", reason, 400));
				}
				try {
					source = JSON.parse(sourceLine);
				} catch {
					return send(res, 400, errorBody("json_parse_exception", `Unexpected character at line [${i + 1}]`, 400));
				}
			}
			ops.push({ action, index: index ?? "", id, source });
		}
		if (ops.length === 0) {
			return send(
				res,
				400,
				errorBody("action_request_validation_exception", "Validation Failed: 1: no requests added;", 400),
			);
		}
		if (invalid.length > 0) {
			return send(
				res,
				400,
				errorBody("action_request_validation_exception", `Validation Failed: ${invalid.join(" ")}`, 400),
			);
		}
		bulkRequests.push(ops.map((op) => ({ action: op.action, index: op.index, id: op.id })));
		const rejections = new Set(itemRejections);
		itemRejections.clear();
		let errors = false;
		const touched = new Set<Index>();
		const items = ops.map((op, position) => {
			const fail = (status: number, type: string, reason: string, extra: Json = {}) => {
				errors = true;
				return {
					[op.action]: {
						_index: op.index,
						_id: op.id ?? null,
						status,
						error: { type, reason, index: op.index, ...extra },
					},
				};
			};
			const indexProblem = invalidIndexReason(op.index);
			if (indexProblem)
				return fail(400, "invalid_index_name_exception", `Invalid index name [${op.index}], ${indexProblem}`, {
					index_uuid: "_na_",
				});
			if (rejections.has(position)) {
				return fail(
					429,
					"rejected_execution_exception",
					"rejected execution of coordinating operation [shard_detail=[contract][0][P], shard_coordinating_and_primary_bytes=0, shard_operation_bytes=0, shard_max_coordinating_and_primary_bytes=0]",
				);
			}
			const index = indices.get(op.index) ?? createIndex(op.index);
			const id = op.id ?? randomUUID().replaceAll("-", "").slice(0, 20);
			const existing = index.docs.get(id);
			const shard = { _shards: { total: 2, successful: 1, failed: 0 }, _primary_term: 1 };
			if (op.action === "delete") {
				if (!existing) {
					return {
						delete: {
							_index: op.index,
							_id: id,
							_version: 1,
							result: "not_found",
							...shard,
							_seq_no: ++index.seqNo,
							status: 404,
						},
					};
				}
				index.docs.delete(id);
				touched.add(index);
				return {
					delete: {
						_index: op.index,
						_id: id,
						_version: existing.version + 1,
						result: "deleted",
						...shard,
						_seq_no: ++index.seqNo,
						status: 200,
					},
				};
			}
			let source = op.source as Json;
			if (op.action === "create" && existing)
				return fail(
					409,
					"version_conflict_engine_exception",
					`[${id}]: version conflict, document already exists (current version [${existing.version}])`,
					{ shard: "0", index_uuid: index.uuid },
				);
			if (op.action === "update") {
				if (!existing)
					return fail(404, "document_missing_exception", `[${id}]: document missing`, {
						shard: "0",
						index_uuid: index.uuid,
					});
				source = { ...existing.source, ...((source.doc as Json | undefined) ?? {}) };
			}
			const problem = mappingFailures.has(id)
				? `failed to parse field [crypto] of type [object] in document with id '${id}'`
				: mappingProblem((index.mappings.properties as Json | undefined) ?? undefined, source);
			if (problem) return fail(400, "mapper_parsing_exception", problem);
			const version = (existing?.version ?? 0) + 1;
			index.docs.set(id, { source, version, seqNo: ++index.seqNo });
			touched.add(index);
			return {
				[op.action]: {
					_index: op.index,
					_id: id,
					_version: version,
					result: existing ? "updated" : "created",
					...shard,
					_seq_no: index.seqNo,
					status: existing ? 200 : 201,
				},
			};
		});
		const refreshParam = query.get("refresh");
		if (refreshParam === "true" || refreshParam === "" || refreshParam === "wait_for")
			for (const i of touched) refresh(i);
		send(res, 200, { took: Date.now() - started, errors, items });
	};

	const search = (res: ServerResponse, expression: string, body: Json, query: URLSearchParams) => {
		const names = resolveIndices(expression);
		for (const name of names) {
			if (!name.includes("*") && !indices.has(name))
				return send(
					res,
					404,
					errorBody("index_not_found_exception", `no such index [${name}]`, 404, {
						index: name,
						"resource.type": "index_or_alias",
						"resource.id": name,
						index_uuid: "_na_",
					}),
				);
		}
		const from = Number(query.get("from") ?? body.from ?? 0);
		const size = Number(query.get("size") ?? body.size ?? 10);
		let hits: { _index: string; _id: string; _score: number; _source: Json }[];
		try {
			hits = names.flatMap((name) =>
				[...(indices.get(name)?.searchable ?? new Map<string, StoredDoc>()).entries()]
					.filter(([, doc]) => matches(body.query as Json | undefined, doc.source))
					.map(([id, doc]) => ({ _index: name, _id: id, _score: 1.0, _source: doc.source })),
			);
		} catch (error) {
			return send(res, 400, errorBody("parsing_exception", (error as Error).message, 400));
		}
		send(res, 200, {
			took: 1,
			timed_out: false,
			_shards: { total: names.length, successful: names.length, skipped: 0, failed: 0 },
			hits: {
				total: { value: hits.length, relation: "eq" },
				max_score: hits.length > 0 ? 1.0 : null,
				hits: hits.slice(from, from + size),
			},
		});
	};

	const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
		const url = new URL(req.url ?? "/", "http://localhost");
		const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
		const method = req.method ?? "GET";
		let body: Json = {};
		if (text.length > 0 && !(parts.at(-1) === "_bulk")) {
			try {
				body = JSON.parse(text);
			} catch {
				return send(res, 400, errorBody("json_parse_exception", "request body is not valid JSON", 400));
			}
		}
		if (parts.length === 0 && (method === "GET" || method === "HEAD")) {
			return send(res, 200, {
				name: "contract-node-1",
				cluster_name: "sensorium-contract",
				cluster_uuid: "contract-cluster-uuid",
				version: VERSION,
				tagline: "The OpenSearch Project: https://opensearch.org/",
			});
		}
		if (parts[0] === "_cluster" && parts[1] === "health") {
			const shards = indices.size;
			return send(res, 200, {
				cluster_name: "sensorium-contract",
				status: "green",
				timed_out: false,
				number_of_nodes: 1,
				number_of_data_nodes: 1,
				discovered_master: true,
				discovered_cluster_manager: true,
				active_primary_shards: shards,
				active_shards: shards,
				relocating_shards: 0,
				initializing_shards: 0,
				unassigned_shards: 0,
				delayed_unassigned_shards: 0,
				number_of_pending_tasks: 0,
				number_of_in_flight_fetch: 0,
				task_max_waiting_in_queue_millis: 0,
				active_shards_percent_as_number: 100.0,
			});
		}
		if (parts[0] === "_index_template" && parts[1]) {
			if (method === "PUT" || method === "POST") {
				if (!body.index_patterns)
					return send(
						res,
						400,
						errorBody("action_request_validation_exception", "Validation Failed: 1: index patterns are missing;", 400),
					);
				templates.set(parts[1], body);
				return send(res, 200, { acknowledged: true });
			}
			const template = templates.get(parts[1]);
			if (method === "HEAD") return send(res, template ? 200 : 404);
			if (!template)
				return send(
					res,
					404,
					errorBody("resource_not_found_exception", `index template matching [${parts[1]}] not found`, 404),
				);
			return send(res, 200, { index_templates: [{ name: parts[1], index_template: template }] });
		}
		if (parts.at(-1) === "_bulk" && (method === "POST" || method === "PUT") && parts.length <= 2) {
			return bulk(res, parts.length === 2 ? parts[0] : undefined, text, url.searchParams);
		}
		if (parts.at(-1) === "_search" && (method === "GET" || method === "POST")) {
			return search(res, parts.length === 2 ? (parts[0] as string) : "_all", body, url.searchParams);
		}
		if (parts.at(-1) === "_refresh" && (method === "POST" || method === "GET")) {
			const names = parts.length === 2 ? resolveIndices(parts[0] as string) : [...indices.keys()];
			for (const name of names) {
				const index = indices.get(name);
				if (!index)
					return send(
						res,
						404,
						errorBody("index_not_found_exception", `no such index [${name}]`, 404, { index: name }),
					);
				refresh(index);
			}
			return send(res, 200, { _shards: { total: names.length, successful: names.length, failed: 0 } });
		}
		if (parts.length === 3 && parts[1] === "_doc" && (method === "GET" || method === "HEAD")) {
			const [name, , id] = parts as [string, string, string];
			const index = indices.get(name);
			if (!index)
				return send(
					res,
					404,
					errorBody("index_not_found_exception", `no such index [${name}]`, 404, { index: name, index_uuid: "_na_" }),
				);
			const doc = index.docs.get(id);
			if (!doc) return send(res, 404, { _index: name, _id: id, found: false });
			return send(res, 200, {
				_index: name,
				_id: id,
				_version: doc.version,
				_seq_no: doc.seqNo,
				_primary_term: 1,
				found: true,
				_source: doc.source,
			});
		}
		if (parts.length === 1 && !parts[0]?.startsWith("_")) {
			const name = parts[0] as string;
			if (method === "HEAD") return send(res, indices.has(name) ? 200 : 404);
			if (method === "PUT") {
				const problem = invalidIndexReason(name);
				if (problem)
					return send(
						res,
						400,
						errorBody("invalid_index_name_exception", `Invalid index name [${name}], ${problem}`, 400, {
							index: name,
							index_uuid: "_na_",
						}),
					);
				if (indices.has(name))
					return send(
						res,
						400,
						errorBody(
							"resource_already_exists_exception",
							`index [${name}/${indices.get(name)?.uuid}] already exists`,
							400,
							{ index: name },
						),
					);
				createIndex(name, (body.mappings as Json | undefined) ?? undefined);
				return send(res, 200, { acknowledged: true, shards_acknowledged: true, index: name });
			}
			if (method === "GET") {
				const index = indices.get(name);
				if (!index)
					return send(
						res,
						404,
						errorBody("index_not_found_exception", `no such index [${name}]`, 404, { index: name, index_uuid: "_na_" }),
					);
				return send(res, 200, {
					[name]: {
						aliases: {},
						mappings: index.mappings,
						settings: {
							index: { uuid: index.uuid, number_of_shards: "1", number_of_replicas: "1", provided_name: name },
						},
					},
				});
			}
		}
		send(
			res,
			400,
			errorBody("illegal_argument_exception", `no handler found for uri [${url.pathname}] and method [${method}]`, 400),
		);
	};

	const listener: RequestListener = (req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", () => {
			if (resets > 0) {
				resets--;
				req.socket.destroy();
				return;
			}
			const status = failing.shift();
			if (status !== undefined) {
				const type = status === 429 ? "rejected_execution_exception" : "cluster_block_exception";
				return send(res, status, errorBody(type, `injected ${status}`, status));
			}
			if (!authorized(req)) {
				res.setHeader("www-authenticate", 'Basic realm="OpenSearch Security"');
				return send(res, 401, "Unauthorized");
			}
			const text = Buffer.concat(chunks).toString("utf8");
			if (bulkDelayMs > 0 && req.url?.split("?")[0]?.endsWith("/_bulk")) {
				setTimeout(() => handle(req, res, text), bulkDelayMs);
				return;
			}
			handle(req, res, text);
		});
	};
	const server: Server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
	server.on("connection", (socket: Socket) => {
		sockets.add(socket);
		socket.on("close", () => sockets.delete(socket));
	});
	const autoRefresh = setInterval(() => {
		for (const index of indices.values()) refresh(index);
	}, 1_000);
	autoRefresh.unref();

	const listen = (port: number) =>
		new Promise<number>((resolve, reject) => {
			server.once("error", reject);
			server.listen(port, "127.0.0.1", () => {
				server.off("error", reject);
				resolve((server.address() as AddressInfo).port);
			});
		});
	const port = await listen(0);
	const stop = () =>
		new Promise<void>((resolve) => {
			for (const socket of sockets) socket.destroy();
			server.close(() => resolve());
		});

	return {
		url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
		port,
		indices,
		templates,
		bulkRequests,
		failNextRequests(status, count = 1) {
			for (let i = 0; i < count; i++) failing.push(status);
		},
		rejectItemOnce(position) {
			itemRejections.add(position);
		},
		failMappingFor(ids) {
			for (const id of ids) mappingFailures.add(id);
		},
		resetNextConnections(count = 1) {
			resets += count;
		},
		delayBulk(ms) {
			bulkDelayMs = ms;
		},
		requireAuth(credentials) {
			auth = credentials;
		},
		down: stop,
		async up() {
			await listen(port);
		},
		document(index, id) {
			return indices.get(index)?.docs.get(id)?.source;
		},
		async close() {
			clearInterval(autoRefresh);
			if (server.listening) await stop();
		},
	};
}
