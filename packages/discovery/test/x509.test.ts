import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discover } from "../src/index.ts";
import { attributes, discoverText, only, openssl, scratch } from "./helpers.ts";

const fixtures = scratch("x509");

/** What openssl itself says about a certificate, to compare our attributes against. */
function opensslFacts(name: string) {
	const out = openssl(
		"x509",
		"-in",
		fixtures.path(name),
		"-noout",
		"-fingerprint",
		"-sha256",
		"-serial",
		"-startdate",
		"-enddate",
	).toString();
	const field = (key: string) => new RegExp(`${key}=(.*)`).exec(out)?.[1]?.trim() ?? "";
	return {
		fingerprint: field("sha256 Fingerprint").replaceAll(":", "").toLowerCase(),
		serial: field("serial"),
		notBefore: new Date(field("notBefore")).toISOString(),
		notAfter: new Date(field("notAfter")).toISOString(),
	};
}

function keyFingerprint(keyFile: string): string {
	const spki = createPublicKey(createPrivateKey(fixtures.read(keyFile))).export({ type: "spki", format: "der" });
	return createHash("sha256").update(spki).digest("hex");
}

beforeAll(() => {
	const p = fixtures.path;
	openssl(
		"req",
		"-x509",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-keyout",
		p("rsa.key"),
		"-out",
		p("rsa.pem"),
		"-subj",
		"/C=DE/O=Acme/CN=root",
		"-days",
		"30",
		"-sha256",
	);
	openssl("x509", "-in", p("rsa.pem"), "-outform", "DER", "-out", p("rsa.der"));
	openssl("x509", "-in", p("rsa.pem"), "-trustout", "-addtrust", "serverAuth", "-out", p("trusted.pem"));
	openssl(
		"req",
		"-x509",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-384",
		"-nodes",
		"-keyout",
		p("ca.key"),
		"-out",
		p("ca.pem"),
		"-subj",
		"/CN=ca",
		"-days",
		"30",
	);
	openssl(
		"req",
		"-new",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-keyout",
		p("leaf.key"),
		"-out",
		p("leaf.csr"),
		"-subj",
		"/CN=leaf",
	);
	fixtures.write("leaf.ext", "basicConstraints=CA:FALSE\n");
	openssl(
		"x509",
		"-req",
		"-in",
		p("leaf.csr"),
		"-CA",
		p("ca.pem"),
		"-CAkey",
		p("ca.key"),
		"-set_serial",
		"42",
		"-sha384",
		"-days",
		"5",
		"-extfile",
		p("leaf.ext"),
		"-out",
		p("leaf.pem"),
	);
	// Same name as the CA but signed by the CA's key: issuer equals subject, yet it is not self-signed.
	openssl(
		"req",
		"-new",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-keyout",
		p("lookalike.key"),
		"-out",
		p("lookalike.csr"),
		"-subj",
		"/CN=ca",
	);
	openssl(
		"x509",
		"-req",
		"-in",
		p("lookalike.csr"),
		"-CA",
		p("ca.pem"),
		"-CAkey",
		p("ca.key"),
		"-set_serial",
		"7",
		"-days",
		"5",
		"-out",
		p("lookalike.pem"),
	);
	openssl(
		"req",
		"-x509",
		"-newkey",
		"ed25519",
		"-nodes",
		"-keyout",
		p("ed.key"),
		"-out",
		p("ed.pem"),
		"-subj",
		"/CN=edwards",
		"-days",
		"30",
	);
	openssl(
		"req",
		"-x509",
		"-newkey",
		"rsa:1024",
		"-nodes",
		"-keyout",
		p("sha1.key"),
		"-out",
		p("sha1.pem"),
		"-subj",
		"/CN=legacy",
		"-sha1",
		"-days",
		"30",
	);
	openssl(
		"req",
		"-new",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-keyout",
		p("v1.key"),
		"-out",
		p("v1.csr"),
		"-subj",
		"/CN=v1",
	);
	openssl("x509", "-req", "-in", p("v1.csr"), "-signkey", p("v1.key"), "-days", "5", "-out", p("v1.pem"));
	openssl(
		"req",
		"-x509",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-keyout",
		p("neg.key"),
		"-out",
		p("neg.pem"),
		"-subj",
		"/CN=negative",
		"-set_serial",
		"-12345",
		"-days",
		"5",
	);
	fixtures.write(
		"bundle.pem",
		`# CA bundle\n${fixtures.text("ca.pem")}\n${fixtures.text("leaf.pem")}${fixtures.text("rsa.pem")}`,
	);
	openssl("crl2pkcs7", "-nocrl", "-certfile", p("bundle.pem"), "-out", p("bundle.p7b"));
	openssl("crl2pkcs7", "-nocrl", "-certfile", p("bundle.pem"), "-outform", "DER", "-out", p("bundle-der.p7b"));
});

afterAll(() => fixtures.remove());

describe("PEM certificates", () => {
	it("reports every attribute of a self-signed RSA certificate", () => {
		const found = only(discover("certs/rsa.pem", fixtures.read("rsa.pem")));
		const facts = opensslFacts("rsa.pem");
		expect(found.kind).toBe("x509");
		expect(found.identity).toBe(`x509:${facts.fingerprint}`);
		expect(found.line).toBe(1);
		expect(Object.keys(found.crypto)).toEqual(["x509"]);
		expect(attributes(found)).toEqual({
			subject: "C=DE, O=Acme, CN=root",
			issuer: "C=DE, O=Acme, CN=root",
			serialNumber: facts.serial,
			notValidBefore: facts.notBefore,
			notValidAfter: facts.notAfter,
			version: 3,
			publicKey: { algorithm: "RSA", size: 2048, fingerprintSha256: keyFingerprint("rsa.key") },
			signatureAlgorithm: "sha256WithRSAEncryption",
			signatureAlgorithmOid: "1.2.840.113549.1.1.11",
			fingerprintSha256: facts.fingerprint,
			selfSigned: true,
			isCa: true,
			encoding: "pem",
		});
	});

	it("describes an EC leaf issued by an EC CA", () => {
		const leaf = attributes(only(discover("leaf.pem", fixtures.read("leaf.pem"))));
		expect(leaf).toMatchObject({
			subject: "CN=leaf",
			issuer: "CN=ca",
			serialNumber: "2A",
			publicKey: { algorithm: "EC", size: 256, curve: "P-256", fingerprintSha256: keyFingerprint("leaf.key") },
			signatureAlgorithm: "ecdsa-with-SHA384",
			selfSigned: false,
			isCa: false,
		});
		const ca = attributes(only(discover("ca.pem", fixtures.read("ca.pem"))));
		expect(ca).toMatchObject({
			publicKey: { algorithm: "EC", size: 384, curve: "P-384" },
			selfSigned: true,
			isCa: true,
		});
		expect(ca.signatureAlgorithm).toMatch(/^ecdsa-with-SHA(256|384)$/);
	});

	it("requires a self-signed certificate to verify with its own key, not just repeat its name", () => {
		const lookalike = attributes(only(discover("lookalike.pem", fixtures.read("lookalike.pem"))));
		expect(lookalike.subject).toBe(lookalike.issuer);
		expect(lookalike.selfSigned).toBe(false);
	});

	it("handles Ed25519, SHA-1, version 1 and negative-serial certificates", () => {
		expect(attributes(only(discover("ed.pem", fixtures.read("ed.pem"))))).toMatchObject({
			publicKey: { algorithm: "Ed25519", size: 256 },
			signatureAlgorithm: "Ed25519",
			selfSigned: true,
		});
		expect(attributes(only(discover("sha1.pem", fixtures.read("sha1.pem"))))).toMatchObject({
			publicKey: { algorithm: "RSA", size: 1024 },
			signatureAlgorithm: "sha1WithRSAEncryption",
		});
		expect(attributes(only(discover("v1.pem", fixtures.read("v1.pem"))))).toMatchObject({ version: 1, isCa: false });
		const negative = attributes(only(discover("neg.pem", fixtures.read("neg.pem"))));
		expect(negative.serialNumber).toBe(opensslFacts("neg.pem").serial);
	});

	it("finds every certificate of a bundle at the line of its BEGIN marker", () => {
		const text = fixtures.text("bundle.pem");
		const found = discover("bundle.pem", fixtures.read("bundle.pem"));
		const beginLines = text
			.split("\n")
			.map((line, i) => (line.startsWith("-----BEGIN CERTIFICATE-----") ? i + 1 : 0))
			.filter(Boolean);
		expect(found.map((d) => d.line)).toEqual(beginLines);
		expect(found.map((d) => attributes(d).subject)).toEqual(["CN=ca", "CN=leaf", "C=DE, O=Acme, CN=root"]);
	});

	it("reads the certificate inside OpenSSL's TRUSTED CERTIFICATE despite the trailing trust data", () => {
		const trusted = only(discover("trusted.pem", fixtures.read("trusted.pem")));
		expect(fixtures.text("trusted.pem")).toContain("BEGIN TRUSTED CERTIFICATE");
		expect(trusted.identity).toBe(only(discover("rsa.pem", fixtures.read("rsa.pem"))).identity);
	});

	it("extracts the certificates of PKCS#7 bundles, PEM and DER", () => {
		const bundle = discover("bundle.pem", fixtures.read("bundle.pem")).map((d) => d.identity);
		const pem = discover("bundle.p7b", fixtures.read("bundle.p7b"));
		const der = discover("bundle-der.p7b", fixtures.read("bundle-der.p7b"));
		expect(new Set(pem.map((d) => d.identity))).toEqual(new Set(bundle));
		expect(new Set(der.map((d) => d.identity))).toEqual(new Set(bundle));
		expect(der.every((d) => d.line === null && attributes(d).encoding === "der")).toBe(true);
	});
});

describe("DER certificates", () => {
	it("has the same identity as the PEM form, no line, and encoding der", () => {
		const pem = only(discover("rsa.pem", fixtures.read("rsa.pem")));
		const der = only(discover("rsa.der", fixtures.read("rsa.der")));
		expect(der.identity).toBe(pem.identity);
		expect(der.line).toBeNull();
		expect(attributes(der)).toEqual({ ...attributes(pem), encoding: "der" });
	});

	it("is recognised by structure whatever the file is called", () => {
		for (const name of ["cert.cer", "cert.crt", "cert.cert", "cert", "blob.bin"]) {
			expect(discover(name, fixtures.read("rsa.der")), name).toHaveLength(1);
		}
	});

	it("tolerates trailing bytes only for DER extensions", () => {
		const padded = Buffer.concat([fixtures.read("rsa.der"), Buffer.from("\n")]);
		expect(discover("cert.crt", padded)).toHaveLength(1);
		expect(discover("cert.der", padded)).toHaveLength(1);
		expect(discover("cert.bin", padded)).toEqual([]);
	});

	it("rejects a truncated DER certificate", () => {
		const der = fixtures.read("rsa.der");
		expect(discover("cut.der", der.subarray(0, der.length - 10))).toEqual([]);
	});
});

describe("certificate inside another text format", () => {
	it("finds a PEM certificate in a YAML value at its line", () => {
		const pem = fixtures
			.text("ed.pem")
			.trimEnd()
			.split("\n")
			.map((line) => `    ${line}`)
			.join("\n");
		const found = only(discoverText("values.yaml", `tls:\n  enabled: true\n  cert: |\n${pem}\n`));
		expect(found.line).toBe(4);
	});
});
