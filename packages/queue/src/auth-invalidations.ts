import { z } from "zod";
import type { RedisConnection } from "./connections.ts";

/**
 * API replicas remember accepted tokens for AUTH_CACHE_TTL_MS. A revoked token, a deactivated user
 * or a changed licence is announced on this channel so every replica forgets at once. Pub/sub is
 * at-most-once, so the TTL still bounds the delay when a message is lost, and a subscriber that
 * reconnects forgets everything it remembered.
 */
export const authInvalidationSchema = z.discriminatedUnion("scope", [
	z.object({ scope: z.literal("token"), tokenId: z.string().min(1) }),
	z.object({ scope: z.literal("user"), userId: z.string().min(1) }),
	z.object({ scope: z.literal("org"), orgId: z.string().min(1) }),
]);
export type AuthInvalidation = z.infer<typeof authInvalidationSchema>;

export function authInvalidationChannel(prefix: string): string {
	return `${prefix}:auth-invalidations`;
}

export async function publishAuthInvalidation(
	redis: RedisConnection,
	prefix: string,
	message: AuthInvalidation,
): Promise<void> {
	await redis.publish(authInvalidationChannel(prefix), JSON.stringify(authInvalidationSchema.parse(message)));
}

/**
 * Listens on a connection of its own (a subscribed ioredis connection runs no other commands).
 * `onResubscribed` runs after every reconnection, when messages may have been missed.
 */
export async function subscribeAuthInvalidations(
	subscriber: RedisConnection,
	prefix: string,
	handlers: { onInvalidation: (message: AuthInvalidation) => void; onResubscribed: () => void },
): Promise<void> {
	const channel = authInvalidationChannel(prefix);
	subscriber.on("message", (from: string, payload: string) => {
		if (from !== channel) return;
		const parsed = authInvalidationSchema.safeParse(parseJson(payload));
		if (parsed.success) handlers.onInvalidation(parsed.data);
	});
	let subscribed = false;
	subscriber.on("ready", () => {
		if (subscribed) handlers.onResubscribed();
	});
	await subscriber.subscribe(channel);
	subscribed = true;
}

function parseJson(payload: string): unknown {
	try {
		return JSON.parse(payload);
	} catch {
		return undefined;
	}
}
