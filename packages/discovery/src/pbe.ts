import { createDecipheriv, hash, pbkdf2Sync } from "node:crypto";
import { decodeOid, decodeSmallInteger, readChildren, TAG, type Tlv } from "./der.ts";
import { utf16be } from "./keystore.ts";
import { OID, PBE_ALGORITHMS } from "./oids.ts";

/** Input block sizes (v in RFC 7292 appendix B) of the digests PKCS#12 uses. */
const BLOCK_SIZES: Readonly<Record<string, number>> = {
	sha1: 64,
	sha224: 64,
	sha256: 64,
	sha384: 128,
	sha512: 128,
	"sha512-224": 128,
	"sha512-256": 128,
};

/**
 * Iteration counts above this are not tried: each password costs one hash per iteration in JavaScript (about
 * 1 µs), and a crafted store could otherwise ask for billions.
 */
export const MAX_ITERATIONS = 100_000;

export const KDF_ID = { key: 1, iv: 2, mac: 3 } as const;

function repeatTo(source: Buffer, length: number): Buffer {
	const out = Buffer.alloc(length);
	for (let i = 0; i < length; i++) out[i] = source[i % source.length] as number;
	return out;
}

/** Concatenated copies of `source` filling a whole number of v-byte blocks (none for an empty source). */
function fillBlocks(source: Buffer, v: number): Buffer {
	return source.length === 0 ? Buffer.alloc(0) : repeatTo(source, v * Math.ceil(source.length / v));
}

/**
 * The PKCS#12 key derivation (RFC 7292 appendix B.2) over any digest: OpenSSL 3 and Java both derive SHA-256
 * MAC keys with it. `password` is already in BMPString form, with its two-byte terminator.
 */
export function pkcs12Kdf(
	digest: string,
	password: Buffer,
	salt: Buffer,
	id: number,
	iterations: number,
	length: number,
): Buffer | undefined {
	const v = BLOCK_SIZES[digest];
	if (v === undefined) return undefined;
	const diversifier = Buffer.alloc(v, id);
	const input = Buffer.concat([fillBlocks(salt, v), fillBlocks(password, v)]);
	const out = Buffer.alloc(length);
	for (let produced = 0; ; ) {
		let block = hash(digest, Buffer.concat([diversifier, input]), "buffer");
		for (let round = 1; round < iterations; round++) block = hash(digest, block, "buffer");
		produced += block.copy(out, produced);
		if (produced >= length) return out;
		const b = repeatTo(block, v);
		for (let j = 0; j < input.length; j += v) {
			let carry = 1;
			for (let k = v - 1; k >= 0; k--) {
				const sum = (input[j + k] as number) + (b[k] as number) + carry;
				input[j + k] = sum & 0xff;
				carry = sum >> 8;
			}
		}
	}
}

const PBES2_CIPHERS: Readonly<Record<string, { name: string; keyLength: number }>> = {
	"2.16.840.1.101.3.4.1.2": { name: "aes-128-cbc", keyLength: 16 },
	"2.16.840.1.101.3.4.1.22": { name: "aes-192-cbc", keyLength: 24 },
	"2.16.840.1.101.3.4.1.42": { name: "aes-256-cbc", keyLength: 32 },
	"1.2.840.113549.3.7": { name: "des-ede3-cbc", keyLength: 24 },
};

const PBKDF2_PRFS: Readonly<Record<string, string>> = {
	"1.2.840.113549.2.7": "sha1",
	"1.2.840.113549.2.8": "sha224",
	"1.2.840.113549.2.9": "sha256",
	"1.2.840.113549.2.10": "sha384",
	"1.2.840.113549.2.11": "sha512",
};

/** RFC 7292 appendix C: the 3-key and 2-key Triple-DES schemes, SHA-1 derived. RC2 and RC4 need OpenSSL's legacy provider. */
const PKCS12_PBE_CIPHERS: Readonly<Record<string, { name: string; keyLength: number }>> = {
	[OID.pbeSha1TripleDes3Key]: { name: "des-ede3-cbc", keyLength: 24 },
	[OID.pbeSha1TripleDes2Key]: { name: "des-ede-cbc", keyLength: 16 },
};

export interface PbeScheme {
	/** E.g. `PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc` or `pbeWithSHAAnd40BitRC2-CBC`. */
	name: string;
	iterations?: number;
	decrypt?: (password: string) => Buffer | undefined;
}

function nameOf(oid: string | undefined): string {
	return oid === undefined ? "unknown" : (PBE_ALGORITHMS[oid] ?? oid);
}

function decipher(cipher: string, key: Buffer, iv: Buffer, data: Buffer): Buffer | undefined {
	try {
		const engine = createDecipheriv(cipher, key, iv);
		return Buffer.concat([engine.update(data), engine.final()]);
	} catch {
		// Wrong password: the padding check fails (or, 1 time in 256, the DER check after it does).
		return undefined;
	}
}

function octets(bytes: Buffer, tlv: Tlv | undefined): Buffer | undefined {
	return tlv?.tag === TAG.octetString ? bytes.subarray(tlv.valueStart, tlv.end) : undefined;
}

function pbes2(bytes: Buffer, params: Tlv | undefined, ciphertext: Buffer): PbeScheme {
	const [kdfId, cipherId] = (params && readChildren(bytes, params)) ?? [];
	const [kdfOid, kdfParams] = (kdfId && readChildren(bytes, kdfId)) ?? [];
	const [cipherOid, ivTlv] = (cipherId && readChildren(bytes, cipherId)) ?? [];
	const kdf = decodeOid(bytes, kdfOid);
	const cipherName = decodeOid(bytes, cipherOid);
	if (kdf !== OID.pbkdf2 || kdfParams?.tag !== TAG.sequence) {
		return { name: `PBES2/${nameOf(kdf)}/${nameOf(cipherName)}` };
	}
	const [saltTlv, iterationsTlv, ...rest] = readChildren(bytes, kdfParams) ?? [];
	const keyLength = rest[0]?.tag === TAG.integer ? decodeSmallInteger(bytes, rest[0]) : undefined;
	const prfId = rest.find((field) => field.tag === TAG.sequence);
	const prfOid = prfId ? decodeOid(bytes, readChildren(bytes, prfId)?.[0]) : "1.2.840.113549.2.7";
	const iterations = decodeSmallInteger(bytes, iterationsTlv);
	const name = `PBES2/PBKDF2-${nameOf(prfOid)}/${nameOf(cipherName)}`;
	const cipher = cipherName && PBES2_CIPHERS[cipherName];
	const digest = prfOid && PBKDF2_PRFS[prfOid];
	const salt = octets(bytes, saltTlv);
	const iv = octets(bytes, ivTlv);
	if (!cipher || !digest || !salt || !iv || !iterations || iterations > MAX_ITERATIONS) return { name, iterations };
	return {
		name,
		iterations,
		decrypt: (password) => {
			const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, keyLength ?? cipher.keyLength, digest);
			return decipher(cipher.name, key, iv, ciphertext);
		},
	};
}

/** PKCS#12 passwords are BMPStrings with a two-byte terminator; an empty one is sometimes encoded as nothing. */
export function bmpPasswords(password: string): Buffer[] {
	const bmp = Buffer.concat([utf16be(password), Buffer.alloc(2)]);
	return password === "" ? [bmp, Buffer.alloc(0)] : [bmp];
}

function pkcs12Pbe(bytes: Buffer, oid: string, params: Tlv | undefined, ciphertext: Buffer): PbeScheme {
	const [saltTlv, iterationsTlv] = (params && readChildren(bytes, params)) ?? [];
	const iterations = decodeSmallInteger(bytes, iterationsTlv);
	const name = nameOf(oid);
	const cipher = PKCS12_PBE_CIPHERS[oid];
	const salt = octets(bytes, saltTlv);
	if (!cipher || !salt || !iterations || iterations > MAX_ITERATIONS) return { name, iterations };
	return {
		name,
		iterations,
		decrypt: (password) => {
			for (const encoded of bmpPasswords(password)) {
				const key = pkcs12Kdf("sha1", encoded, salt, KDF_ID.key, iterations, cipher.keyLength);
				const iv = pkcs12Kdf("sha1", encoded, salt, KDF_ID.iv, iterations, 8);
				const plain = key && iv && decipher(cipher.name, key, iv, ciphertext);
				if (plain) return plain;
			}
			return undefined;
		},
	};
}

/** Names a password-based encryption AlgorithmIdentifier and, where Node can run it, offers to decrypt. */
export function pbeScheme(bytes: Buffer, algorithmId: Tlv, ciphertext: Buffer): PbeScheme {
	const [oidTlv, params] = readChildren(bytes, algorithmId) ?? [];
	const oid = decodeOid(bytes, oidTlv);
	if (oid === OID.pbes2) return pbes2(bytes, params, ciphertext);
	if (oid && oid in PBE_ALGORITHMS) return pkcs12Pbe(bytes, oid, params, ciphertext);
	return { name: nameOf(oid) };
}
