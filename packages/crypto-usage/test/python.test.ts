import { describe, expect, it } from "vitest";
import { detectCryptoUsage } from "../src/index.ts";
import { attributes, identities, lines } from "./helpers.ts";

describe("Python", () => {
	it("hashlib, hmac and the standard ssl module", () => {
		const text = lines(
			"import os, hashlib",
			"import hmac",
			"import ssl",
			"from hashlib import sha1",
			"",
			"def fingerprint(data):",
			"    return hashlib.md5(data).hexdigest()",
			"legacy = hashlib.new('sha1')",
			"key = hashlib.pbkdf2_hmac('sha256', pw, salt, 100_000)",
			'mac = hmac.new(b"k", msg, digestmod="md5")',
			"ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1_1)",
			"ctx.minimum_version = ssl.TLSVersion.TLSv1_2",
			"ctx.set_ciphers('ECDHE+AESGCM:!aNULL')",
		);
		const found = detectCryptoUsage("app/crypto.py", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:hashlib",
			"2 library:hmac",
			"3 library:python-ssl",
			"4 algorithm:SHA-1",
			"7 algorithm:MD5",
			"8 algorithm:SHA-1",
			"9 algorithm:PBKDF2:SHA-256",
			"10 algorithm:HMAC:MD5",
			"11 protocol:tls:1.1",
			"12 protocol:tls:1.2",
			"13 protocol:tls",
		]);
		expect(attributes(found, "algorithm:MD5")).toMatchObject({
			primitive: "hash",
			api: "hashlib.md5",
			language: "python",
		});
		expect(attributes(found, "protocol:tls")).toMatchObject({
			cipherSuites: ["ECDHE+AESGCM", "!aNULL"],
			source: "python set_ciphers",
		});
	});

	it("pyca/cryptography: key sizes, curves, ciphers with their modes", () => {
		const text = lines(
			"from cryptography.hazmat.primitives.asymmetric import rsa, ec, padding",
			"from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes",
			"from cryptography.hazmat.primitives import hashes",
			"weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)",
			"strong = rsa.generate_private_key(",
			"    public_exponent=65537,",
			"    key_size=4096,",
			")",
			"ec_key = ec.generate_private_key(ec.SECP192R1())",
			"sig = key.sign(data, ec.ECDSA(hashes.SHA1()))",
			"des = Cipher(algorithms.TripleDES(k), modes.ECB())",
			"aes = Cipher(",
			"    algorithms.AES(k),",
			"    modes.GCM(iv),",
			")",
			"algo = algorithms.Camellia(k)",
			"cbc = Cipher(algo, modes.CBC(iv))",
			"ct = pub.encrypt(msg, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))",
		);
		expect(identities("x.py", text)).toEqual([
			"1 library:pyca-cryptography",
			"4 algorithm:RSA:1024",
			"5 algorithm:RSA:4096",
			"9 algorithm:EC:P-192",
			"10 algorithm:ECDSA:SHA-1",
			"11 algorithm:3DES:ecb",
			"12 algorithm:AES:gcm",
			"16 algorithm:Camellia",
			"17 algorithm:Camellia:cbc",
			"18 algorithm:RSA:oaep",
			"18 algorithm:SHA-256",
		]);
	});

	it("PyCryptodome, PyNaCl, PyJWT and liboqs", () => {
		const text = lines(
			"from Crypto.Cipher import AES, DES, PKCS1_OAEP",
			"from Crypto.PublicKey import RSA",
			"from Crypto.Hash import MD5",
			"import nacl.secret",
			"import jwt",
			"import oqs",
			"c = AES.new(key, AES.MODE_ECB)",
			"d = DES.new(key, DES.MODE_CBC, iv)",
			"k = RSA.generate(1024)",
			"h = MD5.new(data)",
			"o = PKCS1_OAEP.new(k)",
			"box = nacl.secret.SecretBox(key)",
			'token = jwt.encode(claims, "not-a-real-secret", algorithm="HS256")',
			'claims = jwt.decode(token, pub, algorithms=["RS256", "none"])',
			'kem = oqs.KeyEncapsulation("ML-KEM-768")',
			'signer = oqs.Signature("Falcon-512")',
		);
		const found = detectCryptoUsage("x.py", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual([
			"1 library:pycryptodome",
			"4 library:pynacl",
			"5 library:pyjwt",
			"6 library:liboqs",
			"7 algorithm:AES:ecb",
			"8 algorithm:DES:cbc",
			"9 algorithm:RSA:1024",
			"10 algorithm:MD5",
			"11 algorithm:RSA:oaep",
			"12 algorithm:XSalsa20-Poly1305",
			"13 algorithm:HMAC:SHA-256",
			"14 algorithm:RSA:pkcs1v15:SHA-256",
			"14 algorithm:none",
			"15 algorithm:ML-KEM:768",
			"16 algorithm:Falcon:512",
		]);
		expect(attributes(found, "algorithm:HMAC:SHA-256").evidence).toBe(
			'token = jwt.encode(claims, "…", algorithm="HS256")',
		);
	});

	it("a commented-out call and a docstring mention are not usage", () => {
		const text = lines(
			"import hashlib",
			"# digest = hashlib.md5(x)",
			'"""We moved away from hashlib.md5 years ago."""',
			"digest = hashlib.sha256(x)",
		);
		expect(identities("x.py", text)).toEqual(["1 library:hashlib", "4 algorithm:SHA-256"]);
	});
});
