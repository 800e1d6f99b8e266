import type { LibraryId } from "../libraries.ts";
import { algorithm, hash, hashName, onCurve, opensslCipher, postQuantum, tlsVersion, withMode } from "../names.ts";
import { claiming, codeDetector, type Rule } from "../rules.ts";
import type { AlgorithmFacts } from "../types.ts";

/** RustCrypto publishes one crate per algorithm or mode. */
const RUSTCRYPTO = new Set([
	"aes",
	"aes_gcm",
	"aes_gcm_siv",
	"aes_siv",
	"argon2",
	"blake2",
	"block_modes",
	"cbc",
	"ccm",
	"chacha20",
	"chacha20poly1305",
	"cipher",
	"ctr",
	"des",
	"digest",
	"ecb",
	"ecdsa",
	"hkdf",
	"hmac",
	"k256",
	"md4",
	"md5",
	"md_5",
	"ml_dsa",
	"ml_kem",
	"p256",
	"p384",
	"p521",
	"pbkdf2",
	"rc4",
	"ripemd",
	"rsa",
	"scrypt",
	"sha1",
	"sha2",
	"sha3",
	"slh_dsa",
]);

const CRATES: Readonly<Record<string, LibraryId>> = {
	ring: "ring",
	rustls: "rustls",
	openssl: "openssl",
	ed25519_dalek: "dalek",
	x25519_dalek: "dalek",
	curve25519_dalek: "dalek",
	oqs: "liboqs",
	sodiumoxide: "libsodium",
	libsodium_sys: "libsodium",
	bcrypt: "bcrypt",
	jsonwebtoken: "jsonwebtoken",
	pqcrypto: "pqcrypto",
	pqcrypto_kyber: "pqcrypto",
	pqcrypto_mlkem: "pqcrypto",
	pqcrypto_dilithium: "pqcrypto",
	pqcrypto_falcon: "pqcrypto",
	pqcrypto_sphincsplus: "pqcrypto",
};

function crateLibrary(crate: string): LibraryId | undefined {
	return CRATES[crate] ?? (RUSTCRYPTO.has(crate) ? "rustcrypto" : undefined);
}

/** ring's signature algorithm constants: `RSA_PKCS1_2048_8192_SHA256`, `ECDSA_P256_SHA256_ASN1_SIGNING`, `ED25519`. */
function ringSignature(name: string): AlgorithmFacts | undefined {
	if (name === "ED25519") return algorithm("Ed25519");
	const digest = /SHA(1|256|384|512)/.exec(name)?.[1];
	const hashed = digest ? hashName(`SHA${digest}`) : undefined;
	const ecdsa = /^ECDSA_P(256|384)/.exec(name);
	if (ecdsa)
		return onCurve({ name: "ECDSA", primitive: "signature", ...(hashed && { hash: hashed }) }, `P-${ecdsa[1]}`);
	const base: AlgorithmFacts = name.startsWith("RSA_PSS")
		? { name: "RSASSA-PSS", primitive: "signature" }
		: { name: "RSA", primitive: "signature", padding: "pkcs1v15" };
	return hashed ? { ...base, hash: hashed } : base;
}

const RUST_RULES: readonly Rule[] = [
	{
		pattern: /\b(?:use|extern[ \t]+crate)[ \t]+(?:::)?(\w+)|\b(ring|rustls|openssl)::/g,
		report(match, scan) {
			const id = crateLibrary((match[1] ?? match[2]) as string);
			if (id) scan.library(match.index, id);
		},
	},
	{
		pattern:
			/\b(Md5|Md4|Sha1|Sha224|Sha256|Sha384|Sha512|Sha3_256|Sha3_384|Sha3_512|Ripemd160|Blake2b512|Blake2s256)::(?:new|digest|new_with_prefix|default)\(|\bmd5::compute\(/g,
		report: (match, scan) => scan.algorithm(match.index, hash(match[1] ?? "MD5"), match[0].slice(0, -1)),
	},
	claiming(
		/\b(ecb|cbc|ctr|cfb_mode|ofb)::(?:Encryptor|Decryptor|BufEncryptor|BufDecryptor)\s*(?:::)?\s*<\s*(?:\w+::)*(\w+)|\b(Ecb|Cbc|Ctr\d*BE|Ctr\d*|Cfb|Ofb)\s*<\s*(?:\w+::)*(\w+)/g,
		(match, scan) => {
			const modeName = ((match[1] ?? match[3]) as string).replace(/_mode$|\d+BE$|\d+$/g, "");
			const base = algorithm((match[2] ?? match[4]) as string);
			scan.algorithm(match.index, base && withMode(base, modeName), match[0].replace(/\s*(?:::)?\s*<.*$/s, ""));
		},
	),
	{
		pattern:
			/\b(Aes128|Aes192|Aes256|Des|TdesEde3|TdesEde2|Rc4|Blowfish|Aes128Gcm|Aes256Gcm|ChaCha20Poly1305|XChaCha20Poly1305|ChaCha20)::new(?:_from_slice)?\(/g,
		report(match, scan) {
			const name = match[1] as string;
			const gcm = /^Aes(128|256)Gcm$/.exec(name);
			const facts = gcm
				? withMode({ name: "AES", primitive: "block-cipher", keySize: Number(gcm[1]) }, "gcm")
				: algorithm(name);
			scan.algorithm(match.index, facts, `${name}::new`);
		},
	},
	{
		pattern: /\b(RsaPrivateKey::new|Rsa::generate)\(\s*(?:&mut\s+[\w.()]+\s*,\s*)?(\d{3,5})\b/g,
		report: (match, scan) =>
			scan.algorithm(match.index, { name: "RSA", primitive: "pke", keySize: Number(match[2]) }, match[1] as string),
	},
	{
		pattern: /\b(Pkcs1v15Encrypt|Oaep::new)\b/g,
		report: (match, scan) =>
			scan.algorithm(
				match.index,
				{ name: "RSA", primitive: "pke", padding: match[1] === "Pkcs1v15Encrypt" ? "pkcs1v15" : "oaep" },
				match[1] as string,
			),
	},
	{
		pattern: /\bdigest::(SHA1_FOR_LEGACY_USE_ONLY|SHA256|SHA384|SHA512|SHA512_256)\b/g,
		report: (match, scan) =>
			scan.algorithm(
				match.index,
				hash((match[1] as string).replace("_FOR_LEGACY_USE_ONLY", "").replace("_", "/")),
				match[0],
			),
	},
	{
		pattern: /\baead::(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305)\b/g,
		report: (match, scan) =>
			scan.algorithm(match.index, opensslCipher((match[1] as string).toLowerCase().replace(/_/g, "-")), match[0]),
	},
	{
		pattern:
			/\bsignature::(RSA_PKCS1_\w+|RSA_PSS_\w+|ECDSA_P(?:256|384)_\w+|ED25519)\b|\b(Ed25519KeyPair|EcdsaKeyPair|RsaKeyPair)\b/g,
		report(match, scan) {
			const facts = match[1] ? ringSignature(match[1]) : algorithm((match[2] as string).replace("KeyPair", ""));
			scan.algorithm(match.index, facts, match[0]);
		},
	},
	{
		pattern: /\bagreement::(X25519|ECDH_P256|ECDH_P384)\b/g,
		report(match, scan) {
			const name = match[1] as string;
			const facts =
				name === "X25519"
					? algorithm("X25519")
					: onCurve({ name: "ECDH", primitive: "key-agree" }, `P-${name.slice(-3)}`);
			scan.algorithm(match.index, facts, match[0]);
		},
	},
	{
		pattern: /\b(hmac|pbkdf2)::(?:HMAC|PBKDF2_HMAC)_(SHA1|SHA256|SHA384|SHA512)\w*/g,
		report(match, scan) {
			const digest = hashName(match[2] as string) as string;
			scan.algorithm(match.index, { ...(algorithm(match[1] as string) as AlgorithmFacts), hash: digest }, match[0]);
		},
	},
	{
		pattern: /\bCipher::(\w+)\(\)/g,
		report(match, scan) {
			if (scan.text.includes("openssl"))
				scan.algorithm(match.index, opensslCipher((match[1] as string).replace(/_/g, "-")), match[0]);
		},
	},
	{
		pattern: /\bMessageDigest::(md5|sha1|sha224|sha256|sha384|sha512|sha3_256|sha3_512|ripemd160|sm3)\(\)/g,
		report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), match[0]),
	},
	{
		pattern: /\bEcGroup::from_curve_name\(\s*Nid::(\w+)/g,
		report: (match, scan) =>
			scan.algorithm(
				match.index,
				onCurve({ name: "EC", primitive: "other" }, match[1] as string),
				"EcGroup::from_curve_name",
			),
	},
	{
		pattern:
			/\bSslVersion::(SSL3|TLS1|TLS1_1|TLS1_2|TLS1_3)\b|\bversion::TLS1([23])\b|\bProtocolVersion::(SSLv3|TLSv1_0|TLSv1_1|TLSv1_2|TLSv1_3)\b/g,
		report(match, scan) {
			const version = tlsVersion(match[1] ?? (match[2] ? `TLS1${match[2]}` : (match[3] as string)));
			if (version) scan.protocol(match.index, { type: "tls", version }, match[2] ? "rustls" : `rust ${match[0]}`);
		},
	},
	{
		pattern: /\b(?:mlkem|kyber|mldsa|dilithium|falcon|sphincs\w*?)\d+\w*/g,
		requires: ["pqcrypto", "oqs"],
		report: (match, scan) => scan.algorithm(match.index, postQuantum(match[0]), match[0]),
	},
	{
		pattern: /\bset_cipher_list\(\s*"([^"\n]+)"/g,
		report: (match, scan) =>
			scan.protocol(
				match.index,
				{ type: "tls", cipherSuites: (match[1] as string).split(":") },
				"rust openssl set_cipher_list",
				[match[1] as string],
			),
	},
];

/**
 * Anchors start with a character that is rare in code: \`includes\` runs memchr on a needle's first character, so
 * a needle starting with a common lower-case letter costs several times more.
 */
export const RUST = codeDetector(
	[
		"Sha",
		"Md",
		"Aes",
		"Rsa",
		"Hmac",
		"ChaCha",
		"25519",
		"Des::",
		"TdesE",
		"Rc4",
		"SHA",
		"AES_",
		"RSA_",
		"ECDSA",
		"HMAC",
		"CHACHA",
		"TLS1",
		"Cipher",
		"Digest",
		"Ssl",
		"Nid::",
		"kem",
		"Kem",
		"Dsa",
		"Signin",
		"Pbkdf2",
		"Argon2",
	],
	RUST_RULES,
);
