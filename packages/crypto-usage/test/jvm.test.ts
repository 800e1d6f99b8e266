import { describe, expect, it } from "vitest";
import { detectCryptoUsage } from "../src/index.ts";
import { attributes, identities, lines } from "./helpers.ts";

const SERVICE = lines(
	"package com.example.crypto;",
	"",
	"import java.security.KeyPairGenerator;",
	"import java.security.MessageDigest;",
	"import java.security.Signature;",
	"import java.security.spec.ECGenParameterSpec;",
	"import javax.crypto.Cipher;",
	"import javax.crypto.KeyGenerator;",
	"import javax.crypto.Mac;",
	"import javax.crypto.SecretKeyFactory;",
	"import javax.net.ssl.SSLContext;",
	"",
	"public class LegacyCrypto {",
	"    byte[] encrypt(byte[] data) throws Exception {",
	'        Cipher ecb = Cipher.getInstance("AES/ECB/PKCS5Padding");',
	'        Cipher bare = Cipher.getInstance("AES");',
	'        Cipher gcm = Cipher.getInstance("AES_256/GCM/NoPadding");',
	'        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");',
	'        Cipher des = Cipher.getInstance("DESede/CBC/PKCS5Padding");',
	'        Cipher rc4 = Cipher.getInstance("ARCFOUR");',
	'        MessageDigest md5 = MessageDigest.getInstance("MD5");',
	'        MessageDigest sha = MessageDigest.getInstance("SHA-256");',
	'        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");',
	"        rsaGen.initialize(1024);",
	'        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");',
	'        ecGen.initialize(new ECGenParameterSpec("secp256r1"));',
	'        KeyPairGenerator edGen = KeyPairGenerator.getInstance("Ed25519");',
	'        Signature sig = Signature.getInstance("SHA1withRSA");',
	'        Signature pss = Signature.getInstance("SHA256withRSA/PSS");',
	'        Mac mac = Mac.getInstance("HmacSHA256");',
	'        SecretKeyFactory kdf = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1");',
	'        KeyGenerator aesGen = KeyGenerator.getInstance("AES");',
	"        aesGen.init(128);",
	'        SSLContext tls = SSLContext.getInstance("TLSv1");',
	"        return ecb.doFinal(data);",
	"    }",
	"}",
);

describe("Java JCA", () => {
	const found = detectCryptoUsage("src/main/java/LegacyCrypto.java", SERVICE);

	it("reports every algorithm with its parameters, on its line", () => {
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"3 library:jca",
			"11 library:jsse",
			"15 algorithm:AES:ecb:pkcs5",
			"16 algorithm:AES:ecb:pkcs5",
			"17 algorithm:AES:gcm:256",
			"18 algorithm:RSA:oaep",
			"19 algorithm:3DES:cbc:pkcs5",
			"20 algorithm:RC4",
			"21 algorithm:MD5",
			"22 algorithm:SHA-256",
			"23 algorithm:RSA:1024",
			"25 algorithm:EC:P-256",
			"27 algorithm:Ed25519",
			"28 algorithm:RSA:SHA-1",
			"29 algorithm:RSASSA-PSS:SHA-256",
			"30 algorithm:HMAC:SHA-256",
			"31 algorithm:PBKDF2:SHA-1",
			"32 algorithm:AES:128",
			"34 protocol:tls:1.0",
		]);
	});

	it("splits a transformation into algorithm, mode and padding; a bare name is the JCA default ECB", () => {
		expect(
			attributes(
				found.filter((d) => d.line === 15),
				"algorithm:AES:ecb:pkcs5",
			),
		).toMatchObject({
			name: "AES",
			primitive: "block-cipher",
			mode: "ecb",
			padding: "pkcs5",
			api: "Cipher.getInstance",
		});
		expect(attributes(found, "algorithm:AES:gcm:256")).toMatchObject({ primitive: "ae", mode: "gcm", keySize: 256 });
		expect(attributes(found, "algorithm:RSA:oaep")).toMatchObject({ primitive: "pke", padding: "oaep" });
		expect(attributes(found, "algorithm:RSA:oaep")).not.toHaveProperty("mode");
	});

	it("takes a generator's size from the nearest initialize that follows", () => {
		expect(attributes(found, "algorithm:RSA:1024")).toMatchObject({
			name: "RSA",
			keySize: 1024,
			api: "KeyPairGenerator.getInstance",
		});
		expect(attributes(found, "algorithm:EC:P-256")).toMatchObject({ curve: "P-256", keySize: 256 });
		expect(attributes(found, "algorithm:AES:128")).toMatchObject({ keySize: 128, api: "KeyGenerator.getInstance" });
	});

	it("an initialize after the next generator belongs to that one", () => {
		const text = lines(
			"import java.security.KeyPairGenerator;",
			'KeyPairGenerator a = KeyPairGenerator.getInstance("RSA");',
			'KeyPairGenerator b = KeyPairGenerator.getInstance("DSA");',
			"b.initialize(1024);",
		);
		expect(identities("A.java", text)).toEqual(["1 library:jca", "2 algorithm:RSA", "3 algorithm:DSA:1024"]);
	});

	it("names signature schemes by key and hash", () => {
		expect(attributes(found, "algorithm:RSA:SHA-1")).toMatchObject({
			name: "RSA",
			primitive: "signature",
			hash: "SHA-1",
		});
		expect(attributes(found, "protocol:tls:1.0")).toEqual({
			type: "tls",
			version: "1.0",
			source: "java SSLContext",
			evidence: 'SSLContext tls = SSLContext.getInstance("TLSv1");',
		});
	});

	it("access-control classes from java.security are no crypto library", () => {
		expect(
			detectCryptoUsage("A.java", "import java.security.Principal;\nimport java.security.PrivilegedAction;\n"),
		).toEqual([]);
	});

	it("Kotlin and Scala use the same patterns", () => {
		const kotlin = lines(
			"import javax.crypto.Cipher",
			'val c = Cipher.getInstance("DES/ECB/NoPadding")',
			'socket.enabledProtocols = arrayOf("TLSv1.1", "TLSv1.2")',
		);
		expect(identities("App.kt", kotlin)).toEqual([
			"1 library:jca",
			"2 algorithm:DES:ecb",
			"3 protocol:tls:1.1",
			"3 protocol:tls:1.2",
		]);
		expect(attributes(detectCryptoUsage("App.kt", kotlin), "algorithm:DES:ecb").language).toBe("kotlin");
		expect(identities("A.scala", 'import java.security.MessageDigest\nMessageDigest.getInstance("SHA-1")\n')).toEqual([
			"1 library:jca",
			"2 algorithm:SHA-1",
		]);
	});

	it("TLS protocols and cipher suites set on sockets and system properties", () => {
		const text = lines(
			"import javax.net.ssl.SSLSocket;",
			'socket.setEnabledProtocols(new String[] {"SSLv3", "TLSv1"});',
			'socket.setEnabledCipherSuites(new String[] {"TLS_RSA_WITH_RC4_128_SHA"});',
			'System.setProperty("https.protocols", "TLSv1.1");',
		);
		const found = detectCryptoUsage("A.java", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:jsse",
			"2 protocol:tls:SSLv3",
			"2 protocol:tls:1.0",
			"3 protocol:tls",
			"4 protocol:tls:1.1",
		]);
		expect(attributes(found, "protocol:tls")).toMatchObject({ cipherSuites: ["TLS_RSA_WITH_RC4_128_SHA"] });
	});
});

describe("BouncyCastle, Tink and JWT libraries", () => {
	it("BouncyCastle's lightweight API: engines, modes, digests, key sizes", () => {
		const text = lines(
			"import org.bouncycastle.crypto.engines.AESEngine;",
			"import org.bouncycastle.crypto.modes.CBCBlockCipher;",
			"BlockCipher gcm = new GCMBlockCipher(new AESEngine());",
			"BufferedBlockCipher ecb = new PaddedBufferedBlockCipher(new DESedeEngine());",
			"BufferedBlockCipher cbc = new PaddedBufferedBlockCipher(CBCBlockCipher.newInstance(AESEngine.newInstance()));",
			"Digest d = new MD5Digest();",
			"Digest s = new SHA3Digest(256);",
			"gen.init(new RSAKeyGenerationParameters(BigInteger.valueOf(65537), new SecureRandom(), 1024, 80));",
		);
		expect(identities("A.java", text)).toEqual([
			"1 library:bouncycastle",
			"3 algorithm:AES:gcm",
			"4 algorithm:3DES:ecb",
			"5 algorithm:AES:cbc",
			"6 algorithm:MD5",
			"7 algorithm:SHA3-256",
			"8 algorithm:RSA:1024",
		]);
	});

	it("Tink key templates and JWT algorithms", () => {
		const text = lines(
			"import com.google.crypto.tink.KeysetHandle;",
			"import io.jsonwebtoken.SignatureAlgorithm;",
			'KeysetHandle h = KeysetHandle.generateNew(KeyTemplates.get("AES128_GCM"));',
			"KeysetHandle s = KeysetHandle.generateNew(SignatureKeyTemplates.ECDSA_P256);",
			"Jwts.builder().signWith(key, SignatureAlgorithm.HS256);",
			"JWSHeader header = new JWSHeader(JWSAlgorithm.RS256);",
			"Algorithm none = Algorithm.none();",
		);
		const found = detectCryptoUsage("A.java", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:tink",
			"2 library:jjwt",
			"3 algorithm:AES:gcm:128",
			"4 algorithm:ECDSA:P-256",
			"5 algorithm:HMAC:SHA-256",
			"6 algorithm:RSA:pkcs1v15:SHA-256",
			"7 algorithm:none",
		]);
	});
});

describe("post-quantum on the JVM", () => {
	it("a migrated code base shows as migrated", () => {
		const text = lines(
			"import java.security.KeyPairGenerator;",
			"import org.bouncycastle.jcajce.spec.MLKEMParameterSpec;",
			'KeyPairGenerator kem = KeyPairGenerator.getInstance("ML-KEM", "BC");',
			"kem.initialize(MLKEMParameterSpec.ml_kem_768);",
			'KeyPairGenerator dsa = KeyPairGenerator.getInstance("ML-DSA");',
			'KeyPairGenerator slh = KeyPairGenerator.getInstance("SLH-DSA-SHA2-128s");',
			'static final String ML_KEM_1024_OID = "2.16.840.1.101.3.4.4.3";',
			'KeyPairGenerator kyber = KeyPairGenerator.getInstance("Kyber768");',
		);
		const found = detectCryptoUsage("Pqc.java", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:jca",
			"2 library:bouncycastle",
			"3 algorithm:ML-KEM",
			"4 algorithm:ML-KEM:768",
			"5 algorithm:ML-DSA",
			"6 algorithm:SLH-DSA:SHA2-128s",
			"7 algorithm:ML-KEM:1024",
			"8 algorithm:Kyber:768",
		]);
		expect(attributes(found, "algorithm:ML-KEM:768")).toMatchObject({
			primitive: "kem",
			parameterSetIdentifier: "768",
		});
		expect(attributes(found, "algorithm:ML-KEM:1024")).toMatchObject({
			oid: "2.16.840.1.101.3.4.4.3",
			parameterSetIdentifier: "1024",
		});
	});
});
