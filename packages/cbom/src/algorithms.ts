import type { AlgorithmProperties, CryptoFunction, Mode, Padding, Primitive } from "./schema.ts";

/** An algorithm component: what its `algorithmProperties` say, its OID, and the algorithms it is built from. */
export interface AlgorithmSpec extends AlgorithmProperties {
	name: string;
	oid?: string;
	/** E.g. a signature scheme's hash: each becomes a component of its own and a dependency. */
	uses?: readonly AlgorithmSpec[];
}

/** Functions an algorithm of this primitive implements by definition; anything less certain is left out. */
const FUNCTIONS: Partial<Record<Primitive, CryptoFunction[]>> = {
	hash: ["digest"],
	xof: ["digest"],
	mac: ["tag"],
	kdf: ["keyderive"],
	kem: ["encapsulate", "decapsulate"],
	signature: ["sign", "verify"],
	pke: ["encrypt", "decrypt"],
	"block-cipher": ["encrypt", "decrypt"],
	"stream-cipher": ["encrypt", "decrypt"],
	ae: ["encrypt", "decrypt"],
	drbg: ["generate"],
};

export function algorithmProperties(spec: AlgorithmSpec): AlgorithmProperties {
	const functions = spec.cryptoFunctions ?? (spec.primitive && FUNCTIONS[spec.primitive]);
	return {
		primitive: spec.primitive ?? "unknown",
		parameterSetIdentifier: spec.parameterSetIdentifier,
		curve: spec.curve,
		mode: spec.mode,
		padding: spec.padding,
		cryptoFunctions: functions ? [...functions] : undefined,
		classicalSecurityLevel: spec.classicalSecurityLevel,
		nistQuantumSecurityLevel: spec.nistQuantumSecurityLevel,
	};
}

// Shor's algorithm breaks every classical public-key scheme, so none of them meets a NIST PQC category.
const QUANTUM_BROKEN = 0;

/** NIST SP 800-57 Part 1 Rev. 5, Table 2: modulus (RSA, DSA, DH) and field size (EC) to security bits. */
const MODULUS_LEVELS: readonly [number, number][] = [
	[15360, 256],
	[7680, 192],
	[3072, 128],
	[2048, 112],
	[1024, 80],
];
const CURVE_LEVELS: readonly [number, number][] = [
	[512, 256],
	[384, 192],
	[256, 128],
	[224, 112],
	[160, 80],
];

function level(table: readonly [number, number][], bits: number | undefined): number | undefined {
	return bits === undefined ? undefined : table.find(([min]) => bits >= min)?.[1];
}

function hash(name: string, oid: string, bits: number, classical?: number, quantum?: number): AlgorithmSpec {
	return {
		name,
		primitive: "hash",
		oid,
		parameterSetIdentifier: String(bits),
		classicalSecurityLevel: classical,
		nistQuantumSecurityLevel: quantum,
	};
}

// Security levels are collision resistance, and only given where NIST states them (SP 800-57, PQC categories).
const MD2 = hash("MD2", "1.2.840.113549.2.2", 128);
const MD5 = hash("MD5", "1.2.840.113549.2.5", 128);
const SHA1 = hash("SHA-1", "1.3.14.3.2.26", 160);
const SHA224 = hash("SHA-224", "2.16.840.1.101.3.4.2.4", 224, 112);
const SHA256 = hash("SHA-256", "2.16.840.1.101.3.4.2.1", 256, 128, 2);
const SHA384 = hash("SHA-384", "2.16.840.1.101.3.4.2.2", 384, 192, 4);
const SHA512 = hash("SHA-512", "2.16.840.1.101.3.4.2.3", 512, 256, 5);
const SHA3_256 = hash("SHA3-256", "2.16.840.1.101.3.4.2.8", 256, 128, 2);
const SHA3_384 = hash("SHA3-384", "2.16.840.1.101.3.4.2.9", 384, 192, 4);
const SHA3_512 = hash("SHA3-512", "2.16.840.1.101.3.4.2.10", 512, 256, 5);

/** JCA spelling of a hash inside scheme names: SHA256withRSA, but SHA3-256withRSA. */
function jcaHash(digest: AlgorithmSpec): string {
	return digest.name.replace(/^(SHA|RIPEMD)-/, "$1");
}

/** A `<hash>with<family>` signature scheme as [OID, the name packages/discovery reports, spec]. */
function scheme(
	family: "RSA" | "ECDSA" | "DSA",
	digest: AlgorithmSpec,
	oid: string,
	discoveryName: string,
): [string, string, AlgorithmSpec] {
	const spec: AlgorithmSpec = {
		name: `${jcaHash(digest)}with${family}`,
		primitive: "signature",
		oid,
		padding: family === "RSA" ? "pkcs1v15" : undefined,
		uses: [digest],
	};
	return [oid, discoveryName, spec];
}

function pqc(
	name: string,
	primitive: Primitive,
	parameterSet: string,
	oid: string,
	category: 1 | 2 | 3 | 5,
): AlgorithmSpec {
	const classical = { 1: 128, 2: 128, 3: 192, 5: 256 }[category];
	return {
		name,
		primitive,
		parameterSetIdentifier: parameterSet,
		oid,
		classicalSecurityLevel: classical,
		nistQuantumSecurityLevel: category,
	};
}

const NIST_SIG = "2.16.840.1.101.3.4.3";
const NIST_KEM = "2.16.840.1.101.3.4.4";

const ED25519: AlgorithmSpec = {
	name: "Ed25519",
	primitive: "signature",
	oid: "1.3.101.112",
	classicalSecurityLevel: 128,
	nistQuantumSecurityLevel: QUANTUM_BROKEN,
};
const ED448: AlgorithmSpec = {
	name: "Ed448",
	primitive: "signature",
	oid: "1.3.101.113",
	classicalSecurityLevel: 224,
	nistQuantumSecurityLevel: QUANTUM_BROKEN,
};
const X25519: AlgorithmSpec = {
	name: "X25519",
	primitive: "key-agree",
	oid: "1.3.101.110",
	curve: "Curve25519",
	classicalSecurityLevel: 128,
	nistQuantumSecurityLevel: QUANTUM_BROKEN,
};
const X448: AlgorithmSpec = {
	name: "X448",
	primitive: "key-agree",
	oid: "1.3.101.111",
	curve: "Curve448",
	classicalSecurityLevel: 224,
	nistQuantumSecurityLevel: QUANTUM_BROKEN,
};

const ML_DSA = (
	[
		["44", 2],
		["65", 3],
		["87", 5],
	] as const
).map(([set, category], i) => pqc(`ML-DSA-${set}`, "signature", set, `${NIST_SIG}.${17 + i}`, category));
const ML_KEM = (
	[
		["512", 1],
		["768", 3],
		["1024", 5],
	] as const
).map(([set, category], i) => pqc(`ML-KEM-${set}`, "kem", set, `${NIST_KEM}.${1 + i}`, category));
/** FIPS 205 order of the SLH-DSA OIDs: the six SHA2 sets, then the six SHAKE sets. */
const SLH_DSA = ["SHA2", "SHAKE"].flatMap((family, f) =>
	["128s", "128f", "192s", "192f", "256s", "256f"].map((set, i) => {
		const category = set.startsWith("128") ? 1 : set.startsWith("192") ? 3 : 5;
		return pqc(`SLH-DSA-${family}-${set}`, "signature", `${family}-${set}`, `${NIST_SIG}.${20 + f * 6 + i}`, category);
	}),
);

const RSASSA_PSS: AlgorithmSpec = { name: "RSASSA-PSS", primitive: "signature", oid: "1.2.840.113549.1.1.10" };

/** Certificate signature algorithms by OID, each also under the name packages/discovery reports. */
const SIGNATURES: readonly [string, string, AlgorithmSpec][] = [
	scheme("RSA", MD2, "1.2.840.113549.1.1.2", "md2WithRSAEncryption"),
	scheme("RSA", MD5, "1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
	scheme("RSA", SHA1, "1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
	scheme("RSA", SHA224, "1.2.840.113549.1.1.14", "sha224WithRSAEncryption"),
	scheme("RSA", SHA256, "1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
	scheme("RSA", SHA384, "1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
	scheme("RSA", SHA512, "1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
	["1.2.840.113549.1.1.10", "rsassaPss", RSASSA_PSS],
	scheme("ECDSA", SHA1, "1.2.840.10045.4.1", "ecdsa-with-SHA1"),
	scheme("ECDSA", SHA224, "1.2.840.10045.4.3.1", "ecdsa-with-SHA224"),
	scheme("ECDSA", SHA256, "1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
	scheme("ECDSA", SHA384, "1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
	scheme("ECDSA", SHA512, "1.2.840.10045.4.3.4", "ecdsa-with-SHA512"),
	scheme("DSA", SHA1, "1.2.840.10040.4.3", "dsa-with-SHA1"),
	scheme("DSA", SHA224, `${NIST_SIG}.1`, "dsa-with-SHA224"),
	scheme("DSA", SHA256, `${NIST_SIG}.2`, "dsa-with-SHA256"),
	["1.3.101.112", "Ed25519", ED25519],
	["1.3.101.113", "Ed448", ED448],
	...[...ML_DSA, ...SLH_DSA].map((spec): [string, string, AlgorithmSpec] => [spec.oid ?? "", spec.name, spec]),
];

const SIGNATURE_BY_OID = new Map(SIGNATURES.map(([oid, , spec]) => [oid, spec]));
const SIGNATURE_BY_NAME = new Map(SIGNATURES.map(([, name, spec]) => [name.toLowerCase(), spec]));

function signatureByOid(oid: string): AlgorithmSpec {
	return SIGNATURE_BY_OID.get(oid) ?? { name: oid, primitive: "signature", oid };
}

/** A certificate's signature algorithm; unknown ones still get a component, named by what was reported. */
export function signatureAlgorithm(name: string | undefined, oid: string | undefined): AlgorithmSpec | undefined {
	const known = (oid && SIGNATURE_BY_OID.get(oid)) || (name && SIGNATURE_BY_NAME.get(name.toLowerCase()));
	if (known) return known;
	const label = name && name !== "unknown" ? name : oid;
	return label ? { name: label, primitive: "signature", oid } : undefined;
}

const IS_DOTTED_OID = /^\d+(?:\.\d+)+$/;

/** The algorithm of a key (or a certificate's public key) as packages/discovery describes it. */
export function keyAlgorithm(
	algorithm: string | undefined,
	size: number | undefined,
	curve: string | undefined,
): AlgorithmSpec | undefined {
	switch (algorithm) {
		case undefined:
		case "unknown":
			return undefined;
		case "RSA":
			// The same RSA key may encrypt and sign; `pke` alone would suggest encryption only.
			return {
				...modular("RSA", "pke", size, "1.2.840.113549.1.1.1"),
				cryptoFunctions: ["encrypt", "decrypt", "sign", "verify"],
			};
		case "RSASSA-PSS":
			return modular("RSASSA-PSS", "signature", size, "1.2.840.113549.1.1.10");
		case "DSA":
			return modular("DSA", "signature", size, "1.2.840.10040.4.1");
		case "DH":
			return modular("DH", "key-agree", size);
		case "EC":
			return elliptic("ECDSA", "signature", curve, size);
		case "Ed25519":
			return ED25519;
		case "Ed448":
			return ED448;
		case "X25519":
			return X25519;
		case "X448":
			return X448;
	}
	const named = byName(algorithm);
	if (named) return named;
	return IS_DOTTED_OID.test(algorithm) ? { name: algorithm, oid: algorithm } : { name: algorithm };
}

function modular(family: string, primitive: Primitive, size: number | undefined, oid?: string): AlgorithmSpec {
	return {
		name: size ? `${family}-${size}` : family,
		primitive,
		oid,
		parameterSetIdentifier: size ? String(size) : undefined,
		classicalSecurityLevel: level(MODULUS_LEVELS, size),
		nistQuantumSecurityLevel: QUANTUM_BROKEN,
	};
}

/** Field size from names such as P-256, secp384r1, prime256v1 or brainpoolP512r1. */
function curveBits(curve: string | undefined): number | undefined {
	const digits = curve && /(\d{3})/.exec(curve)?.[1];
	return digits ? Number(digits) : undefined;
}

function elliptic(family: string, primitive: Primitive, curve: string | undefined, size?: number): AlgorithmSpec {
	return {
		name: curve ? `${family} ${curve}` : family,
		primitive,
		curve,
		classicalSecurityLevel: level(CURVE_LEVELS, size ?? curveBits(curve)),
		nistQuantumSecurityLevel: QUANTUM_BROKEN,
	};
}

const AES_MODE_OID: Partial<Record<Mode, number>> = { ecb: 1, cbc: 2, ofb: 3, cfb: 4, gcm: 6, ccm: 7 };
const AES_QUANTUM: Readonly<Record<number, number>> = { 128: 1, 192: 3, 256: 5 };

export function aes(size: number | undefined, mode: Mode | undefined): AlgorithmSpec {
	const named = mode && mode !== "other" && mode !== "unknown" ? mode : undefined;
	const standard = size !== undefined && AES_QUANTUM[size] !== undefined;
	const modeOid = named && AES_MODE_OID[named];
	return {
		name: ["AES", size, named?.toUpperCase()].filter(Boolean).join("-"),
		primitive: named === "gcm" || named === "ccm" ? "ae" : "block-cipher",
		oid: standard && modeOid ? `2.16.840.1.101.3.4.1.${((size - 128) / 64) * 20 + modeOid}` : undefined,
		parameterSetIdentifier: size ? String(size) : undefined,
		mode,
		classicalSecurityLevel: standard ? size : undefined,
		nistQuantumSecurityLevel: standard ? AES_QUANTUM[size] : undefined,
	};
}

function aesKeyWrap(size: 128 | 192 | 256): AlgorithmSpec {
	// CycloneDX 1.6 has no key-wrap primitive (1.7 adds one): AES-KW is AES in a mode of its own.
	return { ...aes(size, "other"), name: `AES-${size}-KW`, oid: `2.16.840.1.101.3.4.1.${((size - 128) / 64) * 20 + 5}` };
}

const CHACHA20_POLY1305: AlgorithmSpec = {
	name: "ChaCha20-Poly1305",
	primitive: "ae",
	parameterSetIdentifier: "256",
	classicalSecurityLevel: 256,
	nistQuantumSecurityLevel: 5,
};
const TRIPLE_DES_CBC: AlgorithmSpec = {
	name: "3DES-CBC",
	primitive: "block-cipher",
	mode: "cbc",
	oid: "1.2.840.113549.3.7",
};
const DES_CBC: AlgorithmSpec = {
	name: "DES-CBC",
	primitive: "block-cipher",
	mode: "cbc",
	parameterSetIdentifier: "56",
	oid: "1.3.14.3.2.7",
};

/**
 * The cipher protecting a key or keystore, from the names packages/discovery reports: PKCS#5/#12 scheme names
 * (`aes-256-cbc`, `pbeWithSHAAnd3-KeyTripleDES-CBC`, `PBES2/PBKDF2-hmacWithSHA256/aes-256-cbc`), OpenSSH
 * ciphers (`aes256-ctr`, `chacha20-poly1305@openssh.com`) and legacy PEM DEK-Info names.
 */
export function cipherByName(name: string): AlgorithmSpec | undefined {
	const lower = name.toLowerCase();
	const aesMatch = /aes-?(128|192|256)(?:-?(cbc|ctr|gcm|cfb|ofb|ecb|ccm))?/.exec(lower);
	if (aesMatch) return aes(Number(aesMatch[1]), aesMatch[2] as Mode | undefined);
	if (lower.includes("chacha20-poly1305")) return CHACHA20_POLY1305;
	if (/tripledes|des-ede3|3des/.test(lower)) return TRIPLE_DES_CBC;
	if (/(?:^|[^a-z])des-cbc|anddes-cbc/.test(lower)) return DES_CBC;
	if (lower.includes("rc4")) return { name: "RC4", primitive: "stream-cipher" };
	if (lower.includes("rc2")) return { name: "RC2-CBC", primitive: "block-cipher", mode: "cbc" };
	return undefined;
}

function hmac(digest: AlgorithmSpec, oid: string): AlgorithmSpec {
	return { name: `HMAC-${jcaHash(digest)}`, primitive: "mac", oid, uses: [digest] };
}

const HMAC_SHA256 = hmac(SHA256, "1.2.840.113549.2.9");
const HMAC_SHA384 = hmac(SHA384, "1.2.840.113549.2.10");
const HMAC_SHA512 = hmac(SHA512, "1.2.840.113549.2.11");

function pss(digest: AlgorithmSpec): AlgorithmSpec {
	return { ...RSASSA_PSS, name: `${jcaHash(digest)}withRSA/PSS`, uses: [digest] };
}

const PSS_SHA256 = pss(SHA256);
const PSS_SHA384 = pss(SHA384);
const PSS_SHA512 = pss(SHA512);

/** JWS `alg` values (RFC 7518 section 3, RFC 8037, the ML-DSA JOSE draft); `none` has no algorithm. */
const JWS: Readonly<Record<string, AlgorithmSpec>> = {
	HS256: HMAC_SHA256,
	HS384: HMAC_SHA384,
	HS512: HMAC_SHA512,
	RS256: signatureByOid("1.2.840.113549.1.1.11"),
	RS384: signatureByOid("1.2.840.113549.1.1.12"),
	RS512: signatureByOid("1.2.840.113549.1.1.13"),
	PS256: PSS_SHA256,
	PS384: PSS_SHA384,
	PS512: PSS_SHA512,
	ES256: signatureByOid("1.2.840.10045.4.3.2"),
	ES256K: signatureByOid("1.2.840.10045.4.3.2"),
	ES384: signatureByOid("1.2.840.10045.4.3.3"),
	ES512: signatureByOid("1.2.840.10045.4.3.4"),
	EdDSA: { name: "EdDSA", primitive: "signature" },
	Ed25519: ED25519,
	Ed448: ED448,
	...Object.fromEntries(ML_DSA.map((spec) => [spec.name, spec])),
};

function oaep(digest: AlgorithmSpec, suffix: string): AlgorithmSpec {
	return { name: `RSA-OAEP${suffix}`, primitive: "pke", padding: "oaep", uses: [digest] };
}

/** JWE key management `alg` values (RFC 7518 section 4); `dir` uses the shared key directly. */
const JWE_KEY_MANAGEMENT: Readonly<Record<string, AlgorithmSpec>> = {
	RSA1_5: { name: "RSAES-PKCS1-v1_5", primitive: "pke", padding: "pkcs1v15" },
	"RSA-OAEP": oaep(SHA1, ""),
	"RSA-OAEP-256": oaep(SHA256, "-256"),
	"RSA-OAEP-384": oaep(SHA384, "-384"),
	"RSA-OAEP-512": oaep(SHA512, "-512"),
	...Object.fromEntries(
		([128, 192, 256] as const).flatMap((size) => [
			[`A${size}KW`, aesKeyWrap(size)],
			[`A${size}GCMKW`, aes(size, "gcm")],
			[`ECDH-ES+A${size}KW`, { name: `ECDH-ES+A${size}KW`, primitive: "key-agree", uses: [aesKeyWrap(size)] }],
		]),
	),
	"ECDH-ES": { name: "ECDH-ES", primitive: "key-agree" },
	"PBES2-HS256+A128KW": { name: "PBES2-HS256+A128KW", primitive: "kdf", uses: [HMAC_SHA256, aesKeyWrap(128)] },
	"PBES2-HS384+A192KW": { name: "PBES2-HS384+A192KW", primitive: "kdf", uses: [HMAC_SHA384, aesKeyWrap(192)] },
	"PBES2-HS512+A256KW": { name: "PBES2-HS512+A256KW", primitive: "kdf", uses: [HMAC_SHA512, aesKeyWrap(256)] },
};

function aesCbcHmac(size: 128 | 192 | 256, mac: AlgorithmSpec): AlgorithmSpec {
	const cipher = aes(size, "cbc");
	return { ...cipher, name: `${cipher.name}-${mac.name}`, primitive: "ae", oid: undefined, uses: [cipher, mac] };
}

/** JWE content encryption `enc` values (RFC 7518 section 5). */
const JWE_ENCRYPTION: Readonly<Record<string, AlgorithmSpec>> = {
	A128GCM: aes(128, "gcm"),
	A192GCM: aes(192, "gcm"),
	A256GCM: aes(256, "gcm"),
	"A128CBC-HS256": aesCbcHmac(128, HMAC_SHA256),
	"A192CBC-HS384": aesCbcHmac(192, HMAC_SHA384),
	"A256CBC-HS512": aesCbcHmac(256, HMAC_SHA512),
};

export function joseAlgorithm(alg: string, jwe: boolean): AlgorithmSpec | undefined {
	return (jwe ? JWE_KEY_MANAGEMENT : JWS)[alg];
}

export function joseEncryption(enc: string): AlgorithmSpec | undefined {
	return JWE_ENCRYPTION[enc];
}

/** Upper-case letters and digits only, so SHA256, sha-256 and SHA_256 meet. */
function normalise(name: string): string {
	return name.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

const NAMED = new Map(
	[
		MD2,
		MD5,
		SHA1,
		SHA224,
		SHA256,
		SHA384,
		SHA512,
		SHA3_256,
		SHA3_384,
		SHA3_512,
		HMAC_SHA256,
		HMAC_SHA384,
		HMAC_SHA512,
		ED25519,
		ED448,
		X25519,
		X448,
		CHACHA20_POLY1305,
		PSS_SHA256,
		PSS_SHA384,
		PSS_SHA512,
		...ML_DSA,
		...ML_KEM,
		...SLH_DSA,
		...SIGNATURES.map(([, , spec]) => spec),
	].map((spec) => [normalise(spec.name), spec]),
);

function byName(name: string): AlgorithmSpec | undefined {
	return NAMED.get(normalise(name));
}

/** What packages/crypto-usage reports about one algorithm in code, already in CycloneDX vocabulary. */
export interface CodeFacts {
	name: string;
	primitive?: Primitive;
	mode?: Mode;
	padding?: Padding;
	/** The digest inside a composite algorithm: the SHA-256 of SHA256withRSA or of HmacSHA256. */
	hash?: string;
	keySize?: number;
	curve?: string;
	parameterSetIdentifier?: string;
	oid?: string;
}

/** The catalogue entry for a name alone (`AES` with a size, `RSA` with a size, `ML-KEM` with its set). */
function family(facts: CodeFacts): AlgorithmSpec | undefined {
	const { name, keySize, curve, mode, parameterSetIdentifier } = facts;
	const key = normalise(name);
	const aesName = /^AES(128|192|256)?$/.exec(key);
	if (aesName) return aes(aesName[1] ? Number(aesName[1]) : keySize, mode);
	if (key === "RSA") return keyAlgorithm("RSA", keySize, undefined);
	if (key === "DSA") return keyAlgorithm("DSA", keySize, undefined);
	if (key === "DH" || key === "DIFFIEHELLMAN") return keyAlgorithm("DH", keySize, undefined);
	if (key === "ECDSA") return elliptic("ECDSA", "signature", curve, keySize);
	if (key === "ECDH") return elliptic("ECDH", "key-agree", curve, keySize);
	if (key === "EC") return elliptic("EC", "other", curve, keySize);
	return byName(name) ?? (parameterSetIdentifier ? byName(`${name}-${parameterSetIdentifier}`) : undefined);
}

/**
 * A signature scheme, MAC or KDF named after its hash, as certificates and JOSE name the same schemes. Other
 * algorithms (the cipher of a PBE scheme) keep their name and only depend on the hash.
 */
function composite(name: string, primitive: Primitive | undefined, digest: AlgorithmSpec): Partial<AlgorithmSpec> {
	const hashPart = jcaHash(digest);
	const key = normalise(name);
	let composed = `${name}-${hashPart}`;
	if (primitive === "signature" && (key === "RSA" || key === "DSA" || key === "ECDSA" || key === "EC")) {
		composed = `${hashPart}with${key === "EC" ? "ECDSA" : key}`;
	} else if (key === "RSASSAPSS") composed = `${hashPart}withRSA/PSS`;
	else if (key === "HMAC") composed = `HMAC-${hashPart}`;
	else if (key === "PBKDF2") composed = `PBKDF2-HMAC-${hashPart}`;
	else if (primitive !== "mac" && primitive !== "kdf") return { uses: [digest] };
	// The key algorithm's OID (rsaEncryption) does not identify the scheme built on it.
	return byName(composed) ?? { name: composed, oid: undefined, uses: [digest] };
}

/** AES-128-GCM style: the name, then key size (or parameter set) and mode unless the name already says them. */
function composedName(name: string, size: string | undefined, mode: Mode | undefined): string {
	const parts = [name];
	if (size !== undefined && !name.includes(size)) parts.push(size);
	if (mode && mode !== "other" && mode !== "unknown" && !name.toLowerCase().includes(mode)) {
		parts.push(mode.toUpperCase());
	}
	return parts.join("-");
}

/**
 * An algorithm found in code. What the finding states wins; the catalogue adds what is well known about the
 * algorithm it names (OID, security levels, the hash inside a composite scheme, the scheme's usual name).
 */
export function codeAlgorithm(facts: CodeFacts): AlgorithmSpec {
	const { name, primitive, mode, padding, keySize, curve, parameterSetIdentifier, oid } = facts;
	const digest = facts.hash === undefined ? undefined : (byName(facts.hash) ?? { name: facts.hash, primitive: "hash" });
	const base = family(facts);
	const scheme = digest && composite(name, primitive ?? base?.primitive, digest);
	// A composite's functions are its own, not those of the key algorithm it is built on.
	const known = scheme ? { ...base, ...scheme, cryptoFunctions: scheme.cryptoFunctions } : base;
	const size = keySize === undefined ? parameterSetIdentifier : String(keySize);
	return {
		...known,
		name: scheme?.name ?? known?.name ?? composedName(name, size, mode),
		primitive: primitive ?? known?.primitive,
		// The catalogue's functions fit the catalogue's primitive; a finding that says otherwise gets the defaults.
		cryptoFunctions: primitive === undefined || primitive === known?.primitive ? known?.cryptoFunctions : undefined,
		mode: mode ?? known?.mode,
		padding: padding ?? known?.padding,
		parameterSetIdentifier: parameterSetIdentifier ?? known?.parameterSetIdentifier ?? size,
		curve: curve ?? known?.curve,
		oid: oid ?? known?.oid,
	};
}
