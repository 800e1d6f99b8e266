import { decodeSmallInteger, readChildren, readTlv, TAG, type Tlv } from "./der.ts";
import { encryptedPkcs8Asset, privateKeyAsset, publicKeyAsset, sha256Hex } from "./keys.ts";
import { memoized } from "./memo.ts";
import type { Asset } from "./types.ts";
import { certificateAsset, pkcs7CertificateAssets } from "./x509.ts";

/**
 * Extensions whose files are DER even when followed by stray bytes (editors add newlines, some tools pad).
 * Elsewhere a file is treated as DER only when one SEQUENCE spans it exactly.
 */
const DER_EXTENSIONS = new Set([
	"der",
	"cer",
	"crt",
	"cert",
	"key",
	"p8",
	"pk8",
	"pub",
	"p7b",
	"p7c",
	"p7s",
	"p7m",
	"spc",
	"rsa",
	"dsa",
	"ec",
]);

function tagsAre(children: Tlv[], ...tags: number[]): boolean {
	return children.length === tags.length && children.every((child, i) => child.tag === tags[i]);
}

/** RSAPublicKey is just two INTEGERs, as is an ECDSA signature; a real key has a big modulus and a small exponent. */
function looksLikeRsaPublicKey(modulus: Tlv, exponent: Tlv): boolean {
	return modulus.end - modulus.valueStart >= 64 && exponent.end - exponent.valueStart <= 5;
}

/** Classifies a DER structure by its shape (section B.3) and confirms it with the matching parser. */
function classify(der: Buffer, top: Tlv): Asset[] {
	const children = readChildren(der, top);
	const [first, second, third] = children ?? [];
	if (!children || !first) return [];
	if (tagsAre(children, TAG.sequence, TAG.sequence, TAG.bitString)) return found(certificateAsset(der, "der", null));
	if (first.tag === TAG.oid) return pkcs7CertificateAssets(der, "der", null);
	if (tagsAre(children, TAG.sequence, TAG.bitString)) return found(publicKeyAsset(der, "spki", "der", null));
	if (tagsAre(children, TAG.sequence, TAG.octetString)) return found(encryptedPkcs8Asset(der, "der", null));
	if (first.tag !== TAG.integer) return [];
	const version = decodeSmallInteger(der, first);
	if ((version === 0 || version === 1) && second?.tag === TAG.sequence && third?.tag === TAG.octetString) {
		return found(privateKeyAsset(der, "pkcs8", "der", null));
	}
	if (version === 1 && second?.tag === TAG.octetString) return found(privateKeyAsset(der, "sec1", "der", null));
	if (!children.every((child) => child.tag === TAG.integer)) return [];
	if (version === 0 && children.length === 9) return found(privateKeyAsset(der, "pkcs1", "der", null));
	if (version === 0 && children.length === 6) return found(privateKeyAsset(der, "traditional", "der", null));
	if (children.length === 2 && second && looksLikeRsaPublicKey(first, second)) {
		return found(publicKeyAsset(der, "pkcs1", "der", null));
	}
	return [];
}

function found(asset: Asset | undefined): Asset[] {
	return asset ? [asset] : [];
}

/** Certificates and keys in a DER file, or nothing when the file is not one DER structure. */
export function derFileAssets(bytes: Buffer, extension: string): Asset[] {
	const top = readTlv(bytes, 0);
	if (top?.tag !== TAG.sequence) return [];
	if (top.end !== bytes.length && !DER_EXTENSIONS.has(extension)) return [];
	const der = bytes.subarray(0, top.end);
	return memoized(`der\0${sha256Hex(der)}`, null, () => classify(der, top));
}
