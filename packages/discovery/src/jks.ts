import { createHash } from "node:crypto";
import { decodeOid, readChildren, readWhole } from "./der.ts";
import { skipSerializedObject } from "./java-serial.ts";
import { type KeystoreEntry, type KeystoreType, keystoreAssets, keystoreCertificate, utf16be } from "./keystore.ts";
import { PBE_ALGORITHMS } from "./oids.ts";
import type { Scan } from "./scan.ts";
import type { Asset } from "./types.ts";

export const JKS_MAGIC = 0xfeedfeed;
export const JCEKS_MAGIC = 0xcececece;

const TAG_PRIVATE_KEY = 1;
const TAG_TRUSTED_CERT = 2;
const TAG_SECRET_KEY = 3;
const DIGEST_LENGTH = 20;
/** Sun's constant salt in the integrity hash of both JKS and JCEKS. */
const MIGHTY_APHRODITE = Buffer.from("Mighty Aphrodite", "utf8");

/** Big-endian cursor that throws when a length points past the end, which is how truncation is caught. */
class Cursor {
	constructor(
		readonly bytes: Buffer,
		public pos: number,
		readonly end: number,
	) {}

	private take(length: number): number {
		const at = this.pos;
		if (length < 0 || at + length > this.end) throw new Error("keystore is truncated");
		this.pos += length;
		return at;
	}

	u32(): number {
		return this.bytes.readUInt32BE(this.take(4));
	}

	i64(): bigint {
		return this.bytes.readBigInt64BE(this.take(8));
	}

	/** Java's writeUTF: a 16-bit length, then modified UTF-8 (plain UTF-8 for every realistic alias). */
	utf(): string {
		const length = this.bytes.readUInt16BE(this.take(2));
		const at = this.take(length);
		return this.bytes.subarray(at, at + length).toString("utf8");
	}

	blob(): Buffer {
		const length = this.u32();
		const at = this.take(length);
		return this.bytes.subarray(at, at + length);
	}
}

interface ParsedStore {
	version: number;
	entries: KeystoreEntry[];
	certificates: Asset[];
}

function isoDate(millis: bigint): string | undefined {
	const date = new Date(Number(millis));
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Version 1 stores wrote certificates without their type name; version 2 prefixes each with one ("X.509"). */
function readCertificate(cursor: Cursor, version: number, certificates: Asset[]): string | undefined {
	const type = version === 2 ? cursor.utf() : "X.509";
	const der = cursor.blob();
	if (type !== "X.509") return undefined;
	const { asset, fingerprint } = keystoreCertificate(der);
	if (!asset) return undefined;
	certificates.push(asset);
	return fingerprint;
}

/** The PBE algorithm of an EncryptedPrivateKeyInfo: Sun's JKS KeyProtector or JCEKS's PBEWithMD5AndTripleDES. */
function keyProtection(blob: Buffer): string | undefined {
	const top = readWhole(blob);
	const [algorithm] = (top && readChildren(blob, top)) ?? [];
	const oid = algorithm && decodeOid(blob, readChildren(blob, algorithm)?.[0]);
	return oid && (PBE_ALGORITHMS[oid] ?? oid);
}

function parseStore(bytes: Buffer, type: KeystoreType): ParsedStore {
	const cursor = new Cursor(bytes, 4, bytes.length - DIGEST_LENGTH);
	const version = cursor.u32();
	if (version !== 1 && version !== 2) throw new Error(`unknown ${type} version ${version}`);
	const count = cursor.u32();
	const entries: KeystoreEntry[] = [];
	const certificates: Asset[] = [];
	for (let i = 0; i < count; i++) {
		const tag = cursor.u32();
		const alias = cursor.utf();
		const createdAt = isoDate(cursor.i64());
		if (tag === TAG_PRIVATE_KEY) {
			const protection = keyProtection(cursor.blob());
			const chainLength = cursor.u32();
			const fingerprints: string[] = [];
			for (let c = 0; c < chainLength; c++) {
				const fingerprint = readCertificate(cursor, version, certificates);
				if (fingerprint) fingerprints.push(fingerprint);
			}
			entries.push({
				alias,
				kind: "private-key",
				createdAt,
				certificateFingerprints: fingerprints,
				keyProtection: protection,
			});
		} else if (tag === TAG_TRUSTED_CERT) {
			const fingerprint = readCertificate(cursor, version, certificates);
			entries.push({
				alias,
				kind: "trusted-cert",
				createdAt,
				certificateFingerprints: fingerprint ? [fingerprint] : [],
			});
		} else if (tag === TAG_SECRET_KEY && type === "JCEKS") {
			// A serialised SealedObject: skipped structurally, never deserialised; only its algorithm name is kept.
			const { end, strings } = skipSerializedObject(bytes, cursor.pos);
			if (end > cursor.end) throw new Error("keystore is truncated");
			cursor.pos = end;
			entries.push({ alias, kind: "secret-key", createdAt, keyProtection: strings.get("sealAlg") });
		} else {
			throw new Error(`unknown ${type} entry tag ${tag}`);
		}
	}
	if (cursor.pos !== cursor.end) throw new Error(`${cursor.end - cursor.pos} unexpected bytes after the entries`);
	return { version, entries, certificates };
}

/** The configured password that produces the store's integrity hash, if any: a hash per password, no more. */
function matchPassword(bytes: Buffer, passwords: readonly string[]): string | undefined {
	const body = bytes.subarray(0, bytes.length - DIGEST_LENGTH);
	const digest = bytes.subarray(bytes.length - DIGEST_LENGTH);
	return passwords.find((password) =>
		createHash("sha1").update(utf16be(password)).update(MIGHTY_APHRODITE).update(body).digest().equals(digest),
	);
}

/**
 * Aliases, entry kinds, creation dates and every certificate of a JKS or JCEKS store, all of which are stored
 * in clear; private and secret keys stay encrypted and untouched.
 */
export function javaKeystoreAssets(bytes: Buffer, location: string, scan: Scan): Asset[] {
	const type: KeystoreType = bytes.readUInt32BE(0) === JCEKS_MAGIC ? "JCEKS" : "JKS";
	let store: ParsedStore;
	try {
		store = parseStore(bytes, type);
	} catch (error) {
		scan.warn(location, `unreadable ${type} keystore (${(error as Error).message})`);
		return [];
	}
	const keystore = { type, version: store.version, entries: store.entries };
	return keystoreAssets(bytes, keystore, store.certificates, matchPassword(bytes, scan.keystorePasswords));
}
