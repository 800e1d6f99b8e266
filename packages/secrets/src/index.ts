import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Tokens look like `isg_<12 hex prefix>_<43 base64url chars>`; only the prefix is ever shown again. */
const TOKEN_PATTERN = /^isg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
	/** The full secret, shown to the user once. */
	token: string;
	/** Safe to display and store: identifies the token in listings. */
	displayPrefix: string;
	/** SHA-256 of the full secret; the only form stored. */
	hash: Buffer;
}

export function issueToken(): IssuedToken {
	const prefix = randomBytes(6).toString("hex");
	const token = `isg_${prefix}_${randomBytes(32).toString("base64url")}`;
	return { token, displayPrefix: `isg_${prefix}`, hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
	return createHash("sha256").update(token, "utf8").digest();
}

export function looksLikeToken(value: string): boolean {
	return TOKEN_PATTERN.test(value);
}

export function sameHash(a: Buffer, b: Buffer): boolean {
	return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * AES-256-GCM envelope `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id is the
 * first 8 hex chars of SHA-256(key), so rows written under an old key can be found and re-encrypted.
 */
export class SecretBox {
	readonly keyId: string;
	private readonly keys: Map<string, Buffer>;

	constructor(currentKey: Buffer, previousKeys: Buffer[] = []) {
		for (const key of [currentKey, ...previousKeys]) {
			if (key.length !== 32) throw new Error("SecretBox keys must be 32 bytes");
		}
		this.keyId = SecretBox.idOf(currentKey);
		this.keys = new Map([currentKey, ...previousKeys].map((k) => [SecretBox.idOf(k), k]));
	}

	static idOf(key: Buffer): string {
		return createHash("sha256").update(key).digest("hex").slice(0, 8);
	}

	encrypt(plain: string): string {
		const key = this.keys.get(this.keyId) as Buffer;
		const iv = nextIv();
		const cipher = createCipheriv("aes-256-gcm", key, iv);
		cipher.setAAD(Buffer.from(this.keyId));
		const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
		const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString("base64url"));
		return ["v1", this.keyId, ...parts].join(".");
	}

	decrypt(envelope: string): string {
		const [version, keyId, iv, tag, ciphertext] = envelope.split(".");
		if (version !== "v1" || !keyId || iv === undefined || tag === undefined || ciphertext === undefined) {
			throw new Error("Not a Sensorium secret envelope");
		}
		const key = this.keys.get(keyId);
		if (!key) throw new Error(`No key with id ${keyId} is configured`);
		const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
		decipher.setAAD(Buffer.from(keyId));
		decipher.setAuthTag(Buffer.from(tag, "base64url"));
		return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
	}

	/** Encrypts the listed keys of an object (e.g. a sensorConfig), leaving the others as they are. */
	sealFields<T extends Record<string, unknown>>(record: T, fields: readonly string[]): T {
		const out: Record<string, unknown> = { ...record };
		for (const field of fields) {
			const value = out[field];
			if (typeof value === "string") out[field] = { $sealed: this.encrypt(value) };
		}
		return out as T;
	}

	openFields<T extends Record<string, unknown>>(record: T): T {
		const out: Record<string, unknown> = { ...record };
		for (const [field, value] of Object.entries(out)) {
			if (isSealed(value)) out[field] = this.decrypt(value.$sealed);
		}
		return out as T;
	}
}

export function isSealed(value: unknown): value is { $sealed: string } {
	return typeof value === "object" && value !== null && typeof (value as { $sealed?: unknown }).$sealed === "string";
}

// A 96-bit random IV per encryption, as GCM wants, drawn from a pooled CSPRNG buffer: one
// randomBytes call per IV cost about half as much as the encryption itself on the scan path.
const IVS_PER_REFILL = 256;
let ivPool = Buffer.alloc(0);
let ivOffset = 0;

function nextIv(): Buffer {
	if (ivOffset + 12 > ivPool.length) {
		// A fresh buffer each time: IVs already handed out keep their bytes and are never reissued.
		ivPool = randomBytes(12 * IVS_PER_REFILL);
		ivOffset = 0;
	}
	const iv = ivPool.subarray(ivOffset, ivOffset + 12);
	ivOffset += 12;
	return iv;
}
