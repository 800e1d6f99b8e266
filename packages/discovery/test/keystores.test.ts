import { createPublicKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Discovery, discover, discoverDetailed } from "../src/index.ts";
import { pkcs12Kdf } from "../src/pbe.ts";
import { attributes, keytool, only, openssl, scratch, sha256 } from "./helpers.ts";

const fixtures = scratch("keystores");
const STRONG = "q7-Rw!x2Lp#9vTz";

/** keytool -genkeypair with everything but the store, type and alias fixed. */
function genkeypair(store: string, type: string, alias: string, password: string, keyArgs = ["-keyalg", "EC"]) {
	keytool(
		"-genkeypair",
		"-keystore",
		fixtures.path(store),
		"-storetype",
		type,
		"-storepass",
		password,
		"-keypass",
		password,
		"-alias",
		alias,
		...keyArgs,
		"-dname",
		`CN=${alias}`,
		"-validity",
		"30",
	);
}

function importcert(store: string, type: string, alias: string, certFile: string) {
	keytool(
		"-importcert",
		"-noprompt",
		"-keystore",
		fixtures.path(store),
		"-storetype",
		type,
		"-storepass",
		"changeit",
		"-alias",
		alias,
		"-file",
		fixtures.path(certFile),
	);
}

const byKind = (found: Discovery[], kind: string) => found.filter((d) => d.kind === kind);
const keystores = (found: Discovery[]) => byKind(found, "keystore");
const main = (found: Discovery[]) => keystores(found).find((d) => !d.identity.endsWith(":default-password"));
const weakness = (found: Discovery[]) => keystores(found).find((d) => d.identity.endsWith(":default-password"));

let caDer: Buffer = Buffer.alloc(0);
let opensslCertDer: Buffer = Buffer.alloc(0);

beforeAll(() => {
	const p = fixtures.path;
	openssl(
		"req",
		"-x509",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-keyout",
		p("ca.key"),
		"-out",
		p("ca.pem"),
		"-subj",
		"/CN=keystore-ca",
		"-days",
		"30",
	);
	openssl("x509", "-in", p("ca.pem"), "-outform", "DER", "-out", p("ca.der"));
	caDer = fixtures.read("ca.der");
	openssl(
		"req",
		"-x509",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-keyout",
		p("leaf.key"),
		"-out",
		p("leaf.pem"),
		"-subj",
		"/CN=openssl-leaf",
		"-days",
		"30",
	);
	opensslCertDer = openssl("x509", "-in", p("leaf.pem"), "-outform", "DER");

	genkeypair("default.jks", "JKS", "server", "changeit", ["-keyalg", "RSA", "-keysize", "2048"]);
	importcert("default.jks", "JKS", "root", "ca.der");
	keytool(
		"-exportcert",
		"-keystore",
		p("default.jks"),
		"-storepass",
		"changeit",
		"-alias",
		"server",
		"-file",
		p("server.der"),
	);
	genkeypair("strong.jks", "JKS", "app", STRONG);

	genkeypair("store.jceks", "JCEKS", "signing", "changeit");
	keytool(
		"-genseckey",
		"-keystore",
		p("store.jceks"),
		"-storetype",
		"JCEKS",
		"-storepass",
		"changeit",
		"-keypass",
		"changeit",
		"-alias",
		"aes",
		"-keyalg",
		"AES",
		"-keysize",
		"256",
	);
	importcert("store.jceks", "JCEKS", "root", "ca.der");

	genkeypair("java.p12", "PKCS12", "server", "changeit");
	importcert("java.p12", "PKCS12", "root", "ca.der");
	keytool(
		"-genseckey",
		"-keystore",
		p("java.p12"),
		"-storetype",
		"PKCS12",
		"-storepass",
		"changeit",
		"-alias",
		"hmac",
		"-keyalg",
		"AES",
		"-keysize",
		"128",
	);

	const pkcs12 = (out: string, password: string, ...extra: string[]) =>
		openssl(
			"pkcs12",
			"-export",
			"-in",
			p("leaf.pem"),
			"-inkey",
			p("leaf.key"),
			"-name",
			"leaf",
			"-passout",
			`pass:${password}`,
			"-out",
			p(out),
			...extra,
		);
	pkcs12("default.p12", "changeit");
	pkcs12("strong.p12", STRONG);
	pkcs12("empty.p12", "");
	pkcs12("clear.p12", "changeit", "-certpbe", "NONE", "-keypbe", "NONE");
	pkcs12("nomac.p12", "changeit", "-nomac", "-certpbe", "AES-256-CBC");
	pkcs12("legacy-3des.p12", "changeit", "-legacy", "-certpbe", "PBE-SHA1-3DES");
	pkcs12("legacy.p12", "changeit", "-legacy");
	pkcs12("slow.p12", "changeit", "-iter", "150000");
});

afterAll(() => fixtures.remove());

describe("JKS", () => {
	it("lists aliases, entry kinds, dates and certificates without the password", () => {
		const bytes = fixtures.read("strong.jks");
		const found = discover("config/app.jks", bytes);
		expect(found.map((d) => d.kind)).toEqual(["keystore", "x509"]);
		const [store, cert] = found as [Discovery, Discovery];
		expect(store.identity).toBe(`keystore:${sha256(bytes)}`);
		expect(store.line).toBeNull();
		const keystore = attributes(store);
		expect(keystore).toMatchObject({ type: "JKS", version: 2, passwordIsDefault: false });
		expect(keystore.entries).toEqual([
			{
				alias: "app",
				kind: "private-key",
				createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
				certificateFingerprints: [cert.identity.slice("x509:".length)],
				keyProtection: "jks-keyprotector",
			},
		]);
		expect(Date.now() - Date.parse((keystore.entries as { createdAt: string }[])[0]?.createdAt ?? "")).toBeLessThan(
			600_000,
		);
		expect(attributes(cert)).toMatchObject({ subject: "CN=app", encoding: "der" });
	});

	it("reports certificates exactly as a DER file of the same certificate", () => {
		const found = discover("default.jks", fixtures.read("default.jks"));
		const certs = byKind(found, "x509");
		const subject = (name: string) => certs.find((d) => attributes(d).subject === name);
		expect(certs).toHaveLength(2);
		expect(subject("CN=server")).toEqual(only(discover("server.der", fixtures.read("server.der"))));
		expect(subject("CN=keystore-ca")).toEqual(only(discover("ca.der", caDer)));
		// Java writes entries in its hash table's order, not in the order they were added.
		const entries = attributes(main(found) as Discovery).entries as Record<string, unknown>[];
		expect(entries.sort((a, b) => String(a.alias).localeCompare(String(b.alias)))).toMatchObject([
			{ alias: "root", kind: "trusted-cert", certificateFingerprints: [sha256(caDer)] },
			{ alias: "server", kind: "private-key", certificateFingerprints: [sha256(fixtures.read("server.der"))] },
		]);
	});

	it("reports a default store password as a finding of its own, naming the public default", () => {
		const bytes = fixtures.read("default.jks");
		const found = discover("default.jks", bytes);
		expect(attributes(main(found) as Discovery).passwordIsDefault).toBe(true);
		expect(weakness(found)).toEqual({
			kind: "keystore",
			identity: `keystore:${sha256(bytes)}:default-password`,
			line: null,
			crypto: {
				keystore: { type: "JKS", weakness: "default-password", passwordIsDefault: true, matchedDefault: "changeit" },
			},
		});
		expect(weakness(discover("strong.jks", fixtures.read("strong.jks")))).toBeUndefined();
	});

	it("tries configured passwords but never names one that is not a public default", () => {
		const found = discover("strong.jks", fixtures.read("strong.jks"), { keystorePasswords: ["changeit", STRONG] });
		expect(attributes(weakness(found) as Discovery)).toEqual({
			type: "JKS",
			weakness: "default-password",
			passwordIsDefault: true,
		});
		expect(JSON.stringify(found)).not.toContain(STRONG);
		expect(weakness(discover("default.jks", fixtures.read("default.jks"), { keystorePasswords: [] }))).toBeUndefined();
	});

	it("reports a cut or corrupted store as a warning, without throwing", () => {
		const bytes = fixtures.read("default.jks");
		for (const broken of [bytes.subarray(0, 200), bytes.subarray(0, 10), Buffer.concat([bytes, Buffer.from("x")])]) {
			const report = discoverDetailed("broken.jks", broken);
			expect(report.discoveries).toEqual([]);
			expect(report.warnings).toEqual([expect.stringMatching(/^broken\.jks: unreadable JKS keystore/)]);
		}
	});
});

describe("JCEKS", () => {
	it("skips serialised secret-key entries structurally and reads every entry around them", () => {
		const bytes = fixtures.read("store.jceks");
		const report = discoverDetailed("store.jceks", bytes);
		expect(report.warnings).toEqual([]);
		const keystore = attributes(main(report.discoveries) as Discovery);
		expect(keystore).toMatchObject({ type: "JCEKS", version: 2, passwordIsDefault: true });
		const entries = keystore.entries as Record<string, unknown>[];
		expect(entries.map((entry) => [entry.alias, entry.kind]).sort()).toEqual([
			["aes", "secret-key"],
			["root", "trusted-cert"],
			["signing", "private-key"],
		]);
		expect(entries.find((entry) => entry.kind === "secret-key")).toEqual({
			alias: "aes",
			kind: "secret-key",
			createdAt: expect.any(String),
			keyProtection: "PBEWithMD5AndTripleDES",
		});
		expect(entries.find((entry) => entry.kind === "private-key")?.keyProtection).toBe("PBEWithMD5AndTripleDES");
		expect(
			byKind(report.discoveries, "x509")
				.map((d) => attributes(d).subject)
				.sort(),
		).toEqual(["CN=keystore-ca", "CN=signing"]);
		expect(attributes(weakness(report.discoveries) as Discovery).matchedDefault).toBe("changeit");
	});

	it("keeps only names, dates and fingerprints: no key bytes in any finding", () => {
		const found = discover("store.jceks", fixtures.read("store.jceks"));
		for (const entry of attributes(main(found) as Discovery).entries as Record<string, unknown>[]) {
			for (const field of Object.keys(entry)) {
				expect(["alias", "kind", "createdAt", "certificateFingerprints", "keyProtection"]).toContain(field);
			}
		}
	});
});

describe("PKCS#12", () => {
	it("opens a Java store with a default password: MAC, encrypted certificates, trusted and secret entries", () => {
		const bytes = fixtures.read("java.p12");
		const found = discover("java.p12", bytes);
		const keystore = attributes(main(found) as Discovery);
		expect(keystore).toMatchObject({
			type: "PKCS12",
			version: 3,
			mac: { algorithm: "sha256", iterations: 10000 },
			encryption: "PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc",
			encryptionIterations: 10000,
			encryptedContents: 1,
			certificatesReadable: true,
			passwordIsDefault: true,
		});
		const entries = keystore.entries as Record<string, unknown>[];
		expect(entries.map((entry) => [entry.alias, entry.kind]).sort()).toEqual([
			["hmac", "secret-key"],
			["root", "trusted-cert"],
			["server", "cert-bag"],
			["server", "key-bag"],
		]);
		expect(
			byKind(found, "x509")
				.map((d) => attributes(d).subject)
				.sort(),
		).toEqual(["CN=keystore-ca", "CN=server"]);
		expect(byKind(found, "x509").find((d) => attributes(d).subject === "CN=keystore-ca")).toEqual(
			only(discover("ca.der", caDer)),
		);
		expect(byKind(found, "key")).toEqual([]);
		expect(attributes(weakness(found) as Discovery).matchedDefault).toBe("changeit");
	});

	it("reports the locked container of an OpenSSL 3 store with a strong password", () => {
		const found = discover("strong.p12", fixtures.read("strong.p12"));
		expect(found.map((d) => d.kind)).toEqual(["keystore"]);
		expect(attributes(found[0] as Discovery)).toEqual({
			type: "PKCS12",
			version: 3,
			entries: [{ alias: "leaf", kind: "key-bag", keyProtection: "PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc" }],
			mac: { algorithm: "sha256", iterations: 2048 },
			encryption: "PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc",
			encryptionIterations: 2048,
			encryptedContents: 1,
			certificatesReadable: false,
			passwordIsDefault: false,
		});
	});

	it("decrypts certificate bags (never keys) once a default password verifies the SHA-256 MAC", () => {
		for (const name of ["default.p12", "empty.p12"]) {
			const found = discover(name, fixtures.read(name));
			expect(found.map((d) => d.kind)).toEqual(["keystore", "x509", "keystore"]);
			expect(found[1]).toEqual(only(discover("leaf.der", opensslCertDer)));
			expect(attributes(main(found) as Discovery).certificatesReadable).toBe(true);
			expect(attributes(weakness(found) as Discovery).matchedDefault).toBe(name === "empty.p12" ? "" : "changeit");
		}
	});

	it("reads legacy stores: SHA-1 MAC, 3DES certificate bags decrypted, RC2 ones reported as locked", () => {
		const tripleDes = discover("legacy-3des.p12", fixtures.read("legacy-3des.p12"));
		expect(attributes(main(tripleDes) as Discovery)).toMatchObject({
			mac: { algorithm: "sha1", iterations: 2048 },
			encryption: "pbeWithSHAAnd3-KeyTripleDES-CBC",
			certificatesReadable: true,
		});
		expect(byKind(tripleDes, "x509")).toEqual(discover("leaf.der", opensslCertDer));
		const rc2 = discover("legacy.p12", fixtures.read("legacy.p12"));
		expect(attributes(main(rc2) as Discovery)).toMatchObject({
			mac: { algorithm: "sha1" },
			encryption: "pbeWithSHAAnd40BitRC2-CBC",
			entries: [{ kind: "key-bag", keyProtection: "pbeWithSHAAnd3-KeyTripleDES-CBC" }],
			certificatesReadable: false,
			passwordIsDefault: true,
		});
		expect(byKind(rc2, "x509")).toEqual([]);
	});

	it("reads unencrypted bags without a password; a key in clear is reported as a key", () => {
		const found = discover("clear.p12", fixtures.read("clear.p12"));
		expect(found.map((d) => d.kind)).toEqual(["keystore", "x509", "key", "keystore"]);
		const spki = createPublicKey(fixtures.read("leaf.key")).export({ type: "spki", format: "der" });
		expect(found[2]?.identity).toBe(`key:${sha256(spki)}`);
		expect((attributes(found[1] as Discovery).publicKey as Record<string, unknown>).fingerprintSha256).toBe(
			sha256(spki),
		);
		expect(attributes(main(found) as Discovery)).toMatchObject({
			encryption: "none",
			encryptedContents: 0,
			entries: [
				{ alias: "leaf", kind: "cert-bag" },
				{ alias: "leaf", kind: "key-bag", keyProtection: "none" },
			],
		});
	});

	it("without a MAC, finds a default password by decrypting the certificate bags", () => {
		const found = discover("nomac.p12", fixtures.read("nomac.p12"));
		const keystore = attributes(main(found) as Discovery);
		expect(keystore.mac).toBeUndefined();
		expect(keystore).toMatchObject({ certificatesReadable: true, passwordIsDefault: true });
		expect(byKind(found, "x509")).toEqual(discover("leaf.der", opensslCertDer));
	});

	it("does not try passwords against MACs with more iterations than it will run, and says so", () => {
		const report = discoverDetailed("slow.p12", fixtures.read("slow.p12"));
		expect(report.discoveries.map((d) => d.kind)).toEqual(["keystore"]);
		expect(attributes(report.discoveries[0] as Discovery)).toMatchObject({
			mac: { algorithm: "sha256", iterations: 150000 },
			passwordIsDefault: false,
		});
		expect(report.warnings).toEqual(["slow.p12: default passwords not tried: 150000 MAC iterations (limit 100000)"]);
	});

	it("recognises a store by its structure, whatever it is called", () => {
		expect(main(discover("download.bin", fixtures.read("strong.p12")))).toBeDefined();
	});

	it("does not throw on cut or corrupted stores", () => {
		const bytes = fixtures.read("default.p12");
		const flipped = Buffer.from(bytes);
		flipped[100] = (flipped[100] as number) ^ 0xff;
		for (const broken of [bytes.subarray(0, 400), flipped]) {
			expect(() => discoverDetailed("broken.p12", broken)).not.toThrow();
		}
		expect(weakness(discover("tampered.p12", flipped))).toBeUndefined();
	});
});

describe("PKCS#12 key derivation", () => {
	it("matches OpenSSL's PKCS12KDF for SHA-1 and for SHA-512's 128-byte blocks over several rounds", () => {
		const salt = Buffer.from("0102030405060708", "hex");
		const password = Buffer.concat([Buffer.from("changeit", "utf16le").swap16(), Buffer.alloc(2)]);
		const expected = (digest: string, id: number, iterations: number, length: number) =>
			Buffer.from(
				openssl(
					"kdf",
					"-keylen",
					String(length),
					"-kdfopt",
					`digest:${digest}`,
					"-kdfopt",
					// The kdf command takes the password as given; PKCS#12 callers pass the BMPString form.
					`hexpass:${password.toString("hex")}`,
					"-kdfopt",
					`hexsalt:${salt.toString("hex")}`,
					"-kdfopt",
					`iter:${iterations}`,
					"-kdfopt",
					`id:${id}`,
					"PKCS12KDF",
				)
					.toString()
					.trim()
					.replaceAll(":", ""),
				"hex",
			);
		expect(pkcs12Kdf("sha1", password, salt, 1, 2048, 24)).toEqual(expected("SHA1", 1, 2048, 24));
		expect(pkcs12Kdf("sha256", password, salt, 3, 5, 70)).toEqual(expected("SHA256", 3, 5, 70));
		expect(pkcs12Kdf("sha512", password, salt, 2, 3, 150)).toEqual(expected("SHA512", 2, 3, 150));
	});
});
