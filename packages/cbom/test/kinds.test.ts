import { afterAll, describe, expect, it } from "vitest";
import { buildCbom, type FindingInput, validateCbom } from "../src/index.ts";
import {
	component,
	components,
	crypto,
	dependsOn,
	finding,
	findingsOf,
	type Json,
	occurrences,
	propertyValues,
	run,
	scratch,
} from "./helpers.ts";

const SUBJECT = { name: "execution 65f1c2d3e4b5a69788990011" };
const TIMESTAMP = new Date("2025-06-01T12:00:00Z");

function cbom(findings: FindingInput[]): Json {
	return buildCbom(findings, { subject: SUBJECT, timestamp: TIMESTAMP });
}

async function expectValid(document: Json): Promise<void> {
	expect(await validateCbom(document)).toEqual({ valid: true, errors: [] });
}

describe("algorithms found in code", () => {
	const javaEcb = finding(
		"algorithm",
		"algorithm:AES:ecb:pkcs5",
		{
			name: "AES",
			primitive: "block-cipher",
			mode: "ECB",
			padding: "PKCS5Padding",
			keySize: 128,
			language: "java",
			api: "javax.crypto.Cipher.getInstance",
			evidence: 'Cipher.getInstance("AES/ECB/PKCS5Padding")',
		},
		"src/main/java/Legacy.java",
		42,
	);
	const sameElsewhere = finding(
		"algorithm",
		"algorithm:AES:ecb:pkcs5",
		{ name: "AES", primitive: "block-cipher", mode: "ecb", padding: "pkcs5", keySize: 128, language: "java" },
		"src/main/java/Other.java",
		7,
	);
	// The shapes packages/crypto-usage reports: a post-quantum family with its parameter set, composites with `hash`.
	const mlKem = finding(
		"algorithm",
		"algorithm:ML-KEM:768",
		{ name: "ML-KEM", primitive: "kem", parameterSetIdentifier: "768", language: "go", api: "mlkem.GenerateKey768" },
		"internal/kex/kex.go",
		19,
	);
	const signature = finding(
		"algorithm",
		"algorithm:RSA:pkcs1v15:SHA-256",
		{
			name: "RSA",
			primitive: "signature",
			padding: "pkcs1v15",
			hash: "SHA-256",
			language: "java",
			api: "Signature.getInstance",
		},
		"src/main/java/Signer.java",
		12,
	);
	const hmac = finding(
		"algorithm",
		"algorithm:HMAC:SHA-256",
		{ name: "HMAC", primitive: "mac", hash: "SHA-256", language: "python", api: "hmac.new" },
		"app/webhooks.py",
		30,
	);
	const pbkdf2 = finding(
		"algorithm",
		"algorithm:PBKDF2:SHA-1",
		{ name: "PBKDF2", primitive: "kdf", hash: "SHA-1", language: "java", api: "SecretKeyFactory.getInstance" },
		"src/main/java/Passwords.java",
		8,
	);
	const ecdsa = finding(
		"algorithm",
		"algorithm:ECDSA:SHA-256:secp256k1",
		{
			name: "ECDSA",
			primitive: "signature",
			hash: "SHA-256",
			curve: "secp256k1",
			keySize: 256,
			language: "javascript",
			api: "jwt.sign",
		},
		"src/token.js",
		4,
	);
	const odd = finding(
		"algorithm",
		"algorithm:Blowfish:cbc",
		{ name: "Blowfish", primitive: "symmetric", mode: "cbc", padding: "ISO10126Padding", keySize: 128 },
		"legacy/crypt.py",
		3,
	);
	const document = cbom([javaEcb, sameElsewhere, mlKem, signature, hmac, pbkdf2, ecdsa, odd]);

	it("validates", async () => {
		await expectValid(document);
	});

	it("describe the algorithm, with the catalogue's OID and security levels", () => {
		const aes = component(document, "algorithm:AES:ecb:pkcs5");
		expect(aes.name).toBe("AES-128-ECB");
		expect(crypto(aes)).toEqual({
			assetType: "algorithm",
			oid: "2.16.840.1.101.3.4.1.1",
			algorithmProperties: {
				primitive: "block-cipher",
				mode: "ecb",
				padding: "pkcs5",
				parameterSetIdentifier: "128",
				cryptoFunctions: ["encrypt", "decrypt"],
				classicalSecurityLevel: 128,
				nistQuantumSecurityLevel: 1,
			},
		});
		expect(occurrences(aes)).toEqual([
			{
				location: "src/main/java/Legacy.java",
				line: 42,
				symbol: "javax.crypto.Cipher.getInstance",
				additionalContext: 'Cipher.getInstance("AES/ECB/PKCS5Padding")',
			},
			{ location: "src/main/java/Other.java", line: 7 },
		]);
		expect(propertyValues(aes, "sensorium:algorithm:language")).toEqual(["java"]);

		const kem = component(document, "algorithm:ML-KEM:768");
		expect(kem.name).toBe("ML-KEM-768");
		expect(crypto(kem)).toMatchObject({
			oid: "2.16.840.1.101.3.4.4.2",
			algorithmProperties: {
				primitive: "kem",
				parameterSetIdentifier: "768",
				cryptoFunctions: ["encapsulate", "decapsulate"],
				classicalSecurityLevel: 192,
				nistQuantumSecurityLevel: 3,
			},
		});
	});

	it("name composites after their hash and depend on it, as certificates and tokens do", () => {
		const rsa = component(document, "algorithm:RSA:pkcs1v15:SHA-256");
		expect(rsa.name).toBe("SHA256withRSA");
		expect(crypto(rsa)).toMatchObject({
			oid: "1.2.840.113549.1.1.11",
			algorithmProperties: { primitive: "signature", padding: "pkcs1v15", cryptoFunctions: ["sign", "verify"] },
		});
		expect(dependsOn(document, "algorithm:RSA:pkcs1v15:SHA-256")).toEqual(["crypto/algorithm/SHA-256"]);
		expect(component(document, "algorithm:HMAC:SHA-256")).toMatchObject({
			name: "HMAC-SHA256",
			cryptoProperties: { oid: "1.2.840.113549.2.9", algorithmProperties: { primitive: "mac" } },
		});
		expect(component(document, "algorithm:PBKDF2:SHA-1").name).toBe("PBKDF2-HMAC-SHA1");
		expect(dependsOn(document, "algorithm:PBKDF2:SHA-1")).toEqual(["crypto/algorithm/SHA-1"]);
		const ecdsa = component(document, "algorithm:ECDSA:SHA-256:secp256k1");
		expect(ecdsa.name).toBe("SHA256withECDSA");
		expect(crypto(ecdsa)).toMatchObject({
			oid: "1.2.840.10045.4.3.2",
			algorithmProperties: { curve: "secp256k1", classicalSecurityLevel: 128, nistQuantumSecurityLevel: 0 },
		});
		expect(occurrences(ecdsa)).toEqual([{ location: "src/token.js", line: 4, symbol: "jwt.sign" }]);
	});

	it("keep what the catalogue does not know, mapping unknown values to `other`", () => {
		const blowfish = component(document, "algorithm:Blowfish:cbc");
		expect(blowfish.name).toBe("Blowfish-128-CBC");
		expect(crypto(blowfish).algorithmProperties).toEqual({
			primitive: "other",
			mode: "cbc",
			padding: "other",
			parameterSetIdentifier: "128",
		});
	});
});

describe("libraries and protocols", () => {
	const document = cbom([
		finding(
			"library",
			"library:java:org.bouncycastle:bcprov-jdk18on",
			{
				name: "org.bouncycastle:bcprov-jdk18on",
				version: "1.78.1",
				language: "java",
				evidence: "import org.bouncycastle.jce.provider.BouncyCastleProvider;",
			},
			"src/main/java/Boot.java",
			3,
		),
		finding(
			"protocol",
			"protocol:tls:1.2",
			{
				type: "tls",
				version: "TLSv1.2",
				cipherSuites: [
					"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
					"!aNULL",
					{ name: "TLS_RSA_WITH_AES_256_CBC_SHA", identifiers: ["0x00", "0x35"] },
				],
				source: "config",
				evidence: "ssl_protocols TLSv1.2;",
			},
			"deploy/nginx.conf",
			14,
		),
		finding("protocol", "protocol:ssh", { type: "ssh", source: "config" }, "etc/ssh/sshd_config", null),
	]);

	it("validates", async () => {
		await expectValid(document);
	});

	it("makes a library a `library` component, not a crypto asset", () => {
		const library = component(document, "library:java:org.bouncycastle:bcprov-jdk18on");
		expect(library).toMatchObject({ type: "library", name: "org.bouncycastle:bcprov-jdk18on", version: "1.78.1" });
		expect(library).not.toHaveProperty("cryptoProperties");
		expect(occurrences(library)).toEqual([
			{
				location: "src/main/java/Boot.java",
				line: 3,
				additionalContext: "import org.bouncycastle.jce.provider.BouncyCastleProvider;",
			},
		]);
	});

	it("makes a protocol a protocol asset with version and cipher suites", () => {
		const tls = component(document, "protocol:tls:1.2");
		expect(tls.name).toBe("TLS 1.2");
		expect(crypto(tls)).toEqual({
			assetType: "protocol",
			protocolProperties: {
				type: "tls",
				version: "1.2",
				cipherSuites: [
					{ name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
					{ name: "TLS_RSA_WITH_AES_256_CBC_SHA", identifiers: ["0x00", "0x35"] },
				],
			},
		});
		expect(propertyValues(tls, "sensorium:protocol:source")).toEqual(["config"]);
		expect(component(document, "protocol:ssh")).toMatchObject({
			name: "SSH",
			cryptoProperties: { assetType: "protocol", protocolProperties: { type: "ssh" } },
		});
	});
});

describe("keystores", () => {
	const STORE = `keystore:${"ab".repeat(32)}`;
	const CERT = "cd".repeat(32);
	const jks = finding(
		"keystore",
		STORE,
		{
			type: "JKS",
			version: 2,
			entries: [
				{ alias: "server", kind: "private-key", certificateFingerprints: [CERT], keyProtection: "jks-keyprotector" },
				{ alias: "gone", kind: "trusted-cert", certificateFingerprints: ["ef".repeat(32)] },
			],
			passwordIsDefault: true,
		},
		"app.war!WEB-INF/classes/server.jks",
	);
	const weakness = finding(
		"keystore",
		`${STORE}:default-password`,
		{ type: "JKS", weakness: "default-password", passwordIsDefault: true, matchedDefault: "changeit" },
		"app.war!WEB-INF/classes/server.jks",
		null,
		{
			analysis: {
				priority: "high",
				reasons: [{ rule: "default-password", priority: "high", message: "opens with a well-known password" }],
			},
		},
	);
	const certificate = finding(
		"x509",
		`x509:${CERT}`,
		{
			subject: "CN=server",
			issuer: "CN=server",
			signatureAlgorithm: "sha256WithRSAEncryption",
			publicKey: { algorithm: "RSA", size: 4096 },
		},
		"app.war!WEB-INF/classes/server.jks",
	);
	const document = cbom([jks, weakness, certificate]);

	it("validates", async () => {
		await expectValid(document);
	});

	it("joins the default-password finding to its keystore, without the password", () => {
		const store = component(document, STORE);
		expect(components(document).filter((c) => propertyValues(c, "sensorium:keystore:type").length > 0)).toHaveLength(1);
		expect(store.name).toBe("JKS keystore");
		expect(crypto(store)).toEqual({
			assetType: "related-crypto-material",
			relatedCryptoMaterialProperties: { type: "other", format: "JKS" },
		});
		expect(propertyValues(store, "sensorium:keystore:passwordIsDefault")).toEqual(["true"]);
		expect(propertyValues(store, "sensorium:keystore:weakness")).toEqual(["default-password"]);
		expect(propertyValues(store, "sensorium:keystore:entry")).toEqual(["private-key server", "trusted-cert gone"]);
		expect(propertyValues(store, "sensorium:identity")).toEqual([STORE, `${STORE}:default-password`]);
		expect(propertyValues(store, "sensorium:priority")).toEqual(["high"]);
		expect(propertyValues(store, "sensorium:analysis:default-password")).toEqual([
			"high: opens with a well-known password",
		]);
		expect(occurrences(store)).toEqual([{ location: "app.war!WEB-INF/classes/server.jks" }]);
		expect(JSON.stringify(document)).not.toContain("changeit");
	});

	it("depends on the certificates it holds that are in the CBOM", () => {
		expect(dependsOn(document, STORE)).toEqual([`x509:${CERT}`]);
		expect(crypto(component(document, `x509:${CERT}`)).certificateProperties?.subjectPublicKeyRef).toBe(
			`x509:${CERT}:public-key`,
		);
	});

	describe("from a real PKCS#12 file", () => {
		const files = scratch("keystore");
		afterAll(() => files.remove());

		it("validates and never names the matched password", async () => {
			const p = files.path;
			run(
				"openssl",
				"req",
				"-x509",
				"-newkey",
				"rsa:2048",
				"-nodes",
				"-keyout",
				p("k.pem"),
				"-out",
				p("c.pem"),
				"-subj",
				"/CN=store",
				"-days",
				"5",
			);
			run(
				"openssl",
				"pkcs12",
				"-export",
				"-in",
				p("c.pem"),
				"-inkey",
				p("k.pem"),
				"-out",
				p("s.p12"),
				"-passout",
				"pass:changeit",
			);
			const found = findingsOf("config/store.p12", files.read("s.p12"));
			const document = cbom(found);
			await expectValid(document);
			const stores = components(document).filter((c) => propertyValues(c, "sensorium:keystore:type").length > 0);
			expect(stores).toHaveLength(1);
			const store = stores[0] as Json;
			expect(crypto(store).relatedCryptoMaterialProperties).toMatchObject({ type: "other", format: "PKCS12" });
			expect(propertyValues(store, "sensorium:keystore:passwordIsDefault")).toEqual(["true"]);
			const certificates = components(document).filter((c) => crypto(c).assetType === "certificate");
			expect(certificates).toHaveLength(1);
			expect(dependsOn(document, store["bom-ref"] as string)).toContain((certificates[0] as Json)["bom-ref"]);
			expect(JSON.stringify(document)).not.toContain("changeit");
		});
	});
});

describe("tokens", () => {
	it("point a JWE at its content encryption and depend on its key management too", async () => {
		const document = cbom([
			finding(
				"token",
				`token:${"1".repeat(64)}`,
				{ type: "jwe", alg: "RSA-OAEP-256", enc: "A256GCM", algNone: false },
				"a.txt",
				1,
			),
			finding("token", `token:${"2".repeat(64)}`, { type: "jwt", alg: "none", algNone: true }, "b.txt", 1),
		]);
		await expectValid(document);
		const jwe = component(document, `token:${"1".repeat(64)}`);
		expect(jwe.name).toBe("JWE RSA-OAEP-256 A256GCM");
		expect(crypto(jwe).relatedCryptoMaterialProperties?.algorithmRef).toBe("crypto/algorithm/AES-256-GCM");
		expect(dependsOn(document, `token:${"1".repeat(64)}`).sort()).toEqual([
			"crypto/algorithm/AES-256-GCM",
			"crypto/algorithm/RSA-OAEP-256",
		]);
		expect(crypto(component(document, "crypto/algorithm/AES-256-GCM")).algorithmProperties).toMatchObject({
			primitive: "ae",
			mode: "gcm",
			nistQuantumSecurityLevel: 5,
		});
		const unsigned = component(document, `token:${"2".repeat(64)}`);
		expect(crypto(unsigned).relatedCryptoMaterialProperties).toEqual({ type: "token" });
		expect(propertyValues(unsigned, "sensorium:token:algNone")).toEqual(["true"]);
	});
});

describe("analysis, status and labels", () => {
	it("records the highest priority, every reason, the findings and the labels", async () => {
		const identity = `x509:${"9".repeat(64)}`;
		const attributes = {
			subject: "CN=old",
			signatureAlgorithm: "md5WithRSAEncryption",
			signatureAlgorithmOid: "1.2.840.113549.1.1.4",
		};
		const document = cbom([
			finding("x509", identity, attributes, "a.pem", 1, {
				status: "resolved",
				analysis: {
					priority: "medium",
					reasons: [{ rule: "expired", priority: "medium", message: "expired in 2019" }],
				},
				labels: [{ team: "payments" }],
			}),
			finding("x509", identity, attributes, "b.pem", 5, {
				analysis: {
					priority: "critical",
					reasons: [
						{ rule: "weak-signature", priority: "critical", message: "MD5 signature" },
						{ rule: "expired", priority: "medium", message: "expired in 2019" },
					],
				},
				labels: [{ team: "payments" }, { env: "prod" }],
			}),
		]);
		await expectValid(document);
		const certificate = component(document, identity);
		expect(propertyValues(certificate, "sensorium:priority")).toEqual(["critical"]);
		expect(propertyValues(certificate, "sensorium:status")).toEqual(["open"]);
		expect(propertyValues(certificate, "sensorium:analysis:weak-signature")).toEqual(["critical: MD5 signature"]);
		expect(propertyValues(certificate, "sensorium:analysis:expired")).toEqual(["medium: expired in 2019"]);
		expect(propertyValues(certificate, "sensorium:finding")).toHaveLength(2);
		expect(propertyValues(certificate, "sensorium:label:team")).toEqual(["payments"]);
		expect(propertyValues(certificate, "sensorium:label:env")).toEqual(["prod"]);
		expect(component(document, "crypto/algorithm/MD5withRSA").name).toBe("MD5withRSA");
	});
});

describe("robustness", () => {
	it("skips what it cannot map and never throws on unknown shapes", async () => {
		const malformed = [
			finding("db", "db:postgres:1", { db: "postgres" }, "docker-compose.yml", 4),
			{ ...finding("x509", "", {}, "x.pem"), identity: "" },
			{ findingId: "broken" } as unknown as FindingInput,
			null as unknown as FindingInput,
			{
				...finding("key", `key:${"3".repeat(64)}`, {}, "k.pem", 0),
				crypto: {},
				observation: {},
			} as unknown as FindingInput,
			finding(
				"x509",
				`x509:${"4".repeat(64)}`,
				{ subject: 42, publicKey: "RSA", notValidAfter: "someday", signatureAlgorithm: [] },
				"c.pem",
				2,
			),
			finding("token", `token:${"5".repeat(64)}`, { alg: { name: "HS256" }, claims: "none" }, "t.txt", 1),
			finding("keystore", `keystore:${"6".repeat(64)}`, { entries: "many", mac: 3 }, "s.jks", null),
			finding("algorithm", "algorithm:x", { name: 7, keySize: "big", mode: ["cbc"] }, "x.c", 1),
			finding("protocol", "protocol:quic", { type: "QUIC", cipherSuites: [1, null, {}] }, "q.conf", 1),
		];
		const document = cbom(malformed);
		await expectValid(document);
		expect((document.metadata as Json).properties).toEqual([{ name: "sensorium:skippedFindings", value: "4" }]);
		expect(component(document, `x509:${"4".repeat(64)}`)).toMatchObject({ name: "X.509 certificate" });
		expect(component(document, `key:${"3".repeat(64)}:key`)).toMatchObject({ name: "unknown key" });
		expect(occurrences(component(document, `key:${"3".repeat(64)}:key`))).toEqual([]);
		expect(component(document, "protocol:quic")).toMatchObject({
			name: "QUIC",
			cryptoProperties: { protocolProperties: { type: "other" } },
		});
	});

	it("builds an empty, valid CBOM from no findings", async () => {
		const document = cbom([]);
		await expectValid(document);
		expect(document.components ?? []).toEqual([]);
	});

	it("is deterministic for the same input, serial number and time", () => {
		const inputs = [
			finding(
				"x509",
				`x509:${"7".repeat(64)}`,
				{
					subject: "CN=a",
					publicKey: { algorithm: "EC", curve: "P-256", size: 256, fingerprintSha256: "8".repeat(64) },
				},
				"a.pem",
				1,
			),
			finding(
				"key",
				`key:${"8".repeat(64)}`,
				{ type: "private-key", algorithm: "EC", curve: "P-256", size: 256, fingerprintSha256: "8".repeat(64) },
				"a.key",
				1,
			),
		];
		const options = { subject: SUBJECT, timestamp: TIMESTAMP, serialNumber: "0F8FAD5B-D9CB-469F-A165-70867728950E" };
		const first = buildCbom(inputs, options);
		expect(buildCbom([...inputs].reverse(), options)).toEqual(first);
		expect(first.serialNumber).toBe("urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e");
		expect(buildCbom(inputs, { subject: SUBJECT }).serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
	});
});
