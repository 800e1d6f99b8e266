import { readWhole } from "./der.ts";
import { findTokens } from "./jwt.ts";
import { encryptedPkcs8Asset, legacyEncryptedAsset, privateKeyAsset, publicKeyAsset } from "./keys.ts";
import { findPemBlocks, type PemBlock } from "./pem.ts";
import { findSshPublicKeys, opensshPrivateKeyAssets } from "./ssh.ts";
import type { Asset } from "./types.ts";
import { certificateAsset, pkcs7CertificateAssets } from "./x509.ts";

/**
 * Literal anchors every candidate contains. Searching the raw bytes for them is far cheaper than decoding
 * the file and running regexes, and almost every file has none.
 */
const PEM_ANCHOR = Buffer.from("-----BEGIN ", "latin1");
const SSH_ANCHOR = Buffer.from("ssh-", "latin1");
const ECDSA_ANCHOR = Buffer.from("ecdsa-sha2-", "latin1");
const JWT_ANCHOR = Buffer.from("eyJ", "latin1");

/** `sk-` may precede an SSH type name, so SSH scanning starts this far before its anchor. */
const SK_PREFIX_LENGTH = 3;

function found(asset: Asset | undefined): Asset[] {
	return asset ? [asset] : [];
}

const PRIVATE_KEY_FORMATS: Readonly<Record<string, "pkcs1" | "sec1" | "traditional">> = {
	"RSA PRIVATE KEY": "pkcs1",
	"EC PRIVATE KEY": "sec1",
	"DSA PRIVATE KEY": "traditional",
};

function pemBlockAssets({ label, offset, headers, body }: PemBlock): Asset[] {
	switch (label) {
		case "TRUSTED CERTIFICATE":
			return found(certificateAsset(body, "pem", offset, true));
		case "CERTIFICATE":
		case "X509 CERTIFICATE":
			return found(certificateAsset(body, "pem", offset));
		case "PKCS7":
		case "CMS":
			return pkcs7CertificateAssets(body, "pem", offset);
		case "OPENSSH PRIVATE KEY":
			return opensshPrivateKeyAssets(body, offset);
	}
	const legacyFormat = PRIVATE_KEY_FORMATS[label];
	if (legacyFormat && headers.get("proc-type")?.toUpperCase() === "4,ENCRYPTED") {
		return found(legacyEncryptedAsset(label, headers, body, offset));
	}
	// Every remaining label holds exactly one DER structure; trailing bytes mean it is not what it claims.
	if (!readWhole(body)) return [];
	if (legacyFormat) return found(privateKeyAsset(body, legacyFormat, "pem", offset));
	switch (label) {
		case "PRIVATE KEY":
			return found(privateKeyAsset(body, "pkcs8", "pem", offset));
		case "ENCRYPTED PRIVATE KEY":
			return found(encryptedPkcs8Asset(body, "pem", offset));
		case "PUBLIC KEY":
			return found(publicKeyAsset(body, "spki", "pem", offset));
		case "RSA PUBLIC KEY":
			return found(publicKeyAsset(body, "pkcs1", "pem", offset));
		default:
			return [];
	}
}

function firstOf(...positions: number[]): number {
	const hits = positions.filter((position) => position !== -1);
	return hits.length > 0 ? Math.min(...hits) : -1;
}

/** PEM blocks, SSH public keys and JWT/JWE tokens in a text file. Offsets are byte offsets into `bytes`. */
export function textAssets(bytes: Buffer): Asset[] {
	const pemAt = bytes.indexOf(PEM_ANCHOR);
	const sshAt = firstOf(bytes.indexOf(SSH_ANCHOR), bytes.indexOf(ECDSA_ANCHOR));
	const jwtAt = bytes.indexOf(JWT_ANCHOR);
	if (pemAt === -1 && sshAt === -1 && jwtAt === -1) return [];
	// latin1 maps each byte to one character, so string offsets stay byte offsets; every anchor is ASCII.
	const text = bytes.toString("latin1");
	const assets: Asset[] = [];
	if (pemAt !== -1) assets.push(...findPemBlocks(text, pemAt).flatMap(pemBlockAssets));
	if (sshAt !== -1) assets.push(...findSshPublicKeys(text, Math.max(0, sshAt - SK_PREFIX_LENGTH)));
	if (jwtAt !== -1) assets.push(...findTokens(text, jwtAt));
	return assets;
}
