import { createPrivateKey, createPublicKey } from "node:crypto";
import { readWhole } from "./der.ts";
import { findTokens } from "./jwt.ts";
import { encryptedPkcs8Asset, legacyEncryptedAsset, privateKeyAsset, publicKeyAsset, sha256Hex } from "./keys.ts";
import { memoized } from "./memo.ts";
import { findPemBlocks, type PemBlock } from "./pem.ts";
import type { Scan } from "./scan.ts";
import { findSshPublicKeys, opensshPrivateKeyAssets } from "./ssh.ts";
import type { Asset } from "./types.ts";
import { certificateAsset, pkcs7CertificateAssets } from "./x509.ts";

/**
 * Literal anchors every candidate contains, searched in the raw bytes before anything is decoded: almost
 * every file has none. Node's Buffer search runs memchr on a needle's first byte, so each needle starts with
 * a byte that is rare in source code and the cheap remaining checks happen on the few hits.
 */
const PEM_ANCHOR = Buffer.from("BEGIN ", "latin1");
const PEM_DASHES = "-----".length;
/** Base64 of the length-prefixed type name in every `ssh-*` key blob ("NzaC1" is "ssh-" shifted into base64). */
const SSH_ANCHOR = Buffer.from("NzaC1", "latin1");
/** Base64 of "dsa-sh" in every `ecdsa-sha2-*` and `sk-ecdsa-sha2-*` blob. */
const ECDSA_ANCHOR = Buffer.from("ZHNhLX", "latin1");
/** JSON headers start with `{"`, which encodes to `eyJ`; its `J` is far rarer in code than its `e`. */
const JWT_J = 0x4a;
const DASH = 0x2d;
const LOWER_E = 0x65;
const LOWER_Y = 0x79;
const NEWLINE = 0x0a;

/** SSH anchors sit in the key blob; the type name before it is on the same line. */
function lineStartBefore(bytes: Buffer, at: number): number {
	return at === -1 ? -1 : bytes.lastIndexOf(NEWLINE, at) + 1;
}

function findPemAnchor(bytes: Buffer): number {
	for (let at = bytes.indexOf(PEM_ANCHOR); at !== -1; at = bytes.indexOf(PEM_ANCHOR, at + 1)) {
		if (at >= PEM_DASHES && bytes[at - 1] === DASH && bytes[at - PEM_DASHES] === DASH) return at - PEM_DASHES;
	}
	return -1;
}

function findJwtAnchor(bytes: Buffer): number {
	for (let at = bytes.indexOf(JWT_J, 2); at !== -1; at = bytes.indexOf(JWT_J, at + 1)) {
		if (bytes[at - 1] === LOWER_Y && bytes[at - 2] === LOWER_E) return at - 2;
	}
	return -1;
}

function found(asset: Asset | undefined): Asset[] {
	return asset ? [asset] : [];
}

const PRIVATE_KEY_FORMATS: Readonly<Record<string, "pkcs1" | "sec1" | "traditional">> = {
	"RSA PRIVATE KEY": "pkcs1",
	"EC PRIVATE KEY": "sec1",
	"DSA PRIVATE KEY": "traditional",
};

function parsePemBlock({ label, offset, headers, body }: PemBlock): Asset[] {
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
	// Every remaining label holds exactly one DER structure; anything else is read only if OpenSSL reads it.
	const der = readWhole(body) ? body : reencodedKey(label, body);
	if (!der) return [];
	if (legacyFormat) return found(privateKeyAsset(der, legacyFormat, "pem", offset));
	switch (label) {
		case "PRIVATE KEY":
			return found(privateKeyAsset(der, "pkcs8", "pem", offset));
		case "ENCRYPTED PRIVATE KEY":
			return found(encryptedPkcs8Asset(der, "pem", offset));
		case "PUBLIC KEY":
			return found(publicKeyAsset(der, "spki", "pem", offset));
		case "RSA PUBLIC KEY":
			return found(publicKeyAsset(der, "pkcs1", "pem", offset));
		default:
			return [];
	}
}

const KEY_ENCODINGS: Readonly<
	Record<string, { type: "spki" | "pkcs1" | "pkcs8" | "sec1"; side: "public" | "private" }>
> = {
	"PUBLIC KEY": { type: "spki", side: "public" },
	"RSA PUBLIC KEY": { type: "pkcs1", side: "public" },
	"PRIVATE KEY": { type: "pkcs8", side: "private" },
	"RSA PRIVATE KEY": { type: "pkcs1", side: "private" },
	"EC PRIVATE KEY": { type: "sec1", side: "private" },
};

/**
 * A key OpenSSL loads although it is not one DER structure (BER indefinite lengths, bytes after the end), as
 * DER: OpenSSL-based programs accept such keys, so they are in use like any other (Wycheproof's "indefinite
 * length" and "appending unused 0's" vectors are real examples).
 */
function reencodedKey(label: string, body: Buffer): Buffer | undefined {
	const encoding = KEY_ENCODINGS[label];
	if (!encoding) return undefined;
	try {
		if (encoding.side === "public") {
			const type = encoding.type as "spki" | "pkcs1";
			return createPublicKey({ key: body, format: "der", type }).export({ type, format: "der" });
		}
		const type = encoding.type as "pkcs1" | "pkcs8" | "sec1";
		return createPrivateKey({ key: body, format: "der", type }).export({ type, format: "der" });
	} catch {
		return undefined;
	}
}

function pemBlockAssets(block: PemBlock): Asset[] {
	const headers = [...block.headers].join("\0");
	const key = `pem\0${block.label}\0${headers}\0${sha256Hex(block.body)}`;
	return memoized(key, block.offset, () => parsePemBlock(block));
}

function firstOf(...positions: number[]): number {
	const hits = positions.filter((position) => position !== -1);
	return hits.length > 0 ? Math.min(...hits) : -1;
}

/**
 * Labels whose block is one asset (or a bundle of them): when nothing can be read from one, the block was cut
 * or damaged, which is worth a diagnostic. Other labels (CRLs, requests, parameters) are not assets at all, and
 * a CMS or PKCS7 block may rightly hold no certificate (an EnvelopedData without originatorInfo).
 */
const ASSET_LABELS = new Set([
	"CERTIFICATE",
	"X509 CERTIFICATE",
	"TRUSTED CERTIFICATE",
	"PRIVATE KEY",
	"RSA PRIVATE KEY",
	"EC PRIVATE KEY",
	"DSA PRIVATE KEY",
	"ENCRYPTED PRIVATE KEY",
	"OPENSSH PRIVATE KEY",
	"PUBLIC KEY",
	"RSA PUBLIC KEY",
]);

function guardedPemBlockAssets(block: PemBlock, location: string, scan: Scan): Asset[] {
	const assets = scan.guard(location, "parse", [], () => pemBlockAssets(block));
	if (assets.length === 0 && ASSET_LABELS.has(block.label)) {
		scan.diagnose(location, "parse", "UnreadableBlock", `a ${block.label} block could not be parsed (damaged or cut)`);
	}
	return assets;
}

/** PEM blocks, SSH public keys and JWT/JWE tokens in a text file. Offsets are byte offsets into `bytes`. */
export function textAssets(bytes: Buffer, location: string, scan: Scan): Asset[] {
	const pemAt = findPemAnchor(bytes);
	const sshAt = lineStartBefore(bytes, firstOf(bytes.indexOf(SSH_ANCHOR), bytes.indexOf(ECDSA_ANCHOR)));
	const jwtAt = findJwtAnchor(bytes);
	if (pemAt === -1 && sshAt === -1 && jwtAt === -1) return [];
	// latin1 maps each byte to one character, so string offsets stay byte offsets; every anchor is ASCII.
	const text = bytes.toString("latin1");
	const assets: Asset[] = [];
	if (pemAt !== -1) {
		const blocks = scan.guard(location, "parse", [], () => findPemBlocks(text, pemAt));
		for (const block of blocks) assets.push(...guardedPemBlockAssets(block, location, scan));
	}
	if (sshAt !== -1) assets.push(...scan.guard(location, "parse", [], () => findSshPublicKeys(text, sshAt)));
	if (jwtAt !== -1) assets.push(...scan.guard(location, "parse", [], () => findTokens(text, jwtAt)));
	return assets;
}
