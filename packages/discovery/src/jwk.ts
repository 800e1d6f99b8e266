/**
 * Public keys moved in and out of Node through JWK. OpenSSL 3's decoder and encoder framework costs 100-350 µs
 * per key, a JWK import or export 1-15 µs, and parsing is the hot part of a scan with many assets. The DER
 * produced here is byte-identical to OpenSSL's (DER is canonical and OpenSSL writes EC points uncompressed),
 * which the tests check; any shape not handled here goes through OpenSSL instead.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import {
	decodeOid,
	decodeSmallInteger,
	encodeOid,
	encodeTlv,
	encodeUnsignedInteger,
	readChildren,
	readTlv,
	readWhole,
	TAG,
	type Tlv,
} from "./der.ts";
import { OID } from "./oids.ts";

const BIT_STRING_NO_PADDING = Uint8Array.of(0);
const UNCOMPRESSED_POINT = 4;

/** SubjectPublicKeyInfo from an encoded AlgorithmIdentifier body and the subjectPublicKey bits. */
export function buildSpki(algorithm: Uint8Array, publicKey: Uint8Array): Buffer {
	return encodeTlv(
		TAG.sequence,
		encodeTlv(TAG.sequence, algorithm),
		encodeTlv(TAG.bitString, BIT_STRING_NO_PADDING, publicKey),
	);
}

const OKP_CURVES: Readonly<Record<string, string>> = {
	[OID.ed25519]: "Ed25519",
	[OID.ed448]: "Ed448",
	[OID.x25519]: "X25519",
	[OID.x448]: "X448",
};

/** The EC curves Node imports and exports as JWK, by OID, with their coordinate size in bytes. */
const EC_CURVES: Readonly<Record<string, { crv: string; coordinate: number }>> = {
	[OID.p256]: { crv: "P-256", coordinate: 32 },
	[OID.p384]: { crv: "P-384", coordinate: 48 },
	[OID.p521]: { crv: "P-521", coordinate: 66 },
	[OID.secp256k1]: { crv: "secp256k1", coordinate: 32 },
};

/** AlgorithmIdentifier bodies by JWK curve name, encoded once: re-encoding OIDs per key showed up in profiles. */
const RSA_ALGORITHM = Buffer.concat([encodeOid(OID.rsaEncryption), encodeTlv(TAG.null)]);
const EC_ALGORITHMS: Readonly<Record<string, Buffer>> = Object.fromEntries(
	Object.entries(EC_CURVES).map(([oid, { crv }]) => [crv, Buffer.concat([encodeOid(OID.ecPublicKey), encodeOid(oid)])]),
);
const OKP_ALGORITHMS: Readonly<Record<string, Buffer>> = Object.fromEntries(
	Object.entries(OKP_CURVES).map(([oid, crv]) => [crv, encodeOid(oid)]),
);

/** Unsigned big-endian magnitude without leading zeros, as JWK wants it (DER INTEGERs and SSH mpints may carry a sign byte). */
function magnitude(bytes: Buffer): Buffer {
	let start = 0;
	while (start < bytes.length - 1 && bytes[start] === 0) start++;
	return bytes.subarray(start);
}

export function rsaPublicKey(n: Buffer, e: Buffer): KeyObject {
	const jwk = { kty: "RSA", n: magnitude(n).toString("base64url"), e: magnitude(e).toString("base64url") };
	return createPublicKey({ key: jwk, format: "jwk" });
}

/** Undefined for curves JWK cannot name and for compressed points, which OpenSSL then handles. */
export function ecPublicKey(curveOid: string, point: Buffer): KeyObject | undefined {
	const curve = EC_CURVES[curveOid];
	if (!curve || point[0] !== UNCOMPRESSED_POINT || point.length !== 1 + 2 * curve.coordinate) return undefined;
	const x = point.subarray(1, 1 + curve.coordinate).toString("base64url");
	const y = point.subarray(1 + curve.coordinate).toString("base64url");
	// Import checks that the point is on the curve.
	return createPublicKey({ key: { kty: "EC", crv: curve.crv, x, y }, format: "jwk" });
}

export function okpPublicKey(crv: string, x: Buffer): KeyObject | undefined {
	return OKP_ALGORITHMS[crv]
		? createPublicKey({ key: { kty: "OKP", crv, x: x.toString("base64url") }, format: "jwk" })
		: undefined;
}

const fromBase64url = (value: string | undefined) => Buffer.from(value ?? "", "base64url");

function spkiFromJwk(jwk: JsonWebKey): Buffer | undefined {
	switch (jwk.kty) {
		case "RSA": {
			const rsaKey = encodeTlv(
				TAG.sequence,
				encodeUnsignedInteger(fromBase64url(jwk.n)),
				encodeUnsignedInteger(fromBase64url(jwk.e)),
			);
			return buildSpki(RSA_ALGORITHM, rsaKey);
		}
		case "EC": {
			const algorithm = EC_ALGORITHMS[jwk.crv ?? ""];
			if (!algorithm) return undefined;
			const point = Buffer.concat([Uint8Array.of(UNCOMPRESSED_POINT), fromBase64url(jwk.x), fromBase64url(jwk.y)]);
			return buildSpki(algorithm, point);
		}
		case "OKP": {
			const algorithm = OKP_ALGORITHMS[jwk.crv ?? ""];
			return algorithm ? buildSpki(algorithm, fromBase64url(jwk.x)) : undefined;
		}
		default:
			return undefined;
	}
}

/** Key types Node exports as JWK (EC only on the curves above, checked through the export itself). */
const JWK_TYPES = new Set(["rsa", "ec", "ed25519", "ed448", "x25519", "x448"]);

/** The canonical SPKI DER of a public key. */
export function spkiDer(publicKey: KeyObject): Buffer {
	if (JWK_TYPES.has(publicKey.asymmetricKeyType ?? "")) {
		try {
			const der = spkiFromJwk(publicKey.export({ format: "jwk" }));
			if (der) return der;
		} catch {
			// Curves without a JWK name (brainpool and others) fall through to OpenSSL's encoder.
		}
	}
	return publicKey.export({ type: "spki", format: "der" });
}

function integer(der: Buffer, tlv: Tlv | undefined): Buffer {
	if (tlv?.tag !== TAG.integer) throw new RangeError("expected INTEGER");
	return der.subarray(tlv.valueStart, tlv.end);
}

const toBigInt = (bytes: Buffer) => BigInt(`0x${bytes.toString("hex") || "0"}`);

/** RSAPrivateKey (RFC 8017): confirmed by n = p·q, a check OpenSSL does not even make on load. */
function fromRsaPrivate(der: Buffer, top: Tlv): KeyObject | undefined {
	const fields = readChildren(der, top);
	if (fields?.length !== 9 || decodeSmallInteger(der, fields[0]) !== 0) return undefined;
	const [n, e, , p, q] = fields.slice(1, 6).map((field) => integer(der, field)) as [
		Buffer,
		Buffer,
		Buffer,
		Buffer,
		Buffer,
	];
	if (toBigInt(n) !== toBigInt(p) * toBigInt(q)) return undefined;
	return rsaPublicKey(n, e);
}

function fromRsaPublic(der: Buffer, top: Tlv | undefined): KeyObject | undefined {
	const fields = top && readChildren(der, top);
	if (fields?.length !== 2) return undefined;
	return rsaPublicKey(integer(der, fields[0]), integer(der, fields[1]));
}

/** The contents of a BIT STRING with no unused bits, which is how every key encodes it. */
function bitStringBytes(der: Buffer, tlv: Tlv | undefined): Buffer | undefined {
	if (tlv?.tag !== TAG.bitString || der[tlv.valueStart] !== 0) return undefined;
	return der.subarray(tlv.valueStart + 1, tlv.end);
}

/** ECPrivateKey (RFC 5915): only when it carries its public key, which OpenSSL always writes. */
function fromSec1(der: Buffer, top: Tlv, curveFromAlgorithm?: string): KeyObject | undefined {
	const fields = readChildren(der, top);
	if (!fields || decodeSmallInteger(der, fields[0]) !== 1 || fields[1]?.tag !== TAG.octetString) return undefined;
	const explicit = (tag: number) => {
		const field = fields.find((candidate) => candidate.tag === tag);
		return field && readTlv(der, field.valueStart, field.end);
	};
	const curveOid = decodeOid(der, explicit(TAG.context0)) ?? curveFromAlgorithm;
	const point = bitStringBytes(der, explicit(TAG.context1));
	return curveOid && point ? ecPublicKey(curveOid, point) : undefined;
}

function algorithmOf(der: Buffer, algorithmId: Tlv | undefined): { oid?: string; parameters?: Tlv } {
	if (algorithmId?.tag !== TAG.sequence) return {};
	const [oid, parameters] = readChildren(der, algorithmId) ?? [];
	return { oid: decodeOid(der, oid), parameters };
}

function fromSpki(der: Buffer, top: Tlv): KeyObject | undefined {
	const [algorithmId, bits] = readChildren(der, top) ?? [];
	const { oid, parameters } = algorithmOf(der, algorithmId);
	const key = bitStringBytes(der, bits);
	if (!oid || !key) return undefined;
	if (oid === OID.rsaEncryption) return fromRsaPublic(key, readWhole(key));
	if (oid === OID.ecPublicKey) {
		const curveOid = decodeOid(der, parameters);
		return curveOid ? ecPublicKey(curveOid, key) : undefined;
	}
	const crv = OKP_CURVES[oid];
	return crv ? okpPublicKey(crv, key) : undefined;
}

/** PrivateKeyInfo wrapping an RSA or EC key; other algorithms need OpenSSL to derive their public key. */
function fromPkcs8(der: Buffer, top: Tlv): KeyObject | undefined {
	const [version, algorithmId, privateKey] = readChildren(der, top) ?? [];
	if (decodeSmallInteger(der, version) === undefined || privateKey?.tag !== TAG.octetString) return undefined;
	const { oid, parameters } = algorithmOf(der, algorithmId);
	const inner = der.subarray(privateKey.valueStart, privateKey.end);
	const innerTop = readWhole(inner);
	if (innerTop?.tag !== TAG.sequence) return undefined;
	if (oid === OID.rsaEncryption) return fromRsaPrivate(inner, innerTop);
	if (oid === OID.ecPublicKey) return fromSec1(inner, innerTop, decodeOid(der, parameters));
	return undefined;
}

export type KeyStructure = "spki" | "pkcs1-public" | "pkcs1" | "sec1" | "pkcs8";

/**
 * The public key of a key structure without going through OpenSSL's decoder, or undefined when the shape is
 * not one handled here (the caller then asks OpenSSL, which also has the final word on malformed input).
 */
export function quickPublicKey(der: Buffer, structure: KeyStructure): KeyObject | undefined {
	const top = readWhole(der);
	if (top?.tag !== TAG.sequence) return undefined;
	try {
		switch (structure) {
			case "spki":
				return fromSpki(der, top);
			case "pkcs1-public":
				return fromRsaPublic(der, top);
			case "pkcs1":
				return fromRsaPrivate(der, top);
			case "sec1":
				return fromSec1(der, top);
			case "pkcs8":
				return fromPkcs8(der, top);
		}
	} catch {
		return undefined;
	}
}
