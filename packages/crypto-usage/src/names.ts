import type { AlgorithmFacts, Mode, Padding, Primitive, ProtocolVersion } from "./types.ts";

/**
 * Algorithm names arrive in every spelling (`SHA-256`, `sha256`, `SHA_256`, `DESede`, `des-ede3`); comparing
 * lower-case alphanumerics makes one table serve every language.
 */
export function squash(token: string): string {
	return token.toLowerCase().replace(/[^a-z0-9]/g, "");
}

const HASHES: Readonly<Record<string, string>> = {
	md2: "MD2",
	md4: "MD4",
	md5: "MD5",
	sha: "SHA-1",
	sha1: "SHA-1",
	sha224: "SHA-224",
	sha256: "SHA-256",
	sha384: "SHA-384",
	sha512: "SHA-512",
	sha2256: "SHA-256",
	sha2512: "SHA-512",
	sha512224: "SHA-512/224",
	sha512256: "SHA-512/256",
	sha3224: "SHA3-224",
	sha3256: "SHA3-256",
	sha3384: "SHA3-384",
	sha3512: "SHA3-512",
	shake128: "SHAKE128",
	shake256: "SHAKE256",
	ripemd160: "RIPEMD-160",
	rmd160: "RIPEMD-160",
	blake2b: "BLAKE2b",
	blake2b512: "BLAKE2b",
	blake2s: "BLAKE2s",
	blake2s256: "BLAKE2s",
	blake3: "BLAKE3",
	sm3: "SM3",
	whirlpool: "Whirlpool",
};

export function hashName(token: string): string | undefined {
	return HASHES[squash(token)];
}

export function hash(token: string): AlgorithmFacts | undefined {
	const name = hashName(token);
	return name ? { name, primitive: "hash" } : undefined;
}

/** `name` keyed with a digest: HMAC-SHA-256, PBKDF2 over SHA-1; undefined when the digest is unknown. */
export function withHash(name: string, digestToken: string | undefined): AlgorithmFacts | undefined {
	const digest = digestToken === undefined ? undefined : hashName(digestToken);
	const base = digest ? algorithm(name) : undefined;
	return base && { ...base, hash: digest };
}

type Shape = Omit<AlgorithmFacts, "name" | "primitive">;
const entry = (name: string, primitive: Primitive, shape: Shape = {}): AlgorithmFacts => ({
	name,
	primitive,
	...shape,
});

/** Ciphers and public-key, MAC and KDF algorithms, by squashed name. */
const ALGORITHMS: Readonly<Record<string, AlgorithmFacts>> = {
	aes: entry("AES", "block-cipher"),
	rijndael: entry("AES", "block-cipher"),
	aes128: entry("AES", "block-cipher", { keySize: 128 }),
	aes192: entry("AES", "block-cipher", { keySize: 192 }),
	aes256: entry("AES", "block-cipher", { keySize: 256 }),
	des: entry("DES", "block-cipher"),
	desede: entry("3DES", "block-cipher"),
	desede3: entry("3DES", "block-cipher"),
	desede2: entry("3DES", "block-cipher"),
	ede3: entry("3DES", "block-cipher"),
	des3: entry("3DES", "block-cipher"),
	"3des": entry("3DES", "block-cipher"),
	tripledes: entry("3DES", "block-cipher"),
	tdes: entry("3DES", "block-cipher"),
	tdesede3: entry("3DES", "block-cipher"),
	tdesede2: entry("3DES", "block-cipher"),
	tdea: entry("3DES", "block-cipher"),
	rc2: entry("RC2", "block-cipher"),
	arc2: entry("RC2", "block-cipher"),
	rc4: entry("RC4", "stream-cipher"),
	arc4: entry("RC4", "stream-cipher"),
	arcfour: entry("RC4", "stream-cipher"),
	blowfish: entry("Blowfish", "block-cipher"),
	bf: entry("Blowfish", "block-cipher"),
	twofish: entry("Twofish", "block-cipher"),
	cast: entry("CAST5", "block-cipher"),
	cast5: entry("CAST5", "block-cipher"),
	cast128: entry("CAST5", "block-cipher"),
	idea: entry("IDEA", "block-cipher"),
	seed: entry("SEED", "block-cipher"),
	camellia: entry("Camellia", "block-cipher"),
	aria: entry("ARIA", "block-cipher"),
	sm4: entry("SM4", "block-cipher"),
	chacha20: entry("ChaCha20", "stream-cipher"),
	salsa20: entry("Salsa20", "stream-cipher"),
	xsalsa20: entry("XSalsa20", "stream-cipher"),
	chacha20poly1305: entry("ChaCha20-Poly1305", "ae"),
	xchacha20poly1305: entry("XChaCha20-Poly1305", "ae"),
	rsa: entry("RSA", "pke"),
	rsaoaep: entry("RSA", "pke", { padding: "oaep" }),
	rsapss: entry("RSASSA-PSS", "signature"),
	rsassapss: entry("RSASSA-PSS", "signature"),
	rsassapkcs1v15: entry("RSA", "signature", { padding: "pkcs1v15" }),
	dsa: entry("DSA", "signature"),
	dh: entry("DH", "key-agree"),
	dhe: entry("DH", "key-agree"),
	diffiehellman: entry("DH", "key-agree"),
	ecdh: entry("ECDH", "key-agree"),
	ecdhe: entry("ECDH", "key-agree"),
	ecdiffiehellman: entry("ECDH", "key-agree"),
	ecdsa: entry("ECDSA", "signature"),
	ec: entry("EC", "other"),
	eddsa: entry("EdDSA", "signature"),
	ed25519: entry("Ed25519", "signature"),
	ed448: entry("Ed448", "signature"),
	x25519: entry("X25519", "key-agree"),
	x448: entry("X448", "key-agree"),
	xdh: entry("XDH", "key-agree"),
	elgamal: entry("ElGamal", "pke"),
	sm2: entry("SM2", "signature"),
	hmac: entry("HMAC", "mac"),
	cmac: entry("CMAC", "mac"),
	gmac: entry("GMAC", "mac"),
	poly1305: entry("Poly1305", "mac"),
	pbkdf2: entry("PBKDF2", "kdf"),
	hkdf: entry("HKDF", "kdf"),
	scrypt: entry("scrypt", "kdf"),
	bcrypt: entry("bcrypt", "kdf"),
	argon2: entry("Argon2", "kdf"),
	argon2i: entry("Argon2i", "kdf"),
	argon2d: entry("Argon2d", "kdf"),
	argon2id: entry("Argon2id", "kdf"),
};

/** Any single algorithm name: hash, cipher, public-key, MAC, KDF or post-quantum. */
export function algorithm(token: string): AlgorithmFacts | undefined {
	const key = squash(token);
	const known = ALGORITHMS[key];
	if (known) return { ...known };
	const digest = HASHES[key];
	return digest ? { name: digest, primitive: "hash" } : postQuantum(token);
}

const MODES: Readonly<Record<string, Mode>> = {
	ecb: "ecb",
	cbc: "cbc",
	ccm: "ccm",
	gcm: "gcm",
	ctr: "ctr",
	ofb: "ofb",
	cfb: "cfb",
};

/** `CFB8`, `OFB64` and `cfb1` are CFB and OFB; anything outside the CycloneDX enumeration is `other`. */
export function mode(token: string): Mode {
	const key = squash(token).replace(/^(cfb|ofb)\d+$/, "$1");
	return MODES[key] ?? "other";
}

/** AES in an authenticated mode is one primitive, authenticated encryption, in CycloneDX's terms. */
export function withMode(facts: AlgorithmFacts, modeToken: string | undefined): AlgorithmFacts {
	if (!modeToken) return facts;
	const m = mode(modeToken);
	const primitive = m === "gcm" || m === "ccm" ? "ae" : facts.primitive;
	return { ...facts, mode: m, primitive };
}

export function padding(token: string): Padding | undefined {
	const key = squash(token).replace(/padding$/, "");
	if (key === "nopadding" || key === "no" || key === "none" || key === "") return undefined;
	if (key === "pkcs5") return "pkcs5";
	if (key === "pkcs7") return "pkcs7";
	if (key === "pkcs1" || key === "pkcs1v15") return "pkcs1v15";
	if (key.startsWith("oaep")) return "oaep";
	return "other";
}

const KEYED_NAME = /^([A-Za-z]+)[-_]?(128|192|256)$/;

/** `Camellia256`, `ARIA_128`: a block cipher name with its key size appended. */
function keyedCipher(token: string): AlgorithmFacts | undefined {
	const match = KEYED_NAME.exec(token);
	const base = match && algorithm(match[1] as string);
	return base?.primitive === "block-cipher" ? { ...base, keySize: Number(match?.[2]) } : undefined;
}

/**
 * A JCA/BouncyCastle/Botan transformation, `AES/ECB/PKCS5Padding`, `AES_256/GCM/NoPadding`, `RSA/ECB/OAEPWith…`.
 * `bare` is what the API does with a bare block cipher name: the JCA makes `AES` into `AES/ECB/PKCS5Padding`
 * (SunJCE and BouncyCastle agree). RSA's "ECB" is a placeholder (one block only), so asymmetric ciphers keep no
 * mode.
 */
export function transformation(
	text: string,
	bare: Pick<AlgorithmFacts, "mode" | "padding"> = {},
): AlgorithmFacts | undefined {
	const [cipherToken = "", modeToken, paddingToken] = text.split("/");
	const facts = algorithm(cipherToken) ?? keyedCipher(cipherToken);
	if (!facts) return undefined;
	if (facts.primitive === "pke") {
		if (paddingToken !== undefined && squash(paddingToken) === "nopadding") return { ...facts, padding: "raw" };
		const pad = paddingToken === undefined ? undefined : padding(paddingToken);
		return pad ? { ...facts, padding: pad } : facts;
	}
	if (facts.primitive !== "block-cipher") return facts;
	if (modeToken === undefined) return { ...facts, ...bare };
	const pad = paddingToken === undefined ? undefined : padding(paddingToken);
	const withM = withMode(facts, modeToken);
	return pad ? { ...withM, padding: pad } : withM;
}

const OPENSSL_CIPHER =
	/^(aes|aria|camellia|sm4|des-ede3|des-ede|des3|3des|des|rc4|arcfour|arc4|rc2|bf|blowfish|cast5|cast|idea|seed|chacha20-poly1305|chacha20)(?:-?(\d{2,3}))?(?:-(.+))?$/;

/** OpenSSL's aliases whose mode is implied: `des` and `aes128` are CBC, `des-ede3` is ECB. */
const IMPLIED_MODE: Readonly<Record<string, string>> = {
	des: "cbc",
	des3: "cbc",
	"3des": "cbc",
	aes: "cbc",
	aria: "cbc",
	camellia: "cbc",
	"des-ede3": "ecb",
	"des-ede": "ecb",
	bf: "cbc",
	blowfish: "cbc",
	cast5: "cbc",
	cast: "cbc",
	idea: "cbc",
	seed: "cbc",
	rc2: "cbc",
	sm4: "cbc",
};

/**
 * OpenSSL cipher names as used by Node's `createCipheriv`, PHP's `openssl_encrypt`, Ruby's `OpenSSL::Cipher`,
 * `EVP_get_cipherbyname` and node-forge: `aes-128-ecb`, `aes256`, `des-ede3-cbc`, `id-aes128-GCM`, `3DES-CBC`.
 */
export function opensslCipher(text: string): AlgorithmFacts | undefined {
	const name = text.toLowerCase().replace(/^id-/, "");
	const match = OPENSSL_CIPHER.exec(name);
	if (!match) return undefined;
	const [, family = "", bits, rest] = match;
	const base = algorithm(family === "des-ede" ? "3des" : family);
	if (!base) return undefined;
	const facts: AlgorithmFacts = bits && base.primitive === "block-cipher" ? { ...base, keySize: Number(bits) } : base;
	if (facts.primitive !== "block-cipher") return facts;
	// `aes-256-cbc-hmac-sha1` is a stitched implementation: the mode is the first segment after the size.
	const modeToken = rest?.split("-")[0] ?? IMPLIED_MODE[family];
	return withMode(facts, modeToken);
}

const SIGNATURE = /^([a-z0-9-]+?)with([a-z0-9-]+?)(?:and(mgf1))?(?:inp1363format)?(?:\/(pss))?$/i;

/**
 * JCA and OpenSSL signature names: `SHA1withRSA`, `SHA256withRSA/PSS`, `SHA256withRSAandMGF1`,
 * `SHA256withECDSA`, `NONEwithRSA`, `sha1WithRSAEncryption`, `ecdsa-with-SHA1`, `RSA-SHA256`.
 */
export function signature(text: string): AlgorithmFacts | undefined {
	const ecdsaWith = /^ecdsa-with-(.+)$/i.exec(text);
	if (ecdsaWith) return signed("ECDSA", ecdsaWith[1] as string);
	const openssl = /^(rsa|dsa|ecdsa|rsa-pss)-(.+)$/i.exec(text);
	if (openssl && hashName(openssl[2] as string)) return signed(openssl[1] as string, openssl[2] as string);
	const jca = SIGNATURE.exec(text.replace(/encryption$/i, ""));
	if (!jca) return undefined;
	const [, digest = "", key = "", mgf1, pss] = jca;
	const keyName = key.replace(/^plain-/i, "");
	return signed(mgf1 || pss ? "RSASSA-PSS" : keyName, digest);
}

function signed(keyToken: string, digestToken: string): AlgorithmFacts | undefined {
	const base = ALGORITHMS[squash(keyToken)] ?? postQuantum(keyToken);
	if (!base) return undefined;
	const digest = hashName(digestToken);
	if (!digest && squash(digestToken) !== "none") return undefined;
	const facts: AlgorithmFacts = { ...base, primitive: "signature" };
	if (facts.name === "EC") facts.name = "ECDSA";
	return digest ? { ...facts, hash: digest } : facts;
}

/** `HmacSHA256`, `HMAC-SHA1`, `hmac-md5`, `PBKDF2WithHmacSHA1`, `PBEWithMD5AndDES`. */
export function keyedHash(text: string): AlgorithmFacts | undefined {
	const pbkdf2 = /^pbkdf2(?:with)?(?:hmac)?-?(.*)$/i.exec(text);
	if (pbkdf2) {
		if (!pbkdf2[1]) return { name: "PBKDF2", primitive: "kdf" };
		const digest = hashName(pbkdf2[1]);
		return digest ? { name: "PBKDF2", primitive: "kdf", hash: digest } : undefined;
	}
	const pbe = /^pbewith(?:hmac)?(\w+?)and(\w+)$/i.exec(text);
	if (pbe) {
		const cipher = algorithm((pbe[2] as string).replace(/_?\d+$/, "").replace(/^tripledes$/i, "3des"));
		const digest = hashName(pbe[1] as string);
		// PKCS#5 and PKCS#12 password-based encryption runs its block ciphers in CBC.
		const moded = cipher?.primitive === "block-cipher" ? withMode(cipher, "cbc") : cipher;
		return moded && digest ? { ...moded, hash: digest } : undefined;
	}
	const hmac = /^hmac[-_]?(.+)$/i.exec(text);
	const digest = hmac && hashName(hmac[1] as string);
	return digest ? { name: "HMAC", primitive: "mac", hash: digest } : undefined;
}

/** The first reading that fits: a `/` transformation, else a signature, keyed hash, plain or OpenSSL cipher name. */
export function anyAlgorithm(
	text: string,
	bare: Pick<AlgorithmFacts, "mode" | "padding"> = {},
): AlgorithmFacts | undefined {
	if (text.includes("/")) return transformation(text, bare);
	return signature(text) ?? keyedHash(text) ?? transformation(text, bare) ?? opensslCipher(text);
}

const SLH_SETS = /^(sha2|shake)[-_]?(128|192|256)([sf])/i;

/**
 * Post-quantum names with their parameter set: `ML-KEM-768`, `MLKEM768`, `ml_kem_768`, `Kyber768`, `ML-DSA-65`,
 * `Dilithium3`, `SLH-DSA-SHA2-128s`, `SPHINCS+`, `Falcon-512`, and the hybrid KEMs `X25519MLKEM768`,
 * `mlkem768x25519`.
 */
export function postQuantum(text: string): AlgorithmFacts | undefined {
	const key = squash(text.replace(/\+/g, "plus"));
	const hybrid =
		/^(x25519|secp256r1|secp384r1)mlkem(768|1024)$|^mlkem(768|1024)(x25519|p256|p384|nistp256|nistp384)/.exec(key);
	if (hybrid) {
		const classical = (hybrid[1] ?? hybrid[4] ?? "").replace(/^(?:nist)?p(256|384)$/, "secp$1r1");
		const set = hybrid[2] ?? hybrid[3] ?? "";
		const prefix = classical === "x25519" ? "X25519" : classical.replace(/^secp(\d+)r1$/, "SecP$1r1");
		return { name: `${prefix}MLKEM${set}`, primitive: "kem", parameterSetIdentifier: set };
	}
	const family = /^(mlkem|kyber|mldsa|dilithium|slhdsa|sphincsplus|sphincs|falcon|fndsa)(.*)$/.exec(key);
	if (!family) return otherKem(key);
	const [, name = "", rest = ""] = family;
	const digits = /^(\d+)/.exec(rest)?.[1];
	switch (name) {
		case "mlkem":
			return pq("ML-KEM", "kem", oneOf(digits, ["512", "768", "1024"]), rest);
		case "kyber":
			return pq("Kyber", "kem", oneOf(digits, ["512", "768", "1024"]), rest);
		case "mldsa":
			return pq("ML-DSA", "signature", oneOf(digits, ["44", "65", "87"]), rest);
		case "dilithium":
			return pq("Dilithium", "signature", oneOf(digits, ["2", "3", "5"]), rest);
		case "falcon":
		case "fndsa":
			return pq(name === "falcon" ? "Falcon" : "FN-DSA", "signature", oneOf(digits, ["512", "1024"]), rest);
		default: {
			const set = SLH_SETS.exec(text.replace(/^.*?(sha2|shake)/i, "$1"));
			const parameterSet = set ? `${(set[1] as string).toUpperCase()}-${set[2]}${set[3]?.toLowerCase()}` : undefined;
			return pq(name === "slhdsa" ? "SLH-DSA" : "SPHINCS+", "signature", parameterSet, "");
		}
	}
}

/** KEMs that liboqs and OpenSSH name but NIST has not (or not yet) standardised. */
const OTHER_KEMS: Readonly<Record<string, string>> = {
	frodokem: "FrodoKEM",
	hqc: "HQC",
	bike: "BIKE",
	classicmceliece: "Classic-McEliece",
};

function otherKem(key: string): AlgorithmFacts | undefined {
	const match = /^(frodokem|hqc|bike|classicmceliece)(l?\d+)/.exec(key);
	if (!match) return undefined;
	return {
		name: OTHER_KEMS[match[1] as string] as string,
		primitive: "kem",
		parameterSetIdentifier: (match[2] as string).toUpperCase(),
	};
}

function oneOf(value: string | undefined, allowed: readonly string[]): string | undefined {
	return value !== undefined && allowed.includes(value) ? value : undefined;
}

function pq(name: string, primitive: Primitive, set: string | undefined, rest: string): AlgorithmFacts | undefined {
	// Digits that are no parameter set (`mldsa12`) make the whole token something else.
	if (set === undefined && /^\d/.test(rest)) return undefined;
	return set === undefined ? { name, primitive } : { name, primitive, parameterSetIdentifier: set };
}

const SLH_DSA_SETS = ["SHA2-128s", "SHA2-128f", "SHA2-192s", "SHA2-192f", "SHA2-256s", "SHA2-256f"];

/** FIPS 203/204/205 OIDs under NIST's `2.16.840.1.101.3.4` arc (CSOR). */
const PQC_OIDS: Readonly<Record<string, string>> = {
	"2.16.840.1.101.3.4.4.1": "ML-KEM-512",
	"2.16.840.1.101.3.4.4.2": "ML-KEM-768",
	"2.16.840.1.101.3.4.4.3": "ML-KEM-1024",
	"2.16.840.1.101.3.4.3.17": "ML-DSA-44",
	"2.16.840.1.101.3.4.3.18": "ML-DSA-65",
	"2.16.840.1.101.3.4.3.19": "ML-DSA-87",
	...Object.fromEntries(
		[...SLH_DSA_SETS, ...SLH_DSA_SETS.map((set) => set.replace("SHA2", "SHAKE"))].map((set, i) => [
			`2.16.840.1.101.3.4.3.${20 + i}`,
			`SLH-DSA-${set}`,
		]),
	),
};

export function pqcOid(oid: string): AlgorithmFacts | undefined {
	const name = PQC_OIDS[oid];
	const facts = name && postQuantum(name);
	return facts ? { ...facts, oid } : undefined;
}

interface Curve {
	name: string;
	bits: number;
}

const CURVES: Readonly<Record<string, Curve>> = {
	secp192r1: { name: "P-192", bits: 192 },
	prime192v1: { name: "P-192", bits: 192 },
	p192: { name: "P-192", bits: 192 },
	secp224r1: { name: "P-224", bits: 224 },
	p224: { name: "P-224", bits: 224 },
	secp256r1: { name: "P-256", bits: 256 },
	prime256v1: { name: "P-256", bits: 256 },
	p256: { name: "P-256", bits: 256 },
	secp384r1: { name: "P-384", bits: 384 },
	p384: { name: "P-384", bits: 384 },
	secp521r1: { name: "P-521", bits: 521 },
	p521: { name: "P-521", bits: 521 },
	secp256k1: { name: "secp256k1", bits: 256 },
	curve25519: { name: "Curve25519", bits: 255 },
	x25519: { name: "Curve25519", bits: 255 },
	curve448: { name: "Curve448", bits: 448 },
	x448: { name: "Curve448", bits: 448 },
};

const CURVE_PREFIXES = /^(?:nid|x962|mbedtlsecpdp|eccurve|namedcurves|nist|ecc)+/;

/**
 * Curve names across APIs: `secp256r1`, `prime256v1`, `P-256`, `NID_X9_62_prime256v1`, `nistP256`,
 * `MBEDTLS_ECP_DP_SECP192R1`, `elliptic.P224`, `brainpoolP256r1`, `sect163k1`.
 */
export function curve(token: string): Curve | undefined {
	const key = squash(token).replace(CURVE_PREFIXES, "");
	const known = CURVES[key];
	if (known) return known;
	const brainpool = /^brainpoolp(\d{3})([rt])1$/.exec(key);
	if (brainpool) return { name: `brainpoolP${brainpool[1]}${brainpool[2]}1`, bits: Number(brainpool[1]) };
	const other = /^(secp|sect|prime|c2pnb|c2tnb)(\d{3})([a-z]\d?)$/.exec(key);
	return other ? { name: `${other[1]}${other[2]}${other[3]}`, bits: Number(other[2]) } : undefined;
}

/** EC facts for a curve: the key size is the curve's order size, as X.509 findings report it. */
export function onCurve(facts: AlgorithmFacts, curveToken: string): AlgorithmFacts {
	const known = curve(curveToken);
	return known ? { ...facts, curve: known.name, keySize: known.bits } : facts;
}

/**
 * TLS/SSL version names across APIs: `TLSv1.2`, `TLSv1_2`, `TLS1_2_VERSION`, `VersionTLS12`, `Tls12`, `SSLv3`,
 * `SSL3_VERSION`, `TLSv1_method`. Undefined for version-less names (`TLS`, `SSLv23`).
 */
export function tlsVersion(token: string): ProtocolVersion | undefined {
	const key = squash(token).replace(/^(?:version|protocol)/, "");
	const match = /^(ssl|tls)v?(\d)(\d)?(?:version|method|clientmethod|servermethod)?$/.exec(key);
	if (!match) return undefined;
	const [, family, major, minor] = match;
	if (family === "ssl")
		return major === "2" && !minor ? "SSLv2" : major === "3" && (!minor || minor === "0") ? "SSLv3" : undefined;
	if (major !== "1") return undefined;
	const version = `1.${minor ?? "0"}`;
	return version === "1.0" || version === "1.1" || version === "1.2" || version === "1.3" ? version : undefined;
}

const JWT_HASH: Readonly<Record<string, string>> = { "256": "SHA-256", "384": "SHA-384", "512": "SHA-512" };
const JWT_CURVE: Readonly<Record<string, string>> = { "256": "P-256", "384": "P-384", "512": "P-521" };

/** JOSE `alg` values (RFC 7518): `HS256`, `RS256`, `PS384`, `ES512`, `ES256K`, `EdDSA`, `RSA1_5`, `none`. */
export function joseAlgorithm(alg: string): AlgorithmFacts | undefined {
	if (alg === "none") return { name: "none", primitive: "other" };
	if (alg === "EdDSA") return { name: "EdDSA", primitive: "signature" };
	if (alg === "Ed25519" || alg === "Ed448") return { name: alg, primitive: "signature" };
	if (alg === "ES256K")
		return { name: "ECDSA", primitive: "signature", hash: "SHA-256", curve: "secp256k1", keySize: 256 };
	if (alg === "RSA1_5") return { name: "RSA", primitive: "pke", padding: "pkcs1v15" };
	if (alg.startsWith("RSA-OAEP")) return { name: "RSA", primitive: "pke", padding: "oaep" };
	const match = /^(HS|RS|PS|ES)(256|384|512)$/.exec(alg);
	if (!match) return undefined;
	const [, family, bits = ""] = match;
	const digest = JWT_HASH[bits] as string;
	switch (family) {
		case "HS":
			return { name: "HMAC", primitive: "mac", hash: digest };
		case "RS":
			return { name: "RSA", primitive: "signature", padding: "pkcs1v15", hash: digest };
		case "PS":
			return { name: "RSASSA-PSS", primitive: "signature", hash: digest };
		default:
			return onCurve({ name: "ECDSA", primitive: "signature", hash: digest }, JWT_CURVE[bits] as string);
	}
}

/** The JOSE `alg` values worth a finding, for patterns that pick them out of option objects. */
export const JOSE_ALG = "(?:[HRPE]S(?:256|384|512)|ES256K|EdDSA|none|RSA1_5|RSA-OAEP(?:-256)?)";
