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
 * AES-256-GCM envelope `v2.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id is the
 * first 8 hex chars of SHA-256(key), so rows written under an old key can be found and re-sealed.
 *
 * The additional data binds a value to where it is stored (`sensors/<id>/config.password`): a sealed
 * value copied into another row or column does not open there, so whoever can write to the database
 * cannot make one tenant's credential be used for another's sensor or endpoint. `v1` envelopes
 * (bound to the key id only, written before places were bound) still open, for reading and for
 * `reseal`, until the operator has re-sealed them.
 */
export class SecretBox {
	readonly keyId: string;
	private readonly keys: Map<string, Buffer>;

	constructor(currentKey: Buffer, previousKeys: readonly Buffer[] = []) {
		for (const key of [currentKey, ...previousKeys]) {
			if (key.length !== 32) throw new Error("SecretBox keys must be 32 bytes");
		}
		this.keyId = SecretBox.idOf(currentKey);
		this.keys = new Map([currentKey, ...previousKeys].map((k) => [SecretBox.idOf(k), k]));
	}

	static idOf(key: Buffer): string {
		return createHash("sha256").update(key).digest("hex").slice(0, 8);
	}

	/** Seals `plain` for the place `boundTo` names; it opens only with the same place. */
	encrypt(plain: string, boundTo: string): string {
		const key = this.keys.get(this.keyId) as Buffer;
		const iv = nextIv();
		const cipher = createCipheriv("aes-256-gcm", key, iv);
		cipher.setAAD(additionalData("v2", this.keyId, boundTo));
		const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
		const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString("base64url"));
		return ["v2", this.keyId, ...parts].join(".");
	}

	decrypt(envelope: string, boundTo: string): string {
		const [version, keyId, iv, tag, ciphertext, extra] = envelope.split(".");
		if (
			(version !== "v1" && version !== "v2") ||
			!keyId ||
			iv === undefined ||
			tag === undefined ||
			ciphertext === undefined ||
			extra !== undefined
		) {
			throw new Error("Not a Sensorium secret envelope");
		}
		const key = this.keys.get(keyId);
		if (!key) throw new Error(`No key with id ${keyId} is configured`);
		const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
		decipher.setAAD(additionalData(version, keyId, boundTo));
		decipher.setAuthTag(Buffer.from(tag, "base64url"));
		try {
			return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
		} catch {
			// Wrong place, wrong key bytes under a colliding id, or altered bytes: GCM cannot tell which.
			throw new Error(`The value sealed for ${boundTo} does not open: it was altered or belongs elsewhere`);
		}
	}

	/** True when the value is sealed the current way (bound to its place, under the current key). */
	isCurrent(envelope: string): boolean {
		return envelope.startsWith(`v2.${this.keyId}.`);
	}

	/** The value sealed the current way, or the same envelope when it already is. */
	reseal(envelope: string, boundTo: string): string {
		return this.isCurrent(envelope) ? envelope : this.encrypt(this.decrypt(envelope, boundTo), boundTo);
	}

	/**
	 * Seals the listed keys of an object (e.g. a sensorConfig), leaving the others as they are; each
	 * is bound to `<boundTo>.<key>`.
	 */
	sealFields<T extends Record<string, unknown>>(record: T, fields: readonly string[], boundTo: string): T {
		const out: Record<string, unknown> = { ...record };
		for (const field of fields) {
			const value = out[field];
			if (typeof value === "string") out[field] = { $sealed: this.encrypt(value, `${boundTo}.${field}`) };
		}
		return out as T;
	}

	openFields<T extends Record<string, unknown>>(record: T, boundTo: string): T {
		return this.mapSealed(record, (sealed, field) => this.decrypt(sealed, `${boundTo}.${field}`));
	}

	/** The record with every sealed field re-sealed the current way (see `reseal`); `changed` says if any was not. */
	resealFields<T extends Record<string, unknown>>(record: T, boundTo: string): { record: T; changed: boolean } {
		let changed = false;
		const out = this.mapSealed(record, (sealed, field) => {
			if (this.isCurrent(sealed)) return { $sealed: sealed };
			changed = true;
			return { $sealed: this.reseal(sealed, `${boundTo}.${field}`) };
		});
		return { record: out, changed };
	}

	private mapSealed<T extends Record<string, unknown>>(record: T, map: (sealed: string, field: string) => unknown): T {
		const out: Record<string, unknown> = { ...record };
		for (const [field, value] of Object.entries(out)) {
			if (isSealed(value)) out[field] = map(value.$sealed, field);
		}
		return out as T;
	}
}

function additionalData(version: "v1" | "v2", keyId: string, boundTo: string): Buffer {
	return Buffer.from(version === "v1" ? keyId : `sensorium/v2/${keyId}/${boundTo}`, "utf8");
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

/**
 * The places sealed values are bound to. These strings are inside the authentication of every stored
 * envelope: changing one makes every value sealed for it unreadable.
 */
export const sealedPlace = {
	sensorConfig: (sensorId: string) => `sensors/${sensorId}/config`,
	callbackToken: (endpointId: string) => `callback_endpoints/${endpointId}/token`,
	callbackSigningSecret: (endpointId: string) => `callback_endpoints/${endpointId}/signing_secret`,
} as const;

/** What re-sealing one kind of stored secret did. */
export interface ResealReport {
	/** Rows whose sealed values were looked at. */
	examined: number;
	/** Rows rewritten (or, in a dry run, that would be). */
	resealed: number;
	/** Rows whose values open with none of the configured keys (or not for their place): left as they are. */
	unreadable: string[];
}
