import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { decodeOid, decodeSmallInteger, readChildren, readWhole, TAG } from "./der.ts";
import { quickPublicKey, spkiDer } from "./jwk.ts";
import { CURVES, KEY_ALGORITHMS, OID, PBE_ALGORITHMS } from "./oids.ts";
import type { Asset, KeyEncoding, KeyFormat } from "./types.ts";

export function sha256Hex(data: Uint8Array | string): string {
	return createHash("sha256").update(data).digest("hex");
}

interface KeyShape {
	algorithm: string;
	size?: number;
	curve?: string;
}

/** Sizes of the fixed-size curves Node reports no details for, in bits of the encoded key. */
const FIXED_SIZE: Readonly<Record<string, KeyShape>> = {
	ed25519: { algorithm: "Ed25519", size: 256 },
	ed448: { algorithm: "Ed448", size: 456 },
	x25519: { algorithm: "X25519", size: 256 },
	x448: { algorithm: "X448", size: 448 },
};

function describeKey(key: KeyObject): KeyShape {
	// Widened: OpenSSL also loads DH keys, which Node's KeyType union leaves out.
	const type: string = key.asymmetricKeyType ?? "";
	const details = key.asymmetricKeyDetails ?? {};
	switch (type) {
		case "rsa":
			return { algorithm: "RSA", size: details.modulusLength };
		case "rsa-pss":
			return { algorithm: "RSASSA-PSS", size: details.modulusLength };
		case "dsa":
			return { algorithm: "DSA", size: details.modulusLength };
		case "dh":
			return { algorithm: "DH", size: details.modulusLength };
		case "ec": {
			const curve = CURVES[details.namedCurve ?? ""];
			return curve
				? { algorithm: "EC", size: curve.bits, curve: curve.name }
				: { algorithm: "EC", curve: details.namedCurve };
		}
		default:
			return FIXED_SIZE[type] ?? { algorithm: "unknown" };
	}
}

export interface PublicKeyFacts extends KeyShape {
	fingerprintSha256: string;
}

/** Shape plus the SHA-256 of the canonical SPKI DER, which is what key identities are built from. */
export function publicKeyFacts(key: KeyObject): PublicKeyFacts {
	const publicKey = key.type === "private" ? createPublicKey(key) : key;
	return { ...describeKey(publicKey), fingerprintSha256: sha256Hex(spkiDer(publicKey)) };
}

export interface KeyAttributes extends Partial<PublicKeyFacts> {
	type: "private-key" | "public-key";
	format: KeyFormat;
	encoding: KeyEncoding;
	encrypted: boolean;
	sshFingerprint?: string;
	sshType?: string;
	cipher?: string;
	kdf?: string;
	kdfIterations?: number;
}

/** Fixed field order so findings read the same whatever path produced them. */
const KEY_FIELDS = [
	"type",
	"algorithm",
	"size",
	"curve",
	"format",
	"encoding",
	"encrypted",
	"fingerprintSha256",
	"sshFingerprint",
	"sshType",
	"cipher",
	"kdf",
	"kdfIterations",
] as const satisfies readonly (keyof KeyAttributes)[];

export function keyAsset(identity: string, attributes: KeyAttributes, offset: number | null): Asset {
	const key: Record<string, unknown> = {};
	for (const field of KEY_FIELDS) {
		const value = field === "algorithm" ? (attributes.algorithm ?? "unknown") : attributes[field];
		if (value !== undefined) key[field] = value;
	}
	return { kind: "key", identity, offset, crypto: { key } };
}

function derivedKeyAsset(
	key: KeyObject,
	attributes: Omit<KeyAttributes, keyof PublicKeyFacts | "encrypted">,
	offset: number | null,
): Asset {
	const facts = publicKeyFacts(key);
	return keyAsset(`key:${facts.fingerprintSha256}`, { ...attributes, ...facts, encrypted: false }, offset);
}

function toPem(label: string, der: Uint8Array): string {
	const lines =
		Buffer.from(der)
			.toString("base64")
			.match(/.{1,64}/g) ?? [];
	return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * A key whose public half gives the identity: read straight from the structure where that is possible, else
 * the private key as loaded by OpenSSL, which also has the final word on whether the structure is a key.
 */
function keyForIdentity(der: Buffer, format: "pkcs1" | "pkcs8" | "sec1" | "traditional"): KeyObject | undefined {
	const quick = format === "traditional" ? undefined : quickPublicKey(der, format);
	if (quick) return quick;
	try {
		// Node takes DER only as PKCS#1 (RSA), PKCS#8 or SEC1; OpenSSL's PEM decoder knows the DSA layout.
		return format === "traditional"
			? createPrivateKey({ key: toPem("DSA PRIVATE KEY", der), format: "pem" })
			: createPrivateKey({ key: der, format: "der", type: format });
	} catch {
		return undefined;
	}
}

export function privateKeyAsset(
	der: Buffer,
	format: "pkcs1" | "pkcs8" | "sec1" | "traditional",
	encoding: KeyEncoding,
	offset: number | null,
): Asset | undefined {
	const key = keyForIdentity(der, format);
	return key && derivedKeyAsset(key, { type: "private-key", format, encoding }, offset);
}

export function publicKeyAsset(
	der: Buffer,
	format: "pkcs1" | "spki",
	encoding: KeyEncoding,
	offset: number | null,
): Asset | undefined {
	let key = quickPublicKey(der, format === "pkcs1" ? "pkcs1-public" : "spki");
	try {
		key ??= createPublicKey({ key: der, format: "der", type: format });
	} catch {
		return format === "spki" ? unloadableSpkiAsset(der, encoding, offset) : undefined;
	}
	return derivedKeyAsset(key, { type: "public-key", format, encoding }, offset);
}

/**
 * An SPKI whose algorithm the host's OpenSSL cannot load (post-quantum keys on OpenSSL 3.0): its identity is
 * still the hash of the SPKI, and the algorithm comes from the OID.
 */
function unloadableSpkiAsset(der: Buffer, encoding: KeyEncoding, offset: number | null): Asset | undefined {
	const top = readWhole(der);
	const [algorithmId, bits] = (top && readChildren(der, top)) ?? [];
	if (algorithmId?.tag !== TAG.sequence || bits?.tag !== TAG.bitString) return undefined;
	const oid = decodeOid(der, readChildren(der, algorithmId)?.[0]);
	if (!oid) return undefined;
	// An algorithm we have no name for is still an inventory entry: its OID is what is known.
	const algorithm = KEY_ALGORITHMS[oid] ?? oid;
	const fingerprintSha256 = sha256Hex(der);
	return keyAsset(
		`key:${fingerprintSha256}`,
		{ type: "public-key", algorithm, format: "spki", encoding, encrypted: false, fingerprintSha256 },
		offset,
	);
}

/**
 * EncryptedPrivateKeyInfo (RFC 5958): the key algorithm is inside the ciphertext, but the PBE parameters are
 * readable and tell how well the key is protected.
 */
export function encryptedPkcs8Asset(der: Buffer, encoding: KeyEncoding, offset: number | null): Asset | undefined {
	const top = readWhole(der);
	const [algorithmId, data, ...extra] = (top && readChildren(der, top)) ?? [];
	if (algorithmId?.tag !== TAG.sequence || data?.tag !== TAG.octetString || extra.length > 0) return undefined;
	if (data.end - data.valueStart < 16) return undefined;
	const [schemeOid, params] = readChildren(der, algorithmId) ?? [];
	const scheme = decodeOid(der, schemeOid);
	// Other SEQUENCE-plus-OCTET-STRING structures exist (a signature's DigestInfo), so the scheme must be a PBE.
	if (!scheme || !PBE_ALGORITHMS[scheme]) return undefined;
	const attributes: KeyAttributes = { type: "private-key", format: "pkcs8-encrypted", encoding, encrypted: true };
	if (scheme === OID.pbes2 && params?.tag === TAG.sequence) {
		const [kdfId, cipherId] = readChildren(der, params) ?? [];
		const [kdfOid, kdfParams] = (kdfId && readChildren(der, kdfId)) ?? [];
		const kdf = decodeOid(der, kdfOid);
		attributes.kdf = nameOf(kdf);
		attributes.cipher = nameOf(cipherId && decodeOid(der, readChildren(der, cipherId)?.[0]));
		if (kdf === OID.pbkdf2 && kdfParams?.tag === TAG.sequence) {
			attributes.kdfIterations = decodeSmallInteger(der, readChildren(der, kdfParams)?.[1]);
		}
	} else {
		attributes.cipher = nameOf(scheme);
	}
	return keyAsset(`key:encrypted:${sha256Hex(der)}`, attributes, offset);
}

function nameOf(oid: string | undefined): string | undefined {
	return oid && (PBE_ALGORITHMS[oid] ?? oid);
}

const LEGACY_ALGORITHMS: Readonly<Record<string, string>> = {
	"RSA PRIVATE KEY": "RSA",
	"EC PRIVATE KEY": "EC",
	"DSA PRIVATE KEY": "DSA",
};

/**
 * RFC 1421-style encrypted PEM (`Proc-Type: 4,ENCRYPTED`): the body is ciphertext, so it is confirmed by its
 * headers and block-aligned length rather than parsed.
 */
export function legacyEncryptedAsset(
	label: string,
	headers: ReadonlyMap<string, string>,
	body: Buffer,
	offset: number,
): Asset | undefined {
	const dekInfo = /^([A-Za-z0-9-]+),([0-9A-Fa-f]{16,32})$/.exec(headers.get("dek-info") ?? "");
	const cipher = dekInfo?.[1];
	if (!cipher || body.length === 0) return undefined;
	// Block modes pad to the block; CFB and OFB are stream modes, any length goes.
	const streamMode = /-(CFB\d*|OFB)$/i.test(cipher);
	if (!streamMode && body.length % 8 !== 0) return undefined;
	return keyAsset(
		`key:encrypted:${sha256Hex(body)}`,
		{
			type: "private-key",
			algorithm: LEGACY_ALGORITHMS[label],
			format: "pem-legacy-encrypted",
			encoding: "pem",
			encrypted: true,
			cipher: cipher.toLowerCase(),
		},
		offset,
	);
}
