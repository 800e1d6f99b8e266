import type { RedisConnection } from "./connections.ts";

/** Requests per key in fixed windows, counted in Redis so every API replica enforces the same budget. */
export class RateLimiter {
	constructor(
		private readonly redis: RedisConnection,
		private readonly prefix: string,
		private readonly windowMs = 60_000,
	) {}

	/** Counts one request for `name`; refused once `limit` were counted in the current window. */
	async hit(name: string, limit: number, now = Date.now()): Promise<{ allowed: boolean; retryAfterMs: number }> {
		const window = Math.floor(now / this.windowMs);
		const key = `${this.prefix}:rate:${name}:${window}`;
		const replies = await this.redis
			.multi()
			.incr(key)
			.pexpire(key, this.windowMs * 2)
			.exec();
		const count = Number(replies?.[0]?.[1] ?? 0);
		return { allowed: count <= limit, retryAfterMs: (window + 1) * this.windowMs - now };
	}
}
