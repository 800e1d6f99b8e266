import { createHash, generateKeyPairSync, type KeyExportOptions, type KeyObject, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeOid } from "../src/der.ts";
import { type Discovery, discover } from "../src/index.ts";
import { buildSpki } from "../src/jwk.ts";
import { attributes, only, openssl, pemBodyLines, scratch } from "./helpers.ts";

const PASSPHRASE = "correct horse battery staple";
const fixtures = scratch("keys");

interface KeyCase {
	name: string;
	publicKey: KeyObject;
	privateKey: KeyObject;
	shape: { algorithm: string; size?: number; curve?: string };
	privateFormats: ("pkcs1" | "pkcs8" | "sec1")[];
}

const cases: KeyCase[] = [];

function spkiFingerprint(key: KeyObject): string {
	return createHash("sha256")
		.update(key.export({ type: "spki", format: "der" }))
		.digest("hex");
}

beforeAll(() => {
	const add = (
		name: string,
		pair: { publicKey: KeyObject; privateKey: KeyObject },
		shape: KeyCase["shape"],
		privateFormats: KeyCase["privateFormats"],
	) => cases.push({ name, ...pair, shape, privateFormats });
	for (const bits of [1024, 2048, 3072, 4096]) {
		add(`rsa${bits}`, generateKeyPairSync("rsa", { modulusLength: bits }), { algorithm: "RSA", size: bits }, [
			"pkcs1",
			"pkcs8",
		]);
	}
	for (const [curve, size] of [
		["P-256", 256],
		["P-384", 384],
		["P-521", 521],
	] as const) {
		add(`ec${size}`, generateKeyPairSync("ec", { namedCurve: curve }), { algorithm: "EC", size, curve }, [
			"sec1",
			"pkcs8",
		]);
	}
	add("ed25519", generateKeyPairSync("ed25519"), { algorithm: "Ed25519", size: 256 }, ["pkcs8"]);
	add("ed448", generateKeyPairSync("ed448"), { algorithm: "Ed448", size: 456 }, ["pkcs8"]);
	add("x25519", generateKeyPairSync("x25519"), { algorithm: "X25519", size: 256 }, ["pkcs8"]);
	add("x448", generateKeyPairSync("x448"), { algorithm: "X448", size: 448 }, ["pkcs8"]);
	add(
		"dsa",
		generateKeyPairSync("dsa", { modulusLength: 2048, divisorLength: 256 }),
		{ algorithm: "DSA", size: 2048 },
		["pkcs8"],
	);

	const p = fixtures.path;
	fixtures.write("dsa8.pem", caseNamed("dsa").privateKey.export({ type: "pkcs8", format: "pem" }));
	openssl("pkey", "-in", p("dsa8.pem"), "-traditional", "-out", p("dsa.pem"));
	openssl("pkey", "-in", p("dsa8.pem"), "-traditional", "-outform", "DER", "-out", p("dsa.der"));
	openssl("dsa", "-in", p("dsa8.pem"), "-des3", "-passout", `pass:${PASSPHRASE}`, "-out", p("dsa-legacy.pem"));
	fixtures.write("rsa8.pem", caseNamed("rsa2048").privateKey.export({ type: "pkcs8", format: "pem" }));
	openssl(
		"rsa",
		"-in",
		p("rsa8.pem"),
		"-aes128",
		"-traditional",
		"-passout",
		`pass:${PASSPHRASE}`,
		"-out",
		p("rsa-legacy.pem"),
	);
	const ecLegacy = { type: "sec1", format: "pem", cipher: "aes-256-cbc", passphrase: PASSPHRASE } as const;
	fixtures.write("ec-legacy.pem", caseNamed("ec384").privateKey.export(ecLegacy));
	fixtures.write("ec8.pem", caseNamed("ec256").privateKey.export({ type: "pkcs8", format: "pem" }));
	openssl(
		"pkcs8",
		"-topk8",
		"-in",
		p("ec8.pem"),
		"-v2",
		"aes-128-cbc",
		"-passout",
		`pass:${PASSPHRASE}`,
		"-out",
		p("enc128.pem"),
	);
	openssl(
		"pkcs8",
		"-topk8",
		"-in",
		p("ec8.pem"),
		"-v1",
		"PBE-SHA1-3DES",
		"-passout",
		`pass:${PASSPHRASE}`,
		"-out",
		p("pbes1.pem"),
	);
});

afterAll(() => fixtures.remove());

/** `KeyObject.export` with the encoding as a value rather than a literal type. */
function exportAs(key: KeyObject, type: "pkcs1" | "pkcs8" | "sec1" | "spki", encoding: "pem" | "der"): Buffer {
	if (encoding === "der") return key.export({ type, format: "der" } as KeyExportOptions<"der">);
	return Buffer.from(key.export({ type, format: "pem" } as KeyExportOptions<"pem">));
}

function caseNamed(name: string): KeyCase {
	const found = cases.find((candidate) => candidate.name === name);
	if (!found) throw new Error(`no key case ${name}`);
	return found;
}

function expectNoSecrets(found: Discovery[], ...secrets: string[]) {
	const serialised = JSON.stringify(found);
	for (const secret of secrets) expect(serialised).not.toContain(secret);
}

describe("private keys from node:crypto", () => {
	it("finds every algorithm and format, PEM and DER, with the public key's identity", () => {
		for (const { name, privateKey, publicKey, shape, privateFormats } of cases) {
			const fingerprint = spkiFingerprint(publicKey);
			for (const format of privateFormats) {
				for (const encoding of ["pem", "der"] as const) {
					const bytes = exportAs(privateKey, format, encoding);
					const found = discover(`keys/${name}.${encoding === "pem" ? "pem" : "der"}`, bytes);
					const label = `${name} ${format} ${encoding}`;
					expect(found, label).toHaveLength(1);
					const [key] = found as [Discovery];
					expect(key.identity, label).toBe(`key:${fingerprint}`);
					expect(key.line, label).toBe(encoding === "pem" ? 1 : null);
					expect(attributes(key), label).toEqual({
						type: "private-key",
						...shape,
						format,
						encoding,
						encrypted: false,
						fingerprintSha256: fingerprint,
					});
					if (encoding === "pem") expectNoSecrets(found, ...pemBodyLines(bytes.toString()));
				}
			}
		}
	});

	it("finds DER private keys under the usual key file extensions", () => {
		const der = Buffer.from(caseNamed("ec256").privateKey.export({ type: "pkcs8", format: "der" }));
		for (const name of ["id.key", "id.p8", "id.pk8", "id.der", "id"]) {
			expect(only(discover(name, der)).identity, name).toBe(`key:${spkiFingerprint(caseNamed("ec256").publicKey)}`);
		}
	});

	it("reads OpenSSL's traditional DSA PRIVATE KEY, PEM and DER", () => {
		const { publicKey } = caseNamed("dsa");
		expect(fixtures.text("dsa.pem")).toContain("BEGIN DSA PRIVATE KEY");
		for (const file of ["dsa.pem", "dsa.der"]) {
			const key = only(discover(file, fixtures.read(file)));
			expect(key.identity).toBe(`key:${spkiFingerprint(publicKey)}`);
			expect(attributes(key)).toMatchObject({ algorithm: "DSA", size: 2048, format: "traditional", encrypted: false });
		}
	});
});

describe("public keys", () => {
	it("finds SPKI for every algorithm and PKCS#1 for RSA, PEM and DER, with the private key's identity", () => {
		for (const { name, publicKey, privateKey, shape } of cases) {
			const formats = shape.algorithm === "RSA" ? (["spki", "pkcs1"] as const) : (["spki"] as const);
			for (const format of formats) {
				for (const encoding of ["pem", "der"] as const) {
					const label = `${name} ${format} ${encoding}`;
					const bytes = exportAs(publicKey, format, encoding);
					const key = only(discover(`${name}.pub.${encoding}`, bytes));
					const fromPrivate = only(discover(`${name}.der`, privateKey.export({ type: "pkcs8", format: "der" })));
					expect(key.identity, label).toBe(fromPrivate.identity);
					expect(attributes(key), label).toEqual({
						type: "public-key",
						...shape,
						format,
						encoding,
						encrypted: false,
						fingerprintSha256: spkiFingerprint(publicKey),
					});
				}
			}
		}
	});

	it("names post-quantum SPKI keys the host OpenSSL cannot load, by their OID", () => {
		const mlDsa65 = buildSpki(encodeOid("2.16.840.1.101.3.4.3.18"), randomBytes(1952));
		const pem = `-----BEGIN PUBLIC KEY-----\n${mlDsa65.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END PUBLIC KEY-----\n`;
		const key = only(discover("mldsa.pem", Buffer.from(pem)));
		const fingerprint = createHash("sha256").update(mlDsa65).digest("hex");
		expect(key.identity).toBe(`key:${fingerprint}`);
		expect(attributes(key)).toMatchObject({ type: "public-key", algorithm: "ML-DSA-65", format: "spki" });
		expect(only(discover("mldsa.der", mlDsa65)).identity).toBe(key.identity);
	});
});

describe("encrypted private keys", () => {
	it("reports encrypted PKCS#8 with its PBES2 parameters and the same identity in PEM and DER", () => {
		const { privateKey } = caseNamed("rsa2048");
		const options = { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSPHRASE } as const;
		const pemText = privateKey.export(options).toString();
		expect(pemText).toContain("BEGIN ENCRYPTED PRIVATE KEY");
		// Each export draws a new salt, so the DER form is decoded from this PEM rather than exported again.
		const derBytes = Buffer.from(pemBodyLines(pemText).join(""), "base64");
		const pem = only(discover("enc.pem", Buffer.from(pemText)));
		const der = only(discover("enc.p8", derBytes));
		expect(pem.identity).toMatch(/^key:encrypted:[0-9a-f]{64}$/);
		expect(der.identity).toBe(pem.identity);
		expect(attributes(pem)).toEqual({
			type: "private-key",
			algorithm: "unknown",
			format: "pkcs8-encrypted",
			encoding: "pem",
			encrypted: true,
			cipher: "aes-256-cbc",
			kdf: "PBKDF2",
			kdfIterations: expect.any(Number),
		});
		expectNoSecrets([pem, der], PASSPHRASE, ...pemBodyLines(pemText));
	});

	it("reads the cipher of openssl-made encrypted PKCS#8, PBES2 and PBES1", () => {
		expect(attributes(only(discover("enc128.pem", fixtures.read("enc128.pem"))))).toMatchObject({
			format: "pkcs8-encrypted",
			encrypted: true,
			cipher: "aes-128-cbc",
			kdf: "PBKDF2",
		});
		expect(attributes(only(discover("pbes1.pem", fixtures.read("pbes1.pem"))))).toEqual({
			type: "private-key",
			algorithm: "unknown",
			format: "pkcs8-encrypted",
			encoding: "pem",
			encrypted: true,
			cipher: "pbeWithSHAAnd3-KeyTripleDES-CBC",
		});
	});

	it("reports legacy Proc-Type encrypted PEM from openssl and node for RSA, EC and DSA", () => {
		for (const [file, algorithm, cipher] of [
			["rsa-legacy.pem", "RSA", "aes-128-cbc"],
			["ec-legacy.pem", "EC", "aes-256-cbc"],
			["dsa-legacy.pem", "DSA", "des-ede3-cbc"],
		] as const) {
			const text = fixtures.text(file);
			expect(text).toContain("Proc-Type: 4,ENCRYPTED");
			const key = only(discover(file, fixtures.read(file)));
			expect(key.identity, file).toMatch(/^key:encrypted:[0-9a-f]{64}$/);
			expect(attributes(key), file).toEqual({
				type: "private-key",
				algorithm,
				format: "pem-legacy-encrypted",
				encoding: "pem",
				encrypted: true,
				cipher,
			});
			expectNoSecrets([key], PASSPHRASE, ...pemBodyLines(text));
		}
	});

	it("rejects a legacy encrypted block whose ciphertext is not block-aligned", () => {
		const text = fixtures.text("rsa-legacy.pem");
		const lines = text.trimEnd().split("\n");
		// Drop four base64 characters (three bytes) from the last body line.
		const cut = [...lines.slice(0, -2), (lines.at(-2) as string).slice(4), lines.at(-1)].join("\n");
		expect(discover("cut.pem", Buffer.from(cut))).toEqual([]);
	});
});
