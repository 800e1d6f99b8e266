import { describe, expect, it } from "vitest";
import { detectCryptoUsage } from "../src/index.ts";
import { attributes, identities, lines } from "./helpers.ts";

describe("Go", () => {
	const text = lines(
		"package main",
		"",
		"import (",
		'\t"crypto/aes"',
		'\t"crypto/cipher"',
		'\t"crypto/des"',
		'\t"crypto/ecdsa"',
		'\t"crypto/elliptic"',
		'\t"crypto/hmac"',
		'\t"crypto/md5"',
		'\t"crypto/rand"',
		'\t"crypto/rsa"',
		'\t"crypto/sha1"',
		'\t"crypto/sha256"',
		'\t"crypto/tls"',
		'\t"golang.org/x/crypto/bcrypt"',
		")",
		"",
		"func legacy() {",
		"\th := md5.New()",
		"\tsum := sha1.Sum(data)",
		"\tkey, _ := rsa.GenerateKey(rand.Reader, 1024)",
		"\tblock, _ := des.NewTripleDESCipher(k)",
		"\tenc := cipher.NewCBCEncrypter(block, iv)",
		"\tpriv, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)",
		"\tmac := hmac.New(sha256.New, k)",
		"\tsig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, digest)",
		"\tcfg := &tls.Config{MinVersion: tls.VersionTLS10, CipherSuites: []uint16{tls.TLS_RSA_WITH_RC4_128_SHA}}",
		"\thash, _ := bcrypt.GenerateFromPassword(pw, 12)",
		"\taesBlock, _ := aes.NewCipher(k)",
		"\tgcm, _ := cipher.NewGCM(aesBlock)",
		"}",
	);
	const found = detectCryptoUsage("cmd/main.go", text);

	it("stdlib and x/crypto calls, with sizes, curves and modes", () => {
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"4 library:go-crypto",
			"16 library:golang-x-crypto",
			"20 algorithm:MD5",
			"21 algorithm:SHA-1",
			"22 algorithm:RSA:1024",
			"23 algorithm:3DES",
			"24 algorithm:3DES:cbc",
			"25 algorithm:ECDSA:P-224",
			"26 algorithm:HMAC:SHA-256",
			"27 algorithm:RSA:pkcs1v15:SHA-1",
			"28 protocol:tls:1.0",
			"28 protocol:tls",
			"29 algorithm:bcrypt",
			"30 algorithm:AES",
			"31 algorithm:AES:gcm",
		]);
		expect(attributes(found, "library:go-crypto").evidence).toBe('"crypto/aes"');
		expect(attributes(found, "protocol:tls")).toMatchObject({ cipherSuites: ["TLS_RSA_WITH_RC4_128_SHA"] });
	});

	it("a package name only counts where its import is present", () => {
		const text = lines("package x", 'import "crypto/sha256"', "func f() { md5.New(); sha256.Sum256(b) }");
		expect(identities("x.go", text)).toEqual(["2 library:go-crypto", "3 algorithm:SHA-256"]);
	});

	it("post-quantum: crypto/mlkem and CIRCL", () => {
		const text = lines(
			"import (",
			'\t"crypto/mlkem"',
			'\t"github.com/cloudflare/circl/sign/mldsa/mldsa65"',
			'\t"github.com/cloudflare/circl/kem/mlkem/mlkem768"',
			")",
			"dk, _ := mlkem.GenerateKey768()",
			"pk, sk, _ := mldsa65.GenerateKey(nil)",
			"ek, dk2, _ := mlkem768.GenerateKeyPair(nil)",
			"cfg.CurvePreferences = []tls.CurveID{tls.X25519MLKEM768}",
		);
		expect(identities("pq.go", text)).toEqual([
			"2 library:go-crypto",
			"3 library:circl",
			"6 algorithm:ML-KEM:768",
			"7 algorithm:ML-DSA:65",
			"8 algorithm:ML-KEM:768",
			"9 algorithm:X25519MLKEM768:768",
		]);
		const generic = lines('import "example.com/pq/mlkem"', "pk, sk, err := mlkem.GenerateKeyPair(rand.Reader)");
		expect(identities("kem.go", generic)).toEqual(["2 algorithm:ML-KEM"]);
	});
});

describe("JavaScript and TypeScript", () => {
	it("node:crypto", () => {
		const text = lines(
			"import { createHash, createCipheriv, generateKeyPairSync, createHmac, pbkdf2Sync } from 'node:crypto';",
			"const md5 = createHash('md5').update(x).digest('hex');",
			"const des = createCipheriv('des-ede3-cbc', key, iv);",
			'const ecb = createCipheriv("aes-128-ecb", key, null);',
			"const { privateKey } = generateKeyPairSync('rsa', {",
			"  modulusLength: 1024,",
			"  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' },",
			"});",
			"const ec = generateKeyPairSync('ec', { namedCurve: 'secp224r1' });",
			"const mac = createHmac('sha1', secret);",
			"const dk = pbkdf2Sync(password, salt, 1000, 32, 'sha1');",
			"const dh = crypto.getDiffieHellman('modp2');",
		);
		const found = detectCryptoUsage("src/crypto.ts", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:node-crypto",
			"2 algorithm:MD5",
			"3 algorithm:3DES:cbc",
			"4 algorithm:AES:ecb:128",
			"5 algorithm:RSA:1024",
			"9 algorithm:EC:P-224",
			"10 algorithm:HMAC:SHA-1",
			"11 algorithm:PBKDF2:SHA-1",
			"12 algorithm:DH:1024",
		]);
		expect(attributes(found, "algorithm:3DES:cbc")).toMatchObject({ language: "typescript", api: "createCipheriv" });
		expect(JSON.stringify(found)).not.toContain("correct horse");
	});

	it("WebCrypto: algorithm identifiers and their parameters", () => {
		const text = lines(
			"const kp = await crypto.subtle.generateKey(",
			"  { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },",
			"  true, ['encrypt', 'decrypt']);",
			"const k = await window.crypto.subtle.importKey('raw', raw, { name: 'AES-CBC' }, false, ['encrypt']);",
			"const d = await crypto.subtle.digest('SHA-1', data);",
			"const s = await crypto.subtle.sign({ name: 'ECDSA', hash: { name: 'SHA-384' } }, key, data);",
		);
		const found = detectCryptoUsage("web/app.js", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:webcrypto",
			"1 algorithm:RSA:oaep:SHA-256:2048",
			"4 algorithm:AES:cbc",
			"5 algorithm:SHA-1",
			"6 algorithm:ECDSA:SHA-384",
		]);
		expect(attributes(found, "algorithm:RSA:oaep:SHA-256:2048")).toMatchObject({
			keySize: 2048,
			api: "subtle.generateKey",
		});
	});

	it("crypto-js, node-forge, jsonwebtoken, TLS options", () => {
		const text = lines(
			'const CryptoJS = require("crypto-js");',
			"const forge = require('node-forge');",
			"const jwt = require('jsonwebtoken');",
			"const h = CryptoJS.MD5(msg).toString();",
			"const c = CryptoJS.AES.encrypt(msg, key, { mode: CryptoJS.mode.ECB, padding: CryptoJS.pad.Pkcs7 });",
			"const t = CryptoJS.TripleDES.encrypt(msg, key);",
			"const md = forge.md.sha1.create();",
			"const keys = forge.pki.rsa.generateKeyPair({ bits: 1024, e: 0x10001 });",
			"jwt.sign(payload, secret, { algorithm: 'HS256' });",
			"jwt.verify(token, secret, { algorithms: ['none', 'HS256'] });",
			"https.createServer({ minVersion: 'TLSv1', ciphers: 'RC4-SHA:HIGH', secureProtocol: 'TLSv1_1_method' });",
		);
		const found = detectCryptoUsage("server.js", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:crypto-js",
			"2 library:node-forge",
			"3 library:jsonwebtoken",
			"4 algorithm:MD5",
			"5 algorithm:AES:ecb",
			"6 algorithm:3DES",
			"7 algorithm:SHA-1",
			"8 algorithm:RSA:1024",
			"9 algorithm:HMAC:SHA-256",
			"10 algorithm:none",
			"10 algorithm:HMAC:SHA-256",
			"11 protocol:tls:1.0",
			"11 protocol:tls",
			"11 protocol:tls:1.1",
		]);
		expect(attributes(found, "protocol:tls")).toMatchObject({ cipherSuites: ["RC4-SHA", "HIGH"] });
	});

	it("@noble libraries, post-quantum included", () => {
		const text = lines(
			"import { ml_kem768 } from '@noble/post-quantum/ml-kem';",
			"import { ed25519 } from '@noble/curves/ed25519';",
			"import { sha1 } from '@noble/hashes/legacy';",
			"const keys = ml_kem768.keygen();",
			"const sig = ed25519.sign(msg, priv);",
		);
		expect(identities("pq.mjs", text)).toEqual([
			"1 library:noble-post-quantum",
			"1 algorithm:ML-KEM:768",
			"2 library:noble-curves",
			"3 library:noble-hashes",
			"3 algorithm:SHA-1",
			"4 algorithm:ML-KEM:768",
			"5 algorithm:Ed25519",
		]);
	});
});
