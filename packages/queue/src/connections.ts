import type { RedisTopology } from "@sensorium/config";
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";

/** A connection to any supported topology; BullMQ and our queues take either. */
export type RedisConnection = Redis | Cluster;

/** A topology, or a plain `redis://` URL for a single server (tests, scripts). */
export type RedisTarget = RedisTopology | string;

/**
 * Producers (the API) fail fast while Redis is down instead of queueing commands in memory, so a
 * request never hangs; the execution row is already committed and the reconciler enqueues it later.
 */
export function createProducerConnection(target: RedisTarget, options: RedisOptions = {}): RedisConnection {
	return connect(target, {
		enableOfflineQueue: false,
		maxRetriesPerRequest: 1,
		connectTimeout: 5_000,
		...options,
	});
}

/** Workers reconnect forever; BullMQ requires maxRetriesPerRequest: null for blocking commands. */
export function createWorkerConnection(target: RedisTarget, options: RedisOptions = {}): RedisConnection {
	return connect(target, {
		maxRetriesPerRequest: null,
		retryStrategy: (times) => Math.min(1_000 * 2 ** Math.min(times, 5), 20_000),
		...options,
	});
}

/**
 * BullMQ's Lua scripts touch several keys of a queue at once, which a cluster allows only when they
 * hash to one slot: a `{…}` hash tag around the prefix puts every key of every queue there.
 */
export function queueKeyPrefix(connection: RedisConnection, prefix: string): string {
	return connection instanceof Cluster ? `{${prefix}}` : prefix;
}

function connect(target: RedisTarget, options: RedisOptions): RedisConnection {
	const topology: RedisTopology = typeof target === "string" ? { mode: "standalone", url: target, tls: false } : target;
	const auth: RedisOptions = {};
	if (topology.username) auth.username = topology.username;
	if (topology.password) auth.password = topology.password;
	if (topology.tls) auth.tls = {};
	let connection: RedisConnection;
	switch (topology.mode) {
		case "standalone":
			connection = new Redis(topology.url, { ...options, ...auth });
			break;
		case "sentinel":
			connection = new Redis({
				...options,
				...auth,
				sentinels: topology.sentinels,
				name: topology.masterName,
				// Sentinels are asked with the same credentials as the master (documented in the README).
				sentinelUsername: topology.username,
				sentinelPassword: topology.password,
				enableTLSForSentinelMode: topology.tls,
			});
			break;
		case "cluster": {
			const { enableOfflineQueue, retryStrategy, ...nodeOptions } = options;
			const clusterOptions: ClusterOptions = {
				redisOptions: { ...nodeOptions, ...auth },
				enableOfflineQueue: enableOfflineQueue ?? true,
				clusterRetryStrategy: retryStrategy ?? ((times) => Math.min(100 * times, 2_000)),
			};
			connection = new Cluster(topology.nodes, clusterOptions);
			break;
		}
	}
	connection.on("error", () => {});
	return connection;
}

const REDIS_UNAVAILABLE_MESSAGES = [
	"Connection is closed",
	"enableOfflineQueue options is false",
	"Reached the max retries per request limit",
	"Too many Cluster redirections",
	"CLUSTERDOWN",
	"All sentinels are unreachable",
	"LOADING",
	"READONLY",
	"connect ECONNREFUSED",
	"connect ETIMEDOUT",
];

/** Whether Redis could not be reached or is failing over: the caller should answer "try again later". */
export function isRedisUnavailable(error: unknown): boolean {
	let current: unknown = error;
	for (let depth = 0; current && typeof current === "object" && depth < 10; depth++) {
		const { message } = current as { message?: unknown };
		if (typeof message === "string" && REDIS_UNAVAILABLE_MESSAGES.some((text) => message.includes(text))) return true;
		current = (current as { cause?: unknown }).cause;
	}
	return false;
}
