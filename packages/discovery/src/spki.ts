import type { JsonWebKey, KeyObject } from "node:crypto";
import { encodeOid, encodeTlv, encodeUnsignedInteger, TAG } from "./der.ts";
import { CURVES, OID } from "./oids.ts";

const BIT_STRING_NO_PADDING = Uint8Array.of(0);
const UNCOMPRESSED_POINT = Uint8Array.of(4);

/** SubjectPublicKeyInfo from an encoded AlgorithmIdentifier body and the subjectPublicKey bits. */
export function buildSpki(algorithm: Uint8Array, publicKey: Uint8Array): Buffer {
	return encodeTlv(
		TAG.sequence,
		encodeTlv(TAG.sequence, algorithm),
		encodeTlv(TAG.bitString, BIT_STRING_NO_PADDING, publicKey),
	);
}

const OKP_OIDS: Readonly<Record<string, string>> = {
	Ed25519: OID.ed25519,
	Ed448: OID.ed448,
	X25519: "1.3.101.110",
	X448: "1.3.101.111",
};

/** The curves Node exports as JWK, by JWK name. */
const JWK_CURVE_OIDS: Readonly<Record<string, string>> = {
	"P-256": "1.2.840.10045.3.1.7",
	"P-384": "1.3.132.0.34",
	"P-521": "1.3.132.0.35",
	secp256k1: "1.3.132.0.10",
};

const fromBase64url = (value: string | undefined) => Buffer.from(value ?? "", "base64url");

function spkiFromJwk(jwk: JsonWebKey): Buffer | undefined {
	switch (jwk.kty) {
		case "RSA": {
			const rsaKey = encodeTlv(
				TAG.sequence,
				encodeUnsignedInteger(fromBase64url(jwk.n)),
				encodeUnsignedInteger(fromBase64url(jwk.e)),
			);
			return buildSpki(Buffer.concat([encodeOid(OID.rsaEncryption), encodeTlv(TAG.null)]), rsaKey);
		}
		case "EC": {
			const curveOid = JWK_CURVE_OIDS[jwk.crv ?? ""];
			if (!curveOid) return undefined;
			const point = Buffer.concat([UNCOMPRESSED_POINT, fromBase64url(jwk.x), fromBase64url(jwk.y)]);
			return buildSpki(Buffer.concat([encodeOid(OID.ecPublicKey), encodeOid(curveOid)]), point);
		}
		case "OKP": {
			const oid = OKP_OIDS[jwk.crv ?? ""];
			return oid ? buildSpki(encodeOid(oid), fromBase64url(jwk.x)) : undefined;
		}
		default:
			return undefined;
	}
}

/** Key types Node exports as JWK; for the rest (DSA, RSA-PSS, DH, exotic curves) OpenSSL's encoder is used. */
const JWK_TYPES = new Set(["rsa", "ec", "ed25519", "ed448", "x25519", "x448"]);

/**
 * The canonical SPKI DER of a public key. OpenSSL 3's encoder costs ~140 µs per key while a JWK export costs
 * ~1 µs, so the common key types are re-encoded here; the bytes are identical (DER is canonical and OpenSSL
 * writes EC points uncompressed), which the tests check against `export({ type: "spki" })`.
 */
export function spkiDer(publicKey: KeyObject): Buffer {
	if (JWK_TYPES.has(publicKey.asymmetricKeyType ?? "")) {
		const named = publicKey.asymmetricKeyType !== "ec" || JWK_CURVE_OIDS[jwkCurve(publicKey)] !== undefined;
		const der = named ? spkiFromJwk(publicKey.export({ format: "jwk" })) : undefined;
		if (der) return der;
	}
	return publicKey.export({ type: "spki", format: "der" });
}

/** JWK names of the curves Node can export as JWK, from the OpenSSL name Node reports. */
function jwkCurve(key: KeyObject): string {
	const name = key.asymmetricKeyDetails?.namedCurve ?? "";
	return name === "secp256k1" ? name : (CURVES[name]?.name ?? "");
}
