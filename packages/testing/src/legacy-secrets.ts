import { createCipheriv, createHash, randomBytes } from "node:crypto";

/**
 * A secret envelope exactly as releases before place binding wrote it (`v1`, additional data = the key
 * id alone), for tests of reading and re-sealing values stored by those releases.
 */
export function legacyV1Envelope(key: Buffer, plain: string): string {
	const keyId = createHash("sha256").update(key).digest("hex").slice(0, 8);
	const iv = randomBytes(12);
	const cipher = createCipheriv("aes-256-gcm", key, iv);
	cipher.setAAD(Buffer.from(keyId));
	const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
	return ["v1", keyId, ...[iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString("base64url"))].join(".");
}
