import { execFileSync } from "node:child_process";
import { generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectCryptoUsage } from "@sensorium/crypto-usage";
import { type Discovery, discover } from "@sensorium/discovery";
import type { Finding } from "../src/index.ts";

/** The single finding in a file, failing loudly when there are none or several. */
export function only(found: Finding[]): Finding {
	if (found.length !== 1) throw new Error(`expected one finding, got ${found.length}: ${JSON.stringify(found)}`);
	return found[0] as Finding;
}

/** Findings the real discovery engine makes in `text`, with the path attached as the worker stores it. */
export function discovered(path: string, text: string | Buffer): Finding[] {
	return discover(path, Buffer.isBuffer(text) ? text : Buffer.from(text)).map((found: Discovery) => ({
		...found,
		path,
	}));
}

/** The crypto-usage finding with this identity in a source or config snippet. */
export function used(path: string, text: string, identity: string): Finding {
	const found = detectCryptoUsage(path, text).find((discovery) => discovery.identity === identity);
	if (!found) throw new Error(`${identity} not found in ${path}: ${JSON.stringify(detectCryptoUsage(path, text))}`);
	return { ...found, path };
}

function pem(key: KeyObject, type: "pkcs8" | "spki"): string {
	return key.export({ type, format: "pem" }).toString();
}

/** A fresh unencrypted private key PEM; node:crypto generates it, the discovery engine reads it. */
export function privateKeyPem(type: "rsa" | "ec" | "ed25519", option?: number | string): string {
	if (type === "rsa")
		return pem(generateKeyPairSync("rsa", { modulusLength: Number(option ?? 2048) }).privateKey, "pkcs8");
	if (type === "ec")
		return pem(generateKeyPairSync("ec", { namedCurve: String(option ?? "P-256") }).privateKey, "pkcs8");
	return pem(generateKeyPairSync("ed25519").privateKey, "pkcs8");
}

export function encryptedKeyPem(cipher: string): string {
	const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
	return privateKey.export({ type: "pkcs8", format: "pem", cipher, passphrase: "fixture only" }).toString();
}

function derLength(length: number): Buffer {
	if (length < 0x80) return Buffer.from([length]);
	const bytes = Buffer.from(length.toString(16).padStart(length > 0xff ? 4 : 2, "0"), "hex");
	return Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
}

const tlv = (tag: number, value: Buffer) => Buffer.concat([Buffer.from([tag]), derLength(value.length), value]);

/** An ML-DSA-65 SubjectPublicKeyInfo (OID 2.16.840.1.101.3.4.3.18), which OpenSSL 3.0 cannot load but discovery names. */
export function mlDsaPublicKeyPem(): string {
	const oid = Buffer.from([0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12]);
	const spki = tlv(
		0x30,
		Buffer.concat([tlv(0x30, oid), tlv(0x03, Buffer.concat([Buffer.from([0]), randomBytes(1952)]))]),
	);
	const body = spki.toString("base64").replace(/.{64}/g, "$&\n").trimEnd();
	return `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
}

export function token(header: object, payload: object, signature: string): string {
	const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
	return `${encode(header)}.${encode(payload)}.${signature}`;
}

/** Certificates made with the openssl CLI in a scratch directory, removed by `remove`. */
export function certificates() {
	const dir = mkdtempSync(join(tmpdir(), "sensorium-analysis-"));
	const path = (name: string) => join(dir, name);
	const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
	const read = (name: string) => readFileSync(path(name), "latin1");
	return {
		/** Self-signed CA (the `req -x509` default adds CA:TRUE). */
		selfSignedCa(name: string, keyArgs: string[], digest: string, days: number): string {
			openssl(
				"req",
				"-x509",
				...keyArgs,
				"-nodes",
				"-keyout",
				path(`${name}.key`),
				"-out",
				path(`${name}.pem`),
				"-subj",
				`/CN=${name}`,
				`-${digest}`,
				"-days",
				String(days),
			);
			return read(`${name}.pem`);
		},
		/** Self-signed without extensions: a leaf, not a CA. */
		selfSignedLeaf(name: string, days: number): string {
			openssl(
				"req",
				"-new",
				"-newkey",
				"ec",
				"-pkeyopt",
				"ec_paramgen_curve:P-256",
				"-nodes",
				"-keyout",
				path(`${name}.key`),
				"-out",
				path(`${name}.csr`),
				"-subj",
				`/CN=${name}`,
			);
			openssl(
				"x509",
				"-req",
				"-in",
				path(`${name}.csr`),
				"-signkey",
				path(`${name}.key`),
				"-days",
				String(days),
				"-out",
				path(`${name}.pem`),
			);
			return read(`${name}.pem`);
		},
		/** A leaf issued by the CA `issuer` (made with `selfSignedCa` before). */
		issued(name: string, issuer: string, days: number): string {
			openssl(
				"req",
				"-new",
				"-newkey",
				"rsa:2048",
				"-nodes",
				"-keyout",
				path(`${name}.key`),
				"-out",
				path(`${name}.csr`),
				"-subj",
				`/CN=${name}`,
			);
			openssl(
				"x509",
				"-req",
				"-in",
				path(`${name}.csr`),
				"-CA",
				path(`${issuer}.pem`),
				"-CAkey",
				path(`${issuer}.key`),
				"-CAcreateserial",
				"-sha256",
				"-days",
				String(days),
				"-out",
				path(`${name}.pem`),
			);
			return read(`${name}.pem`);
		},
		/** A PKCS#12 store of the leaf `leaf` (made before); `legacy` protects it with 3DES as old keytools did. */
		pkcs12(leaf: string, password: string, legacy: boolean): Buffer {
			const schemes = legacy ? ["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"] : [];
			const out = path(`${leaf}-${legacy ? "legacy" : "modern"}.p12`);
			openssl(
				"pkcs12",
				"-export",
				"-in",
				path(`${leaf}.pem`),
				"-inkey",
				path(`${leaf}.key`),
				"-out",
				out,
				"-passout",
				`pass:${password}`,
				...schemes,
			);
			return readFileSync(out);
		},
		remove: () => rmSync(dir, { recursive: true, force: true }),
	};
}
