import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describeError } from "@sensorium/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverDetailed } from "../src/index.ts";
import { Scan } from "../src/scan.ts";
import { openssl, scratch } from "./helpers.ts";
import { MIB, zipArchive } from "./zip-writer.ts";

const fixtures = scratch("robustness");
let goodPem = "";
let emptySubjectPem = "";

beforeAll(() => {
	openssl(
		"req",
		"-x509",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-days",
		"30",
		"-keyout",
		fixtures.path("good.key"),
		"-out",
		fixtures.path("good.pem"),
		"-subj",
		"/CN=good.example",
	);
	goodPem = fixtures.text("good.pem");
	// A certificate whose subject and issuer are empty sequences: Node's X509Certificate gives `undefined` names.
	openssl(
		"req",
		"-x509",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-days",
		"30",
		"-keyout",
		fixtures.path("empty.key"),
		"-out",
		fixtures.path("empty.pem"),
		"-subj",
		"/",
	);
	emptySubjectPem = fixtures.text("empty.pem");
});

afterAll(() => fixtures.remove());

/** A PEM block with one base64 character changed in the middle of its body. */
function damaged(pem: string): string {
	const lines = pem.split("\n");
	const middle = Math.floor(lines.length / 2);
	const line = lines[middle] as string;
	lines[middle] = `${line.slice(0, 10)}${line[10] === "A" ? "B" : "A"}${line.slice(11)}`;
	return lines.slice(0, -3).join("\n").concat("\n-----END CERTIFICATE-----\n");
}

describe("certificates that used to fail a whole scan", () => {
	it("reports a certificate with an empty subject and issuer", () => {
		const report = discoverDetailed("empty.pem", Buffer.from(emptySubjectPem));
		expect(report.diagnostics).toEqual([]);
		expect(report.discoveries).toHaveLength(1);
		expect(report.discoveries[0]?.crypto).toMatchObject({ x509: { subject: "", issuer: "", selfSigned: true } });
	});
});

describe("one damaged input is one diagnostic", () => {
	it("lists a damaged certificate block and still finds the intact ones around it", () => {
		const text = `${goodPem}\n${damaged(goodPem)}\n${emptySubjectPem}`;
		const report = discoverDetailed("bundle.pem", Buffer.from(text));
		expect(report.discoveries.map((d) => d.line)).toEqual([1, expect.any(Number)]);
		expect(report.discoveries).toHaveLength(2);
		expect(report.diagnostics).toEqual([
			{
				stage: "parse",
				errorClass: "UnreadableBlock",
				message: "a CERTIFICATE block could not be parsed (damaged or cut)",
			},
		]);
	});

	it("names the archive member a damaged block is in, and scans the other members", () => {
		const zip = zipArchive([
			{ name: "certs/broken.pem", data: damaged(goodPem) },
			{ name: "certs/good.pem", data: goodPem },
		]);
		const report = discoverDetailed("bundle.zip", zip);
		expect(report.discoveries.map((d) => d.member)).toEqual(["certs/good.pem"]);
		expect(report.diagnostics).toEqual([expect.objectContaining({ member: "certs/broken.pem", stage: "parse" })]);
	});

	it("turns an exception of any stage into a diagnostic with its class, and carries on", () => {
		const scan = new Scan({}, "repo/app.war");
		const found = scan.guard("repo/app.war!WEB-INF/lib/x.jar", "keystore", ["fallback"], () => {
			throw new RangeError('Index out of range: "SECRET-VALUE"');
		});
		expect(found).toEqual(["fallback"]);
		expect(scan.diagnostics).toEqual([
			{ member: "WEB-INF/lib/x.jar", stage: "keystore", errorClass: "RangeError", message: 'Index out of range: "…"' },
		]);
	});

	it("keeps quoted input and long messages out of diagnostics", () => {
		expect(describeError(new SyntaxError(`Unexpected token 'p', "password=hunter2" is not valid JSON`))).toEqual({
			errorClass: "SyntaxError",
			message: "Unexpected token '…', \"…\" is not valid JSON",
		});
		expect(describeError(new Error("x".repeat(500))).message).toHaveLength(200);
	});
});

describe("decompression is bounded by the per-file limit", () => {
	it("does not inflate a compressed tar beyond maxFileBytes, whatever its members", () => {
		const big = fixtures.path("big");
		execFileSync("mkdir", ["-p", big]);
		execFileSync("sh", [
			"-c",
			`head -c ${3 * MIB} /dev/zero > ${big}/zeros.bin && cp ${fixtures.path("good.pem")} ${big}/`,
		]);
		const tgz = execFileSync("tar", ["-cz", "-C", big, "."]);
		expect(tgz.length).toBeLessThan(64 * 1024);
		const limited = discoverDetailed("release.tar.gz", tgz, { maxFileBytes: 1 * MIB });
		expect(limited.discoveries).toEqual([]);
		expect(limited.warnings).toEqual([expect.stringMatching(/skipped: over maxFileBytes \(1 MiB\) once decompressed/)]);
		const roomy = discoverDetailed("release.tar.gz", tgz, { maxFileBytes: 8 * MIB });
		expect(roomy.discoveries.map((d) => d.member)).toEqual(["./good.pem"]);
	});

	it("treats a gzip bomb as one oversize member, not as memory to allocate", () => {
		const bomb = gzipSync(Buffer.alloc(64 * MIB));
		const report = discoverDetailed("logs.gz", bomb, { maxFileBytes: 2 * MIB });
		expect(report.warnings).toEqual([expect.stringMatching(/logs\.gz!logs: skipped: over maxFileBytes/)]);
		expect(report.diagnostics).toEqual([]);
	});
});

describe("what cannot be fully parsed is still recognised", () => {
	it("finds the signer certificate of CMS signatures in PEM and DER (.p7m, .p7s), quietly skips enveloped data", () => {
		fixtures.write("message.txt", "signed content\n");
		const sign = (form: string, out: string) =>
			openssl(
				"cms",
				"-sign",
				"-in",
				fixtures.path("message.txt"),
				"-signer",
				fixtures.path("good.pem"),
				"-inkey",
				fixtures.path("good.key"),
				"-outform",
				form,
				"-out",
				fixtures.path(out),
			);
		sign("DER", "message.p7s");
		sign("PEM", "message.p7m");
		openssl(
			"cms",
			"-encrypt",
			"-in",
			fixtures.path("message.txt"),
			"-aes256",
			"-outform",
			"PEM",
			"-out",
			fixtures.path("secret.p7m"),
			fixtures.path("good.pem"),
		);
		const good = discoverDetailed("good.pem", Buffer.from(goodPem)).discoveries[0]?.identity;
		for (const name of ["message.p7s", "message.p7m"]) {
			const report = discoverDetailed(name, fixtures.read(name));
			expect(
				report.discoveries.map((d) => d.identity),
				name,
			).toEqual([good]);
		}
		const enveloped = discoverDetailed("secret.p7m", fixtures.read("secret.p7m"));
		expect(enveloped).toEqual({ discoveries: [], warnings: [], diagnostics: [] });
	});

	it.each(["des3", "aes128", "aes192", "aes256", "aria128", "camellia256"])(
		"reports a legacy encrypted PEM key (%s) with its cipher",
		(cipher) => {
			openssl("genrsa", "-out", fixtures.path("plain.key"), "1024");
			openssl(
				"rsa",
				"-in",
				fixtures.path("plain.key"),
				"-traditional",
				`-${cipher}`,
				"-passout",
				"pass:secret",
				"-out",
				fixtures.path(`${cipher}.key`),
			);
			const [key] = discoverDetailed("legacy.key", fixtures.read(`${cipher}.key`)).discoveries;
			expect(key?.crypto).toMatchObject({
				key: {
					algorithm: "RSA",
					encrypted: true,
					format: "pem-legacy-encrypted",
					cipher: expect.stringMatching(/-cbc$/),
				},
			});
		},
	);

	it("reports stream-mode legacy ciphers (CFB, OFB), whose bodies are not block-aligned", () => {
		const body = Buffer.alloc(1189, 7).toString("base64").replace(/.{64}/g, "$&\n");
		for (const cipher of ["AES-256-CFB", "DES-EDE3-OFB", "BF-CFB"]) {
			const iv = cipher.startsWith("AES") ? "00112233445566778899AABBCCDDEEFF" : "0011223344556677";
			const pem = `-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: ${cipher},${iv}\n\n${body}\n-----END EC PRIVATE KEY-----\n`;
			const [key] = discoverDetailed("stream.key", Buffer.from(pem)).discoveries;
			expect(key?.crypto, cipher).toMatchObject({
				key: { algorithm: "EC", encrypted: true, cipher: cipher.toLowerCase() },
			});
		}
	});
});

describe("token candidates that cannot be tokens", () => {
	const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
	const token = (alg: string, signatureBytes: number, payload = enc({ sub: "x" })) =>
		`${enc({ alg, typ: "JWT" })}.${payload}.${Buffer.alloc(signatureBytes, 9).toString("base64url")}`;
	const found = (text: string) => discoverDetailed("app.env", Buffer.from(`TOKEN=${text}\n`)).discoveries;

	it.each([
		["HS256", 32],
		["HS512", 64],
		["ES256", 64],
		["ES384", 96],
		["ES512", 132],
		["RS256", 256],
		["PS512", 512],
		["EdDSA", 64],
	])("reports %s with a %i-byte signature", (alg, bytes) => {
		expect(found(token(alg, bytes))).toHaveLength(1);
	});

	it.each([
		["HS256", 31],
		["ES256", 32],
		["ES512", 64],
		["RS256", 64],
		["RS256", 2048],
	])("does not report %s with a %i-byte signature", (alg, bytes) => {
		expect(found(token(alg, bytes))).toEqual([]);
	});

	it("does not report a JWS whose payload is not JSON", () => {
		expect(found(token("HS256", 32, Buffer.from("not json at all").toString("base64url")))).toEqual([]);
	});
});

describe("keys of algorithms nobody here can load", () => {
	/** DER of SubjectPublicKeyInfo { AlgorithmIdentifier { oid }, BIT STRING key }. */
	function spki(oid: Buffer, key: Buffer): Buffer {
		const tlv = (tag: number, body: Buffer) => {
			const length =
				body.length < 128 ? Buffer.from([body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
			return Buffer.concat([Buffer.from([tag]), length, body]);
		};
		return tlv(0x30, Buffer.concat([tlv(0x30, tlv(0x06, oid)), tlv(0x03, Buffer.concat([Buffer.from([0]), key]))]));
	}
	const pem = (der: Buffer) =>
		`-----BEGIN PUBLIC KEY-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END PUBLIC KEY-----\n`;

	it("reports a post-quantum public key by its name, and an unknown one by its OID", () => {
		// 1.3.9999.3.6 (Open Quantum Safe's Falcon-512) and 1.2.3.4.5 (nobody's).
		const falcon = spki(Buffer.from([0x2b, 0xce, 0x0f, 0x03, 0x06]), Buffer.alloc(897, 9));
		const unknown = spki(Buffer.from([0x2a, 0x03, 0x04, 0x05]), Buffer.alloc(64, 1));
		const found = discoverDetailed("keys.pem", Buffer.from(pem(falcon) + pem(unknown)));
		expect(found.diagnostics).toEqual([]);
		expect(found.discoveries.map((d) => (d.crypto.key as { algorithm: string }).algorithm)).toEqual([
			"Falcon-512",
			"1.2.3.4.5",
		]);
	});
});

describe("keys OpenSSL reads although they are not DER (found on Wycheproof's test vectors)", () => {
	const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
	const spki = publicKey.export({ type: "spki", format: "der" });
	const pem = (label: string, body: Buffer) =>
		`-----BEGIN ${label}-----\n${body.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END ${label}-----\n`;
	// The outer SEQUENCE with BER's indefinite length (0x80) and end-of-contents octets instead of its DER length.
	const indefinite = (der: Buffer) => {
		const first = der[1] as number;
		const lengthOctets = first & 0x80 ? 1 + (first & 0x7f) : 1;
		return Buffer.concat([Buffer.of(0x30, 0x80), der.subarray(1 + lengthOctets), Buffer.of(0, 0)]);
	};
	const forms = {
		"an indefinite length": indefinite(spki),
		"bytes after the structure": Buffer.concat([spki, Buffer.of(0, 0)]),
	};

	for (const [form, body] of Object.entries(forms)) {
		it(`finds a PUBLIC KEY with ${form}, as the same key as its DER form`, () => {
			const text = pem("PUBLIC KEY", body);
			// The real tool agrees that this is a key a program would load.
			expect(
				openssl("pkey", "-pubin", "-in", fixtures.write(`${form.replaceAll(" ", "-")}.pem`, text), "-noout").length,
			).toBe(0);
			const report = discoverDetailed("k.pem", Buffer.from(text));
			expect(report.diagnostics).toEqual([]);
			const canonical = discoverDetailed("k.pem", Buffer.from(pem("PUBLIC KEY", spki)));
			expect(report.discoveries.map((d) => d.identity)).toEqual(canonical.discoveries.map((d) => d.identity));
			expect(report.discoveries).toHaveLength(1);
		});
	}

	it("finds a PRIVATE KEY with an indefinite length", () => {
		const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
		const report = discoverDetailed("k.pem", Buffer.from(pem("PRIVATE KEY", indefinite(pkcs8))));
		expect(report.diagnostics).toEqual([]);
		expect(report.discoveries).toHaveLength(1);
		expect(report.discoveries[0]?.crypto).toMatchObject({ key: { type: "private-key" } });
	});

	it("still reports a key block OpenSSL cannot read either", () => {
		const cut = spki.subarray(0, spki.length - 5);
		const report = discoverDetailed("k.pem", Buffer.from(pem("PUBLIC KEY", cut)));
		expect(report.discoveries).toEqual([]);
		expect(report.diagnostics).toEqual([expect.objectContaining({ errorClass: "UnreadableBlock" })]);
	});
});
