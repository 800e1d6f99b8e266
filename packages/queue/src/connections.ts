import { Redis, type RedisOptions } from "ioredis";

/**
 * Producers (the API) fail fast while Redis is down instead of queueing commands in memory, so a
 * request never hangs; the execution row is already committed and the reconciler enqueues it later.
 */
export function createProducerConnection(url: string, options: RedisOptions = {}): Redis {
	const redis = new Redis(url, {
		enableOfflineQueue: false,
		maxRetriesPerRequest: 1,
		connectTimeout: 5_000,
		...options,
	});
	redis.on("error", () => {});
	return redis;
}

/** Workers reconnect forever; BullMQ requires maxRetriesPerRequest: null for blocking commands. */
export function createWorkerConnection(url: string, options: RedisOptions = {}): Redis {
	const redis = new Redis(url, {
		maxRetriesPerRequest: null,
		retryStrategy: (times) => Math.min(1_000 * 2 ** Math.min(times, 5), 20_000),
		...options,
	});
	redis.on("error", () => {});
	return redis;
}
