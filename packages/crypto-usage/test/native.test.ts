import { describe, expect, it } from "vitest";
import { detectCryptoUsage } from "../src/index.ts";
import { attributes, identities, lines } from "./helpers.ts";

describe("C and C++", () => {
	it("OpenSSL: EVP ciphers and digests, key generation, curves, low-level calls, TLS methods", () => {
		const text = lines(
			"#include <openssl/evp.h>",
			'#include "openssl/rsa.h"',
			"#include <stdio.h>",
			"",
			"/* EVP_des_cbc() is not used any more */",
			"int encrypt(void) {",
			"    EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL);",
			"    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv);",
			"    EVP_EncryptInit_ex(ctx, EVP_des_ede3_cbc(), NULL, key, iv);",
			"    EVP_DigestInit_ex(md, EVP_md5(), NULL);",
			'    EVP_CIPHER *rc4 = EVP_CIPHER_fetch(NULL, "RC4", NULL);',
			"    RSA_generate_key_ex(rsa, 1024, e, NULL);",
			"    EVP_PKEY_CTX_set_rsa_keygen_bits(kctx, 3072);",
			"    EC_KEY *k = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);",
			"    EC_KEY *w = EC_KEY_new_by_curve_name(NID_secp160r1);",
			"    MD5(data, len, out);",
			"    SHA1(data, len, out);",
			"    SSL_CTX *c = SSL_CTX_new(TLSv1_method());",
			"    SSL_CTX_set_min_proto_version(c, TLS1_1_VERSION);",
			'    SSL_CTX_set_cipher_list(c, "DES-CBC3-SHA:HIGH");',
			"}",
		);
		const found = detectCryptoUsage("src/enc.c", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:openssl",
			"7 algorithm:AES:ecb:128",
			"8 algorithm:AES:gcm:256",
			"9 algorithm:3DES:cbc",
			"10 algorithm:MD5",
			"11 algorithm:RC4",
			"12 algorithm:RSA:1024",
			"13 algorithm:RSA:3072",
			"14 algorithm:EC:P-256",
			"15 algorithm:EC:secp160r1",
			"16 algorithm:MD5",
			"17 algorithm:SHA-1",
			"18 protocol:tls:1.0",
			"19 protocol:tls:1.1",
			"20 protocol:tls",
		]);
		expect(attributes(found, "algorithm:AES:ecb:128")).toMatchObject({
			keySize: 128,
			mode: "ecb",
			api: "EVP_aes_128_ecb",
			language: "c",
		});
		expect(attributes(found, "algorithm:EC:secp160r1")).toMatchObject({ keySize: 160 });
	});

	it("libsodium, mbedTLS, wolfSSL, libgcrypt, Botan, Crypto++ and liboqs", () => {
		const text = lines(
			"#include <sodium.h>",
			"#include <mbedtls/aes.h>",
			"#include <wolfssl/wolfcrypt/des3.h>",
			"#include <gcrypt.h>",
			"#include <botan/hash.h>",
			"#include <cryptopp/modes.h>",
			"#include <oqs/oqs.h>",
			"crypto_secretbox_easy(c, m, mlen, n, k);",
			"mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, in, out);",
			"wc_Des3_SetKey(&des, key, iv, DES_ENCRYPTION);",
			"gcry_cipher_open(&hd, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_ECB, 0);",
			'auto h = Botan::HashFunction::create("SHA-1");',
			"CryptoPP::ECB_Mode<CryptoPP::DES_EDE3>::Encryption e;",
			"OQS_KEM *kem = OQS_KEM_new(OQS_KEM_alg_ml_kem_768);",
			'OQS_SIG *sig = OQS_SIG_new("ML-DSA-65");',
		);
		expect(identities("native.cpp", text)).toEqual([
			"1 library:libsodium",
			"2 library:mbedtls",
			"3 library:wolfssl",
			"4 library:libgcrypt",
			"5 library:botan",
			"6 library:cryptopp",
			"7 library:liboqs",
			"8 algorithm:XSalsa20-Poly1305",
			"9 algorithm:AES:ecb",
			"10 algorithm:3DES",
			"11 algorithm:AES:ecb:256",
			"12 algorithm:SHA-1",
			"13 algorithm:3DES:ecb",
			"14 algorithm:ML-KEM:768",
			"15 algorithm:ML-DSA:65",
		]);
		expect(attributes(detectCryptoUsage("native.cpp", text), "algorithm:3DES:ecb").language).toBe("cpp");
	});
});

describe("C#", () => {
	it("System.Security.Cryptography factories, providers, modes and protocols", () => {
		const text = lines(
			"using System.Security.Cryptography;",
			"using System.Net;",
			"class Legacy {",
			"  void Run() {",
			"    var md5 = MD5.Create();",
			"    var sha = SHA1.Create();",
			"    var des = new DESCryptoServiceProvider();",
			"    var tdes = TripleDES.Create();",
			"    var rsa = RSA.Create(1024);",
			"    var old = new RSACryptoServiceProvider(1024);",
			"    var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);",
			"    var aes = Aes.Create();",
			"    aes.Mode = CipherMode.ECB;",
			"    var kdf = new Rfc2898DeriveBytes(password, salt, 1000);",
			"    ServicePointManager.SecurityProtocol = SecurityProtocolType.Tls | SecurityProtocolType.Tls11;",
			"    var sig = rsa.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);",
			"  }",
			"}",
		);
		const found = detectCryptoUsage("Legacy.cs", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:dotnet-crypto",
			"5 algorithm:MD5",
			"6 algorithm:SHA-1",
			"7 algorithm:DES",
			"8 algorithm:3DES",
			"9 algorithm:RSA:1024",
			"10 algorithm:RSA:1024",
			"11 algorithm:ECDSA:P-256",
			"12 algorithm:AES",
			"13 algorithm:AES:ecb",
			"14 algorithm:PBKDF2:SHA-1",
			"15 protocol:tls:1.0",
			"15 protocol:tls:1.1",
			"16 algorithm:RSA:SHA-1",
		]);
		expect(attributes(found, "algorithm:AES:ecb")).toMatchObject({ api: "CipherMode.ECB", language: "csharp" });
	});

	it("BouncyCastle for .NET and JWT signing algorithms", () => {
		const text = lines(
			"using Org.BouncyCastle.Security;",
			"using Microsoft.IdentityModel.Tokens;",
			'var c = CipherUtilities.GetCipher("DES/ECB/PKCS7Padding");',
			'var s = SignerUtilities.GetSigner("SHA-1withRSA");',
			"var e = new DesEdeEngine();",
			"var creds = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);",
		);
		expect(identities("Bc.cs", text)).toEqual([
			"1 library:bouncycastle",
			"2 library:dotnet-jwt",
			"3 algorithm:DES:ecb:pkcs7",
			"4 algorithm:RSA:SHA-1",
			"5 algorithm:3DES",
			"6 algorithm:HMAC:SHA-256",
		]);
	});
});

describe("PHP, Ruby and Rust", () => {
	it("PHP built-ins, ext-openssl, mcrypt and phpseclib", () => {
		const text = lines(
			"<?php",
			"use phpseclib3\\Crypt\\AES;",
			"$h = md5($password);",
			"$s = sha1_file($path);",
			"$x = hash('sha256', $data);",
			"$m = hash_hmac('md5', $data, $key);",
			"$e = openssl_encrypt($data, 'des-ede3-cbc', 'k3y', 0, $iv);",
			"$k = openssl_pkey_new(['private_key_bits' => 1024, 'private_key_type' => OPENSSL_KEYTYPE_RSA]);",
			"$c = mcrypt_encrypt(MCRYPT_RIJNDAEL_128, $key, $data, MCRYPT_MODE_ECB);",
			"$a = new AES('ecb');",
			"openssl_sign($data, $signature, $key);",
		);
		const found = detectCryptoUsage("legacy.php", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"2 library:phpseclib",
			"3 algorithm:MD5",
			"4 algorithm:SHA-1",
			"5 algorithm:SHA-256",
			"6 algorithm:HMAC:MD5",
			"7 library:openssl",
			"7 algorithm:3DES:cbc",
			"8 algorithm:RSA:1024",
			"9 library:mcrypt",
			"9 algorithm:AES:ecb",
			"10 algorithm:AES:ecb",
			"11 algorithm:unknown:SHA-1",
		]);
		expect(attributes(found, "algorithm:3DES:cbc").evidence).toBe(
			"$e = openssl_encrypt($data, 'des-ede3-cbc', '…', 0, $iv);",
		);
	});

	it("Ruby OpenSSL and Digest", () => {
		const text = lines(
			"require 'openssl'",
			"require 'digest/md5'",
			"cipher = OpenSSL::Cipher.new('des-ede3-cbc')",
			"aes = OpenSSL::Cipher::AES.new(128, :ECB)",
			"d = Digest::MD5.hexdigest(data)",
			"key = OpenSSL::PKey::RSA.new(1024)",
			"ec = OpenSSL::PKey::EC.generate('prime256v1')",
			"ctx.ssl_version = :TLSv1",
			"ctx.min_version = OpenSSL::SSL::TLS1_1_VERSION",
			"mac = OpenSSL::HMAC.hexdigest('SHA1', key, data)",
		);
		expect(identities("lib/crypto.rb", text)).toEqual([
			"1 library:openssl",
			"2 library:ruby-digest",
			"3 algorithm:3DES:cbc",
			"4 algorithm:AES:ecb:128",
			"5 algorithm:MD5",
			"6 algorithm:RSA:1024",
			"7 algorithm:EC:P-256",
			"8 protocol:tls:1.0",
			"9 protocol:tls:1.1",
			"10 algorithm:HMAC:SHA-1",
		]);
	});

	it("Rust: ring, rustls, RustCrypto and openssl crates", () => {
		const text = lines(
			"use ring::{digest, aead};",
			"use sha1::{Sha1, Digest};",
			"use rsa::RsaPrivateKey;",
			"use openssl::symm::Cipher;",
			"fn main() {",
			'    let d = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, b"data");',
			"    let k = aead::UnboundKey::new(&aead::AES_256_GCM, &key);",
			"    let h = Sha1::new();",
			"    let priv_key = RsaPrivateKey::new(&mut rng, 1024).unwrap();",
			"    let enc = ecb::Encryptor::<aes::Aes128>::new(&key.into());",
			"    let c = Cipher::des_ede3_cbc();",
			"    let versions = &[&rustls::version::TLS12];",
			"}",
		);
		expect(identities("src/main.rs", text)).toEqual([
			"1 library:ring",
			"2 library:rustcrypto",
			"4 library:openssl",
			"6 algorithm:SHA-1",
			"7 algorithm:AES:gcm:256",
			"8 algorithm:SHA-1",
			"9 algorithm:RSA:1024",
			"10 algorithm:AES:ecb:128",
			"11 algorithm:3DES:cbc",
			"12 library:rustls",
			"12 protocol:tls:1.2",
		]);
	});
});
