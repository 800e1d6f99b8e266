import type { RedisConnection } from "./connections.ts";

/**
 * Failures per key (an account, a client address) in a sliding-from-first-failure window, shared by every API
 * replica through Redis. Counting failures only, so a user who signs in often is never held back.
 */
export class FailureCounter {
	constructor(
		private readonly redis: RedisConnection,
		private readonly prefix: string,
		private readonly windowMs: number,
	) {}

	private key(name: string): string {
		return `${this.prefix}:failures:${name}`;
	}

	/** Failures recorded for `name` in the current window, and when the window ends. */
	async current(name: string): Promise<{ count: number; retryAfterMs: number }> {
		const key = this.key(name);
		const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
		return { count: Number(count ?? 0), retryAfterMs: Math.max(ttl, 0) };
	}

	/** Counts one more failure; returns the count in the current window, this one included. */
	async record(name: string): Promise<number> {
		const key = this.key(name);
		const replies = await this.redis.multi().incr(key).pexpire(key, this.windowMs, "NX").exec();
		return Number(replies?.[0]?.[1] ?? 0);
	}
}
