import { X509Certificate } from "node:crypto";
import { decodeOid, decodeTime, readChildren, readTlv, readWhole, TAG, type Tlv } from "./der.ts";
import { type PublicKeyFacts, publicKeyFacts, sha256Hex } from "./keys.ts";
import { KEY_ALGORITHMS, OID, SIGNATURE_ALGORITHMS } from "./oids.ts";
import type { Asset } from "./types.ts";

/** The parts of a certificate Node's X509Certificate does not expose, read straight from the DER. */
interface CertificateLayout {
	version: number;
	signatureAlgorithmOid?: string;
	notValidBefore?: string;
	notValidAfter?: string;
	spki: Buffer;
}

function readLayout(der: Buffer, cert: Tlv): CertificateLayout | undefined {
	const [tbs, signatureAlgorithm, signature] = readChildren(der, cert) ?? [];
	if (tbs?.tag !== TAG.sequence || signatureAlgorithm?.tag !== TAG.sequence || signature?.tag !== TAG.bitString) {
		return undefined;
	}
	const fields = readChildren(der, tbs);
	if (!fields) return undefined;
	// v1 certificates omit the explicit [0] version and start with the serial number.
	const hasVersion = fields[0]?.tag === TAG.context0;
	const versionField = hasVersion ? fields[0] && readTlv(der, fields[0].valueStart, fields[0].end) : undefined;
	const version = versionField ? (der[versionField.valueStart] as number) + 1 : 1;
	const [, , , validity, , spki] = hasVersion ? fields.slice(1) : fields;
	if (validity?.tag !== TAG.sequence || spki?.tag !== TAG.sequence) return undefined;
	const [notBefore, notAfter] = readChildren(der, validity) ?? [];
	return {
		version,
		signatureAlgorithmOid: decodeOid(der, readChildren(der, signatureAlgorithm)?.[0]),
		notValidBefore: decodeTime(der, notBefore),
		notValidAfter: decodeTime(der, notAfter),
		spki: der.subarray(spki.start, spki.end),
	};
}

/**
 * Node prints distinguished names one attribute per line, in encoding order, and gives `undefined` for an empty
 * name (a certificate whose subject is an empty sequence, common in test data and some CA tooling).
 */
function formatName(name: string | undefined): string {
	return (name ?? "").split("\n").filter(Boolean).join(", ");
}

function subjectPublicKey(cert: X509Certificate, spki: Buffer): Partial<PublicKeyFacts> {
	try {
		return publicKeyFacts(cert.publicKey);
	} catch {
		// OpenSSL 3.0 cannot load post-quantum keys; the OID still names the algorithm.
		const algorithmId = readTlv(spki, readTlv(spki, 0)?.valueStart ?? 0);
		const oid = algorithmId && decodeOid(spki, readTlv(spki, algorithmId.valueStart, algorithmId.end));
		return {
			algorithm: (oid && KEY_ALGORITHMS[oid]) ?? oid ?? "unknown",
			...(oid ? { algorithmOid: oid } : {}),
			fingerprintSha256: sha256Hex(spki),
		};
	}
}

function isSelfSigned(cert: X509Certificate): boolean {
	if (cert.issuer !== cert.subject) return false;
	try {
		return cert.verify(cert.publicKey);
	} catch {
		return false;
	}
}

/**
 * A certificate from DER. `allowTrailing` is for OpenSSL's TRUSTED CERTIFICATE, which appends trust settings
 * after the certificate; everywhere else the certificate must be the whole input.
 */
export function certificateAsset(
	bytes: Buffer,
	encoding: "pem" | "der",
	offset: number | null,
	allowTrailing = false,
): Asset | undefined {
	const top = allowTrailing ? readTlv(bytes, 0) : readWhole(bytes);
	if (top?.tag !== TAG.sequence) return undefined;
	const der = bytes.subarray(0, top.end);
	const layout = readLayout(der, top);
	if (!layout) return undefined;
	const fingerprintSha256 = sha256Hex(der);
	const oid = layout.signatureAlgorithmOid;
	let cert: X509Certificate;
	try {
		cert = new X509Certificate(der);
	} catch {
		// OpenSSL refuses some structurally sound certificates (unknown critical encodings, odd names): what the
		// DER says is still an inventory entry, marked as partly read.
		return partialCertificateAsset(layout, der, fingerprintSha256, encoding, offset);
	}
	const x509 = {
		subject: formatName(cert.subject),
		issuer: formatName(cert.issuer),
		serialNumber: cert.serialNumber,
		notValidBefore: layout.notValidBefore,
		notValidAfter: layout.notValidAfter,
		version: layout.version,
		publicKey: subjectPublicKey(cert, layout.spki),
		signatureAlgorithm: (oid && SIGNATURE_ALGORITHMS[oid]) ?? oid ?? "unknown",
		signatureAlgorithmOid: oid,
		fingerprintSha256,
		selfSigned: isSelfSigned(cert),
		isCa: cert.ca,
		encoding,
	};
	return { kind: "x509", identity: `x509:${fingerprintSha256}`, offset, crypto: { x509 } };
}

function partialCertificateAsset(
	layout: CertificateLayout,
	der: Buffer,
	fingerprintSha256: string,
	encoding: "pem" | "der",
	offset: number | null,
): Asset {
	const oid = layout.signatureAlgorithmOid;
	const algorithmId = readTlv(layout.spki, readTlv(layout.spki, 0)?.valueStart ?? 0);
	const keyOid = algorithmId && decodeOid(layout.spki, readTlv(layout.spki, algorithmId.valueStart, algorithmId.end));
	const x509 = {
		subject: "",
		issuer: "",
		notValidBefore: layout.notValidBefore,
		notValidAfter: layout.notValidAfter,
		version: layout.version,
		publicKey: {
			algorithm: (keyOid && KEY_ALGORITHMS[keyOid]) ?? keyOid ?? "unknown",
			...(keyOid ? { algorithmOid: keyOid } : {}),
			fingerprintSha256: sha256Hex(layout.spki),
		},
		signatureAlgorithm: (oid && SIGNATURE_ALGORITHMS[oid]) ?? oid ?? "unknown",
		signatureAlgorithmOid: oid,
		fingerprintSha256,
		encoding,
		parsed: "partial",
		size: der.length,
	};
	return { kind: "x509", identity: `x509:${fingerprintSha256}`, offset, crypto: { x509 } };
}

/**
 * Certificates carried in PKCS#7 / CMS: a SignedData's certificates (`.p7b`/`.p7c` bundles, `.p7s`/`.p7m`
 * signatures, signed-JAR signature blocks), and those of an EnvelopedData's or AuthenticatedData's
 * originatorInfo where present.
 */
export function pkcs7CertificateAssets(der: Buffer, encoding: "pem" | "der", offset: number | null): Asset[] {
	const top = readWhole(der);
	const [contentType, explicitContent] = (top && readChildren(der, top)) ?? [];
	if (explicitContent?.tag !== TAG.context0) return [];
	const content = readTlv(der, explicitContent.valueStart, explicitContent.end);
	if (content?.tag !== TAG.sequence) return [];
	const fields = readChildren(der, content) ?? [];
	let certificates: Tlv | undefined;
	switch (decodeOid(der, contentType)) {
		case OID.pkcs7SignedData:
			certificates = fields.find((field) => field.tag === TAG.context0);
			break;
		case OID.pkcs7EnvelopedData:
		case OID.cmsAuthenticatedData: {
			// originatorInfo [0] IMPLICIT SEQUENCE { certs [0] IMPLICIT CertificateSet OPTIONAL, crls [1] … }
			const originator = fields.find((field) => field.tag === TAG.context0);
			certificates = originator && readChildren(der, originator)?.find((field) => field.tag === TAG.context0);
			break;
		}
	}
	if (!certificates) return [];
	return (readChildren(der, certificates) ?? []).flatMap((cert) => {
		const asset = cert.tag === TAG.sequence && certificateAsset(der.subarray(cert.start, cert.end), encoding, offset);
		return asset ? [asset] : [];
	});
}
