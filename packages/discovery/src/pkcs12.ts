import { createHmac, hash } from "node:crypto";
import { decodeOid, decodeSmallInteger, readChildren, readTlv, readWhole, TAG, type Tlv } from "./der.ts";
import { privateKeyAsset, sha256Hex } from "./keys.ts";
import { type KeystoreEntry, keystoreAssets, keystoreCertificate } from "./keystore.ts";
import { memoizedPasswordMatch } from "./memo.ts";
import { DIGESTS, OID, PBE_ALGORITHMS } from "./oids.ts";
import { bmpPasswords, KDF_ID, MAX_ITERATIONS, type PbeScheme, pbeScheme, pkcs12Kdf } from "./pbe.ts";
import type { Scan } from "./scan.ts";
import type { Asset } from "./types.ts";

const PFX_VERSION = 3;
const TAG_SET = 0x31;
const TAG_BMP_STRING = 0x1e;
const TAG_IMPLICIT_0 = 0x80;
/** safeContentsBag nests SafeContents; real files nest once at most. */
const MAX_BAG_NESTING = 4;

/** PFX (RFC 7292): SEQUENCE { INTEGER 3, ContentInfo of type data, MacData }. Checked on the first bytes only. */
export function isPkcs12(bytes: Buffer): boolean {
	const top = readTlv(bytes, 0);
	if (top?.tag !== TAG.sequence) return false;
	const version = readTlv(bytes, top.valueStart, top.end);
	if (!version || decodeSmallInteger(bytes, version) !== PFX_VERSION) return false;
	const authSafe = readTlv(bytes, version.end, top.end);
	return (
		authSafe?.tag === TAG.sequence &&
		decodeOid(bytes, readTlv(bytes, authSafe.valueStart, authSafe.end)) === OID.pkcs7Data
	);
}

/** The single element inside an explicit [0] wrapper. */
function explicit(bytes: Buffer, wrapper: Tlv | undefined): Tlv | undefined {
	return wrapper?.tag === TAG.context0 ? readTlv(bytes, wrapper.valueStart, wrapper.end) : undefined;
}

function friendlyName(bytes: Buffer, attributes: Tlv | undefined): { alias?: string; trusted: boolean } {
	let alias: string | undefined;
	let trusted = false;
	for (const attribute of (attributes?.tag === TAG_SET && readChildren(bytes, attributes)) || []) {
		const [oidTlv, values] = readChildren(bytes, attribute) ?? [];
		const oid = decodeOid(bytes, oidTlv);
		if (oid === OID.javaTrustedKeyUsage) trusted = true;
		const value = oid === OID.friendlyName && values && readTlv(bytes, values.valueStart, values.end);
		if (value && value.tag === TAG_BMP_STRING && (value.end - value.valueStart) % 2 === 0) {
			// swap16 works in place, so it runs on a copy.
			alias = Buffer.from(bytes.subarray(value.valueStart, value.end)).swap16().toString("utf16le");
		}
	}
	return { alias, trusted };
}

interface Contents {
	entries: KeystoreEntry[];
	assets: Asset[];
}

/**
 * The bags of one SafeContents. `inClear` is false for contents that needed the password: their key bags are
 * listed but never parsed, so a guessed password reveals certificates only.
 */
function readBags(bytes: Buffer, safeContents: Tlv, inClear: boolean, out: Contents, nesting = 0): void {
	for (const bag of readChildren(bytes, safeContents) ?? []) {
		const [bagIdTlv, wrapper, attributes] = readChildren(bytes, bag) ?? [];
		const value = explicit(bytes, wrapper);
		if (!value) continue;
		const { alias, trusted } = friendlyName(bytes, attributes);
		switch (decodeOid(bytes, bagIdTlv)) {
			case OID.keyBag: {
				out.entries.push({ alias, kind: "key-bag", keyProtection: "none" });
				const key = inClear && privateKeyAsset(bytes.subarray(value.start, value.end), "pkcs8", "der", null);
				if (key) out.assets.push(key);
				break;
			}
			case OID.pkcs8ShroudedKeyBag: {
				const [algorithmId, encrypted] = readChildren(bytes, value) ?? [];
				const protection =
					algorithmId?.tag === TAG.sequence && encrypted
						? pbeScheme(bytes, algorithmId, Buffer.alloc(0)).name
						: undefined;
				out.entries.push({ alias, kind: "key-bag", keyProtection: protection });
				break;
			}
			case OID.certBag: {
				const [certType, certValue] = readChildren(bytes, value) ?? [];
				const der = explicit(bytes, certValue);
				const entry: KeystoreEntry = { alias, kind: trusted ? "trusted-cert" : "cert-bag" };
				if (decodeOid(bytes, certType) === OID.x509CertificateBag && der?.tag === TAG.octetString) {
					const { asset, fingerprint } = keystoreCertificate(bytes.subarray(der.valueStart, der.end));
					if (asset) {
						out.assets.push(asset);
						entry.certificateFingerprints = [fingerprint];
					}
				}
				out.entries.push(entry);
				break;
			}
			case OID.secretBag:
				out.entries.push({ alias, kind: "secret-key" });
				break;
			case OID.safeContentsBag:
				if (nesting < MAX_BAG_NESTING && value.tag === TAG.sequence) readBags(bytes, value, inClear, out, nesting + 1);
				break;
		}
	}
}

interface Mac {
	algorithm: string;
	iterations: number;
	verify?: (password: string) => boolean;
}

function readMac(bytes: Buffer, macData: Tlv | undefined, authSafe: Buffer): Mac | undefined {
	const [digestInfo, saltTlv, iterationsTlv] = (macData?.tag === TAG.sequence && readChildren(bytes, macData)) || [];
	const [algorithmId, digestTlv] = (digestInfo && readChildren(bytes, digestInfo)) ?? [];
	const oid = algorithmId && decodeOid(bytes, readChildren(bytes, algorithmId)?.[0]);
	if (!oid) return undefined;
	const digest = DIGESTS[oid];
	// MacData's iterations default to 1 (RFC 7292); PBMAC1 keeps its own inside the algorithm parameters.
	const iterations = iterationsTlv ? (decodeSmallInteger(bytes, iterationsTlv) ?? Number.POSITIVE_INFINITY) : 1;
	const mac: Mac = { algorithm: digest ?? PBE_ALGORITHMS[oid] ?? oid, iterations };
	if (!digest || saltTlv?.tag !== TAG.octetString || digestTlv?.tag !== TAG.octetString) return mac;
	const salt = bytes.subarray(saltTlv.valueStart, saltTlv.end);
	const expected = bytes.subarray(digestTlv.valueStart, digestTlv.end);
	// The key is as long as the digest, never as long as the file claims: that length drives the KDF's work.
	const keyLength = hash(digest, "", "buffer").length;
	mac.verify = (password) =>
		bmpPasswords(password).some((encoded) => {
			const key = pkcs12Kdf(digest, encoded, salt, KDF_ID.mac, iterations, keyLength);
			return key !== undefined && createHmac(digest, key).update(authSafe).digest().equals(expected);
		});
	return mac;
}

function readEncryptedData(bytes: Buffer, content: Tlv | undefined): PbeScheme | undefined {
	const [, encryptedContentInfo] = (content?.tag === TAG.sequence && readChildren(bytes, content)) || [];
	const [, algorithmId, ciphertext] = (encryptedContentInfo && readChildren(bytes, encryptedContentInfo)) ?? [];
	if (algorithmId?.tag !== TAG.sequence || ciphertext?.tag !== TAG_IMPLICIT_0) return undefined;
	return pbeScheme(bytes, algorithmId, bytes.subarray(ciphertext.valueStart, ciphertext.end));
}

function decryptsToDer(scheme: PbeScheme, password: string): Buffer | undefined {
	const plain = scheme.decrypt?.(password);
	return plain && readWhole(plain)?.tag === TAG.sequence ? plain : undefined;
}

/**
 * How configured passwords are tried on this store, or undefined (with a warning) when they cannot be. With a
 * MAC, the MAC decides; without one, decrypting the first encrypted contents to well-formed DER does.
 */
function passwordCheck(
	mac: Mac | undefined,
	encrypted: PbeScheme[],
	location: string,
	scan: Scan,
): ((password: string) => boolean) | undefined {
	if (!mac) {
		const probe = encrypted.find((scheme) => scheme.decrypt);
		return probe && ((password) => decryptsToDer(probe, password) !== undefined);
	}
	if (!mac.verify) {
		scan.warn(location, `default passwords not tried: ${mac.algorithm} MACs are not supported`);
		return undefined;
	}
	if (mac.iterations > MAX_ITERATIONS) {
		scan.warn(location, `default passwords not tried: ${mac.iterations} MAC iterations (limit ${MAX_ITERATIONS})`);
		return undefined;
	}
	return mac.verify;
}

/**
 * A PKCS#12 / PFX store: the bags readable without a password, the MAC and encryption parameters, and with a
 * default password the certificates in encrypted bags as well. Keys are never decrypted.
 */
export function pkcs12Assets(bytes: Buffer, location: string, scan: Scan): Asset[] {
	const top = readTlv(bytes, 0) as Tlv;
	const [, authSafeInfo, macData] = readChildren(bytes, top) ?? [];
	const [, wrapper] = (authSafeInfo && readChildren(bytes, authSafeInfo)) ?? [];
	const authSafeOctets = explicit(bytes, wrapper);
	if (authSafeOctets?.tag !== TAG.octetString) {
		scan.warn(location, "unreadable PKCS#12 store (BER-encoded or corrupt)");
		return [];
	}
	const authSafe = bytes.subarray(authSafeOctets.valueStart, authSafeOctets.end);
	const safes = readWhole(authSafe);
	const contentInfos = safes?.tag === TAG.sequence ? readChildren(authSafe, safes) : undefined;
	if (!contentInfos) {
		scan.warn(location, "unreadable PKCS#12 store (corrupt AuthenticatedSafe)");
		return [];
	}
	const readable: Contents = { entries: [], assets: [] };
	const encrypted: PbeScheme[] = [];
	for (const contentInfo of contentInfos) {
		const [typeTlv, contentWrapper] = readChildren(authSafe, contentInfo) ?? [];
		const type = decodeOid(authSafe, typeTlv);
		const content = explicit(authSafe, contentWrapper);
		if (type === OID.pkcs7Data) {
			const safeContents =
				content?.tag === TAG.octetString ? authSafe.subarray(content.valueStart, content.end) : undefined;
			const bags = safeContents && readWhole(safeContents);
			if (safeContents && bags?.tag === TAG.sequence) readBags(safeContents, bags, true, readable);
		} else {
			const scheme = type === OID.pkcs7EncryptedData ? readEncryptedData(authSafe, content) : undefined;
			encrypted.push(scheme ?? { name: type ?? "unknown" });
		}
	}
	const mac = readMac(bytes, macData, authSafe);
	const check = passwordCheck(mac, encrypted, location, scan);
	const trialKey = `pkcs12\0${sha256Hex(bytes)}\0${scan.keystorePasswords.join("\0")}`;
	const matched = check && memoizedPasswordMatch(trialKey, () => scan.keystorePasswords.find(check));
	let decrypted = 0;
	for (const scheme of encrypted) {
		const plain = matched !== undefined ? decryptsToDer(scheme, matched) : undefined;
		const bags = plain && readWhole(plain);
		if (!plain || !bags) continue;
		readBags(plain, bags, false, readable);
		decrypted++;
	}
	const schemes = [...new Set(encrypted.map((scheme) => scheme.name))];
	const iterations = encrypted.find((scheme) => scheme.iterations !== undefined)?.iterations;
	const keystore: { type: "PKCS12" } & Record<string, unknown> = {
		type: "PKCS12",
		version: PFX_VERSION,
		entries: readable.entries,
		mac: mac && { algorithm: mac.algorithm, iterations: mac.iterations },
		encryption: schemes.length > 0 ? schemes.join(", ") : "none",
		encryptionIterations: iterations,
		encryptedContents: encrypted.length,
		certificatesReadable: decrypted === encrypted.length,
	};
	return keystoreAssets(bytes, keystore, readable.assets, matched);
}
