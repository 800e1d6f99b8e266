import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Analysis, createEvaluator, type Finding } from "../src/index.ts";
import {
	certificates,
	discovered,
	encryptedKeyPem,
	mlDsaPublicKeyPem,
	only,
	privateKeyPem,
	token,
	used,
} from "./fixtures.ts";

const evaluate = createEvaluator();
const NOW = new Date();
const DAY = 24 * 60 * 60 * 1000;
const daysFromNow = (days: number) => new Date(NOW.getTime() + days * DAY);

/** `rule:priority` per reason, the compact form assertions compare. */
const rules = (analysis: Analysis) => analysis.reasons.map((reason) => `${reason.rule}:${reason.priority}`);

const fixtures = certificates();
let weakCa: Finding;
let selfSignedLeaf: Finding;
let md5Ca: Finding;
let issuedLeaf: Finding;

beforeAll(() => {
	weakCa = only(discovered("certs/ca.pem", fixtures.selfSignedCa("ca", ["-newkey", "rsa:1024"], "sha1", 29)));
	selfSignedLeaf = only(discovered("certs/leaf.pem", fixtures.selfSignedLeaf("leaf", 10)));
	md5Ca = only(discovered("certs/md5.pem", fixtures.selfSignedCa("md5", ["-newkey", "rsa:2048"], "md5", 400)));
	fixtures.selfSignedCa("root", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"], "sha384", 3650);
	issuedLeaf = only(discovered("certs/server.pem", fixtures.issued("server", "root", 365)));
});

afterAll(() => fixtures.remove());

describe("certificates (from the discovery engine)", () => {
	it("a CA-issued RSA-2048/SHA-256 leaf valid for a year is only quantum-vulnerable", () => {
		const analysis = evaluate(issuedLeaf, NOW);
		expect(analysis.priority).toBe("low");
		expect(analysis.reasons).toEqual([
			{
				rule: "quantum-vulnerable",
				priority: "low",
				message: expect.stringMatching(/^RSA certificate public key: a large quantum computer breaks it/),
			},
		]);
	});

	it("RSA-1024 signed with SHA-1: short key, weak signature, expiring", () => {
		const analysis = evaluate(weakCa, NOW);
		expect(analysis.priority).toBe("high");
		expect(rules(analysis)).toEqual([
			"rsa-short-key:high",
			"weak-signature-sha1:high",
			"certificate-expiring:medium",
			"quantum-vulnerable:low",
		]);
		expect(analysis.reasons[0]?.message).toBe("RSA certificate public key of 1024 bits (at least 2048 required)");
	});

	it("expiry: expired after notValidAfter, expiring within the window, neither before it", () => {
		expect(rules(evaluate(weakCa, daysFromNow(31)))).toContain("certificate-expired:high");
		expect(rules(evaluate(weakCa, daysFromNow(31)))).not.toContain("certificate-expiring:medium");
		expect(rules(evaluate(md5Ca, NOW))).not.toContain("certificate-expiring:medium");
		expect(rules(evaluate(md5Ca, daysFromNow(380)))).toContain("certificate-expiring:medium");
		const withinAWeek = createEvaluator([], { expiringWithinDays: 7 });
		expect(rules(withinAWeek(weakCa, NOW))).not.toContain("certificate-expiring:medium");
		expect(rules(withinAWeek(weakCa, daysFromNow(25)))).toContain("certificate-expiring:medium");
	});

	it("a self-signed leaf is flagged; a self-signed CA is not", () => {
		expect(rules(evaluate(selfSignedLeaf, NOW))).toEqual([
			"certificate-expiring:medium",
			"certificate-self-signed:medium",
			"quantum-vulnerable:low",
		]);
		expect(rules(evaluate(weakCa, NOW))).not.toContain("certificate-self-signed:medium");
	});

	it("an MD5 signature is a weak hash", () => {
		expect(rules(evaluate(md5Ca, NOW))).toEqual(["weak-hash-md5:high", "quantum-vulnerable:low"]);
	});

	it("producers that flatten the key as keyAlgorithm/keySize are read too", () => {
		const flat: Finding = { kind: "x509", crypto: { x509: { keyAlgorithm: "EC", keySize: 224, curve: "P-224" } } };
		expect(rules(evaluate(flat, NOW))).toEqual(["ec-short-key:high", "quantum-vulnerable:low"]);
	});
});

describe("keys and keystores", () => {
	it("an unencrypted private key in a repository is critical, whatever its algorithm", () => {
		const analysis = evaluate(only(discovered("deploy/id_ed25519.pem", privateKeyPem("ed25519"))), NOW);
		expect(rules(analysis)).toEqual(["private-key-unencrypted:critical", "quantum-vulnerable:low"]);
		expect(analysis.reasons[0]?.message).toBe(
			"unencrypted Ed25519 private key in deploy/id_ed25519.pem: whoever reads the file holds the key",
		);
	});

	it("RSA under 1024 bits is one step above rsa-short-key's priority", () => {
		expect(rules(evaluate(only(discovered("k.pem", privateKeyPem("rsa", 1024))), NOW))).toContain("rsa-short-key:high");
		expect(rules(evaluate(only(discovered("k.pem", privateKeyPem("rsa", 512))), NOW))).toContain(
			"rsa-short-key:critical",
		);
		expect(rules(evaluate(only(discovered("k.pem", privateKeyPem("rsa", 2048))), NOW))).not.toContain(
			"rsa-short-key:high",
		);
	});

	it("EC keys on curves under 256 bits", () => {
		expect(rules(evaluate(only(discovered("k.pem", privateKeyPem("ec", "prime192v1"))), NOW))).toContain(
			"ec-short-key:high",
		);
		expect(rules(evaluate(only(discovered("k.pem", privateKeyPem("ec", "P-256"))), NOW))).not.toContain(
			"ec-short-key:high",
		);
	});

	it("an encrypted key is not unencrypted, but 3DES protection is weak", () => {
		const tripleDes = evaluate(only(discovered("k.pem", encryptedKeyPem("des-ede3-cbc"))), NOW);
		expect(rules(tripleDes)).toEqual(["weak-cipher-des:high"]);
		expect(tripleDes.reasons[0]?.message).toBe("private key protected with des-ede3-cbc");
		expect(evaluate(only(discovered("k.pem", encryptedKeyPem("aes-256-cbc"))), NOW)).toEqual({
			priority: "info",
			reasons: [],
		});
	});

	it("a post-quantum public key is reported as such, not as quantum-vulnerable", () => {
		const found = only(discovered("pq.pem", mlDsaPublicKeyPem()));
		expect(found.crypto.key).toMatchObject({ algorithm: "ML-DSA-65" });
		expect(evaluate(found, NOW)).toEqual({
			priority: "info",
			reasons: [{ rule: "post-quantum", priority: "info", message: "ML-DSA-65 public key is post-quantum" }],
		});
	});

	it("PKCS#12 from openssl: a default password and 3DES protection; a modern store raises nothing", () => {
		const legacy = discovered("src/main/resources/server.p12", fixtures.pkcs12("leaf", "changeit", true));
		const stores = legacy.filter((found) => found.kind === "keystore").map((found) => rules(evaluate(found, NOW)));
		expect(stores).toEqual([
			["keystore-default-password:critical", "weak-cipher-des:high"],
			["keystore-default-password:critical"],
		]);
		const store = legacy.find((found) => found.kind === "keystore") as Finding;
		expect(evaluate(store, NOW).reasons[1]?.message).toBe(
			"PKCS12 keystore protected with pbeWithSHAAnd3-KeyTripleDES-CBC",
		);
		const modern = discovered("server.p12", fixtures.pkcs12("leaf", "a-unique-passphrase", false));
		const modernStore = modern.find((found) => found.kind === "keystore") as Finding;
		expect(evaluate(modernStore, NOW)).toEqual({ priority: "info", reasons: [] });
	});

	it("a keystore that opens with a default password", () => {
		const keystore: Finding = {
			kind: "keystore",
			path: "src/main/resources/truststore.jks",
			crypto: { keystore: { type: "jks", passwordIsDefault: true, weakness: "default-password" } },
		};
		expect(evaluate(keystore, NOW)).toEqual({
			priority: "critical",
			reasons: [
				{
					rule: "keystore-default-password",
					priority: "critical",
					message: "jks keystore in src/main/resources/truststore.jks opens with a well-known default password",
				},
			],
		});
		const protectedStore: Finding = {
			kind: "keystore",
			crypto: { keystore: { type: "pkcs12", passwordIsDefault: false } },
		};
		expect(evaluate(protectedStore, NOW).priority).toBe("info");
	});
});

describe("tokens", () => {
	it("alg none is critical; RS256 is quantum-vulnerable; HS256 raises nothing", () => {
		const none = token({ alg: "none", typ: "JWT" }, { sub: "1", admin: true }, "");
		// Signatures as long as the algorithm makes them: 2048-bit RSA, HMAC-SHA-256.
		const rs = token({ alg: "RS256" }, { sub: "1" }, Buffer.alloc(256, 1).toString("base64url"));
		const hs = token({ alg: "HS256" }, { sub: "1" }, Buffer.alloc(32, 1).toString("base64url"));
		const [noneToken, rsToken, hsToken] = discovered(
			"app.js",
			`const a = "${none}";\nconst b = "${rs}";\nconst c = "${hs}";\n`,
		);
		expect(evaluate(noneToken as Finding, NOW).reasons).toEqual([
			{ rule: "jwt-alg-none", priority: "critical", message: "unsigned token (alg none): anyone can forge its claims" },
		]);
		expect(rules(evaluate(rsToken as Finding, NOW))).toEqual(["quantum-vulnerable:low"]);
		expect(evaluate(hsToken as Finding, NOW)).toEqual({ priority: "info", reasons: [] });
	});
});

describe("algorithm, library and protocol use (from crypto-usage)", () => {
	const java = (line: string) => `import javax.crypto.Cipher;\nimport java.security.*;\n${line}\n`;

	it("weak algorithms and modes", () => {
		expect(rules(evaluate(used("A.java", java('Cipher.getInstance("AES");'), "algorithm:AES:ecb:pkcs5"), NOW))).toEqual(
			["weak-mode-ecb:high"],
		);
		expect(rules(evaluate(used("a.py", "import hashlib\nhashlib.md5(x)\n", "algorithm:MD5"), NOW))).toEqual([
			"weak-hash-md5:high",
		]);
		expect(
			rules(
				evaluate(used("a.js", "require('crypto').createCipheriv('des-ede3-cbc', k, iv)\n", "algorithm:3DES:cbc"), NOW),
			),
		).toEqual(["weak-cipher-des:high"]);
		expect(
			rules(evaluate(used("a.go", 'import "crypto/rc4"\nc, _ := rc4.NewCipher(k)\n', "algorithm:RC4"), NOW)),
		).toEqual(["weak-cipher-rc4:high"]);
		expect(
			rules(evaluate(used("A.java", java('Cipher.getInstance("PBEWithMD5AndDES");'), "algorithm:DES:cbc:MD5"), NOW)),
		).toEqual(["weak-hash-md5:high", "weak-cipher-des:high"]);
	});

	it("SHA-1 signatures, short keys and quantum-vulnerable key generation", () => {
		const sha1 = evaluate(used("A.java", java('Signature.getInstance("SHA1withRSA");'), "algorithm:RSA:SHA-1"), NOW);
		expect(sha1.priority).toBe("high");
		expect(rules(sha1)).toEqual(["weak-signature-sha1:high", "quantum-vulnerable:low"]);
		const rsa512 = used(
			"A.java",
			java('KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");\ng.initialize(512);'),
			"algorithm:RSA:512",
		);
		expect(rules(evaluate(rsa512, NOW))).toEqual(["rsa-short-key:critical", "quantum-vulnerable:low"]);
		const p192 = used(
			"a.py",
			"from cryptography.hazmat.primitives.asymmetric import ec\nk = ec.generate_private_key(ec.SECP192R1())\n",
			"algorithm:EC:P-192",
		);
		expect(rules(evaluate(p192, NOW))).toEqual(["ec-short-key:high", "quantum-vulnerable:low"]);
		const hmacSha1 = used("a.js", "require('crypto').createHmac('sha1', k)\n", "algorithm:HMAC:SHA-1");
		expect(evaluate(hmacSha1, NOW)).toEqual({ priority: "info", reasons: [] });
	});

	it("good and post-quantum crypto is recorded without a finding", () => {
		const gcm = used("A.java", java('Cipher.getInstance("AES/GCM/NoPadding");'), "algorithm:AES:gcm");
		expect(evaluate(gcm, NOW)).toEqual({ priority: "info", reasons: [] });
		const mlkem = used("A.java", java('KeyPairGenerator.getInstance("ML-KEM-768");'), "algorithm:ML-KEM:768");
		expect(rules(evaluate(mlkem, NOW))).toEqual(["post-quantum:info"]);
		const hybrid = used("openssl.cnf", "Groups = X25519MLKEM768\n", "algorithm:X25519MLKEM768:768");
		expect(rules(evaluate(hybrid, NOW))).toEqual(["post-quantum:info"]);
		const library = used("A.java", java(""), "library:jca");
		expect(evaluate(library, NOW)).toEqual({ priority: "info", reasons: [] });
	});

	it("JWT none configured in code", () => {
		const none = used("a.js", "require('jsonwebtoken').verify(t, k, { algorithms: ['none'] })\n", "algorithm:none");
		expect(rules(evaluate(none, NOW))).toEqual(["jwt-alg-none:critical"]);
	});

	it("legacy TLS versions and weak cipher suites; exclusions are not use", () => {
		const nginx = "ssl_protocols TLSv1 TLSv1.2;\nssl_ciphers 'HIGH:!MD5:!RC4:DES-CBC3-SHA';\n";
		const tls10 = evaluate(used("nginx.conf", nginx, "protocol:tls:1.0"), NOW);
		expect(tls10.reasons).toEqual([
			{
				rule: "tls-legacy-version",
				priority: "high",
				message: "TLS 1.0 enabled (nginx ssl_protocols): deprecated by RFC 8996",
			},
		]);
		expect(evaluate(used("nginx.conf", nginx, "protocol:tls:1.2"), NOW).priority).toBe("info");
		expect(rules(evaluate(used("nginx.conf", nginx, "protocol:tls"), NOW))).toEqual(["weak-cipher-des:high"]);
		const ssh = "Ciphers aes256-ctr,arcfour\nMACs hmac-md5\nHostKeyAlgorithms ssh-rsa\n";
		expect(rules(evaluate(used("sshd_config", ssh, "protocol:ssh:2"), NOW))).toEqual(["weak-cipher-rc4:high"]);
		expect(rules(evaluate(used("sshd_config", ssh, "algorithm:HMAC:MD5"), NOW))).toEqual(["weak-hash-md5:high"]);
		expect(rules(evaluate(used("sshd_config", ssh, "algorithm:RSA:pkcs1v15:SHA-1"), NOW))).toEqual([
			"weak-signature-sha1:high",
			"quantum-vulnerable:low",
		]);
	});
});

describe("aggregation", () => {
	it("priority is the highest reason's; reasons come highest first", () => {
		const analysis = evaluate(only(discovered("k.pem", privateKeyPem("rsa", 1024))), NOW);
		expect(analysis.priority).toBe("critical");
		expect(rules(analysis)).toEqual([
			"private-key-unencrypted:critical",
			"rsa-short-key:high",
			"quantum-vulnerable:low",
		]);
	});

	it("findings of unknown kinds or without attributes are info", () => {
		expect(evaluate({ kind: "mystery", crypto: { mystery: { algorithm: "RSA" } } }, NOW)).toEqual({
			priority: "info",
			reasons: [],
		});
		expect(evaluate({ kind: "key", crypto: {} }, NOW)).toEqual({ priority: "info", reasons: [] });
		expect(
			evaluate({ kind: "x509", crypto: { x509: { notValidAfter: "not a date", publicKey: "RSA" } } }, NOW),
		).toEqual({
			priority: "info",
			reasons: [],
		});
	});
});
