import { describe, expect, it } from "vitest";
import {
	curve,
	joseAlgorithm,
	keyedHash,
	opensslCipher,
	postQuantum,
	pqcOid,
	signature,
	tlsVersion,
	transformation,
} from "../src/names.ts";

describe("algorithm names", () => {
	it("JCA transformations", () => {
		expect(transformation("AES/CBC/PKCS5Padding")).toEqual({
			name: "AES",
			primitive: "block-cipher",
			mode: "cbc",
			padding: "pkcs5",
		});
		expect(transformation("AES/CTS/NoPadding")).toEqual({ name: "AES", primitive: "block-cipher", mode: "other" });
		expect(transformation("Blowfish", { mode: "ecb", padding: "pkcs5" })).toMatchObject({
			mode: "ecb",
			padding: "pkcs5",
		});
		expect(transformation("RSA/ECB/NoPadding")).toEqual({ name: "RSA", primitive: "pke", padding: "raw" });
		expect(transformation("RSA/ECB/PKCS1Padding")).toEqual({ name: "RSA", primitive: "pke", padding: "pkcs1v15" });
		expect(transformation("Camellia256/CFB8/NoPadding")).toMatchObject({ name: "Camellia", keySize: 256, mode: "cfb" });
		expect(transformation("Rot13/ECB/NoPadding")).toBeUndefined();
	});

	it("OpenSSL cipher names and their implied modes", () => {
		expect(opensslCipher("aes-256-gcm")).toEqual({ name: "AES", primitive: "ae", mode: "gcm", keySize: 256 });
		expect(opensslCipher("aes128")).toMatchObject({ keySize: 128, mode: "cbc" });
		expect(opensslCipher("des-ede3")).toMatchObject({ name: "3DES", mode: "ecb" });
		expect(opensslCipher("des")).toMatchObject({ name: "DES", mode: "cbc" });
		expect(opensslCipher("id-aes128-GCM")).toMatchObject({ name: "AES", mode: "gcm" });
		expect(opensslCipher("aes-128-cbc-hmac-sha256")).toMatchObject({ mode: "cbc" });
		expect(opensslCipher("rc4-40")).toEqual({ name: "RC4", primitive: "stream-cipher" });
		expect(opensslCipher("chacha20-poly1305")).toEqual({ name: "ChaCha20-Poly1305", primitive: "ae" });
		expect(opensslCipher("sha256")).toBeUndefined();
	});

	it("signature and keyed-hash names", () => {
		expect(signature("SHA1withRSA")).toEqual({ name: "RSA", primitive: "signature", hash: "SHA-1" });
		expect(signature("SHA256withECDSA")).toEqual({ name: "ECDSA", primitive: "signature", hash: "SHA-256" });
		expect(signature("SHA256withRSAandMGF1")).toMatchObject({ name: "RSASSA-PSS", hash: "SHA-256" });
		expect(signature("md5WithRSAEncryption")).toMatchObject({ name: "RSA", hash: "MD5" });
		expect(signature("ecdsa-with-SHA1")).toMatchObject({ name: "ECDSA", hash: "SHA-1" });
		expect(signature("RSA-SHA256")).toMatchObject({ name: "RSA", hash: "SHA-256" });
		expect(signature("NONEwithRSA")).toEqual({ name: "RSA", primitive: "signature" });
		expect(keyedHash("HmacMD5")).toEqual({ name: "HMAC", primitive: "mac", hash: "MD5" });
		expect(keyedHash("PBEWithMD5AndDES")).toMatchObject({ name: "DES", hash: "MD5" });
		expect(keyedHash("PBKDF2WithHmacSHA512")).toEqual({ name: "PBKDF2", primitive: "kdf", hash: "SHA-512" });
	});

	it("post-quantum names, parameter sets and OIDs", () => {
		expect(postQuantum("ML-KEM-512")).toEqual({ name: "ML-KEM", primitive: "kem", parameterSetIdentifier: "512" });
		expect(postQuantum("ml_dsa_87")).toEqual({ name: "ML-DSA", primitive: "signature", parameterSetIdentifier: "87" });
		expect(postQuantum("Dilithium3")).toMatchObject({ name: "Dilithium", parameterSetIdentifier: "3" });
		expect(postQuantum("SLH-DSA-SHAKE-256f")).toMatchObject({ name: "SLH-DSA", parameterSetIdentifier: "SHAKE-256f" });
		expect(postQuantum("sphincs_sha2_128f_simple")).toMatchObject({
			name: "SPHINCS+",
			parameterSetIdentifier: "SHA2-128f",
		});
		expect(postQuantum("mlkem768x25519")).toMatchObject({ name: "X25519MLKEM768", primitive: "kem" });
		expect(postQuantum("FrodoKEM-640-AES")).toMatchObject({ name: "FrodoKEM", parameterSetIdentifier: "640" });
		expect(postQuantum("mldsa12")).toBeUndefined();
		expect(pqcOid("2.16.840.1.101.3.4.3.18")).toMatchObject({ name: "ML-DSA", parameterSetIdentifier: "65" });
		expect(pqcOid("2.16.840.1.101.3.4.3.26")).toMatchObject({ name: "SLH-DSA", parameterSetIdentifier: "SHAKE-128s" });
		expect(pqcOid("2.16.840.1.101.3.4.2.1")).toBeUndefined();
	});

	it("curves, TLS versions and JOSE algorithms", () => {
		expect(curve("prime256v1")).toEqual({ name: "P-256", bits: 256 });
		expect(curve("NID_X9_62_prime192v1")).toEqual({ name: "P-192", bits: 192 });
		expect(curve("MBEDTLS_ECP_DP_SECP521R1")).toEqual({ name: "P-521", bits: 521 });
		expect(curve("brainpoolP224r1")).toEqual({ name: "brainpoolP224r1", bits: 224 });
		expect(curve("sect163k1")).toEqual({ name: "sect163k1", bits: 163 });
		expect(curve("banana")).toBeUndefined();
		const versions = ["SSLv2", "SSLv3", "SSL3_VERSION", "TLSv1", "TLS1_VERSION", "VersionTLS11", "TLSv1_2", "Tls13"];
		expect(versions.map(tlsVersion)).toEqual(["SSLv2", "SSLv3", "SSLv3", "1.0", "1.0", "1.1", "1.2", "1.3"]);
		expect(["TLS", "SSLv23", "TLSv2"].map(tlsVersion)).toEqual([undefined, undefined, undefined]);
		expect(joseAlgorithm("ES512")).toMatchObject({ name: "ECDSA", curve: "P-521", hash: "SHA-512" });
		expect(joseAlgorithm("PS256")).toEqual({ name: "RSASSA-PSS", primitive: "signature", hash: "SHA-256" });
		expect(joseAlgorithm("none")).toEqual({ name: "none", primitive: "other" });
		expect(joseAlgorithm("XX999")).toBeUndefined();
	});
});
