import { createHmac, randomBytes } from "node:crypto";

const SECRET_PREFIX = "whsec_";

/** Standard Webhooks asks for 24 to 64 random bytes; 32 is the SHA-256 output size, the usual HMAC key length. */
export function generateSigningSecret(): string {
	return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

/**
 * The Standard Webhooks `v1` signature of one attempt. `body` must be the exact string sent: the
 * receiver signs the raw bytes it got, so re-serialising JSON would break verification.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
	if (!Number.isSafeInteger(timestampSeconds)) {
		throw new Error(`Webhook timestamps are whole seconds; got ${timestampSeconds}.`);
	}
	const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64");
	if (key.length === 0) throw new Error("The webhook signing secret is empty or not base64.");
	const mac = createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`, "utf8").digest("base64");
	return `v1,${mac}`;
}

/** The three headers a Standard Webhooks receiver verifies; `id` stays the same on every retry. */
export function webhookHeaders(
	secret: string,
	id: string,
	timestampSeconds: number,
	body: string,
): { "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string } {
	return {
		"webhook-id": id,
		"webhook-timestamp": String(timestampSeconds),
		"webhook-signature": signWebhook(secret, id, timestampSeconds, body),
	};
}
