import type { LibraryId } from "../libraries.ts";
import {
	algorithm,
	anyAlgorithm,
	curve,
	hash,
	hashName,
	onCurve,
	opensslCipher,
	postQuantum,
	signature,
	tlsVersion,
	withMode,
} from "../names.ts";
import { claiming, codeDetector, type Rule } from "../rules.ts";
import type { AlgorithmFacts } from "../types.ts";
import { sodiumFunction } from "./sodium.ts";

const HEADERS: readonly [prefix: string, id: LibraryId][] = [
	["openssl/", "openssl"],
	["sodium", "libsodium"],
	["mbedtls/", "mbedtls"],
	["polarssl/", "mbedtls"],
	["wolfssl/", "wolfssl"],
	["cyassl/", "wolfssl"],
	["gcrypt.h", "libgcrypt"],
	["botan/", "botan"],
	["cryptopp/", "cryptopp"],
	["crypto++/", "cryptopp"],
	["oqs/", "liboqs"],
	["gnutls/", "gnutls"],
];

const RSA: AlgorithmFacts = { name: "RSA", primitive: "pke" };
const EC: AlgorithmFacts = { name: "EC", primitive: "other" };

function sized(base: AlgorithmFacts, bits: string | undefined): AlgorithmFacts {
	return bits ? { ...base, keySize: Number(bits) } : base;
}

/** `EVP_PKEY_RSA`, `EVP_PKEY_RSA_PSS`, `EVP_PKEY_ED25519`: OpenSSL's key type constants. */
function pkeyType(name: string): AlgorithmFacts | undefined {
	return algorithm(name === "RSA_PSS" ? "RSASSA-PSS" : name);
}

/** liboqs algorithm ids (`ml_kem_768`, `sphincs_sha2_128f_simple`) and names (`ML-KEM-768`). */
function oqs(kind: string, name: string): AlgorithmFacts {
	return postQuantum(name) ?? { name, primitive: kind === "SIG" ? "signature" : "kem" };
}

const MBEDTLS_FAMILIES: Readonly<Record<string, string>> = {
	des3: "3DES",
	arc4: "RC4",
	chachapoly: "ChaCha20-Poly1305",
	gcm: "AES",
	ccm: "AES",
};

/** mbedTLS 2's `(major 3, minor n)` version pairs: minor 0 is SSLv3, 1–3 are TLS 1.0–1.2. */
const MBEDTLS_MINOR = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"];

const C_RULES: readonly Rule[] = [
	{
		pattern: /#[ \t]*include[ \t]*[<"]([\w+/.-]+)[>"]/g,
		report(match, scan) {
			const header = match[1] as string;
			const found = HEADERS.find(([prefix]) => header.startsWith(prefix));
			if (found) scan.library(match.index, found[1], [header]);
		},
	},
	{
		pattern:
			/\bEVP_((?:aes|aria|camellia)_\d{3}_\w+?|sm4_\w+?|des\w*?|rc4\w*?|rc2_\w+?|bf_\w+?|cast5_\w+?|idea_\w+?|seed_\w+?|chacha20(?:_poly1305)?)\(\s*\)/g,
		report(match, scan) {
			const name = (match[1] as string).replace(/_/g, "-");
			scan.algorithm(match.index, opensslCipher(name), `EVP_${match[1]}`);
		},
	},
	{
		pattern:
			/\bEVP_(md2|md4|md5|sha1|sha224|sha256|sha384|sha512|sha512_224|sha512_256|sha3_224|sha3_256|sha3_384|sha3_512|shake128|shake256|ripemd160|blake2b512|blake2s256|sm3|whirlpool)\(\s*\)/g,
		report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), `EVP_${match[1]}`),
	},
	{
		pattern: /\b(EVP_CIPHER_fetch|EVP_get_cipherbyname)\(\s*(?:[^,()"]+,\s*)?"([\w-]+)"/g,
		report(match, scan) {
			const name = match[2] as string;
			scan.algorithm(match.index, opensslCipher(name) ?? anyAlgorithm(name), match[1] as string, [name]);
		},
	},
	{
		pattern: /\b(EVP_MD_fetch|EVP_get_digestbyname)\(\s*(?:[^,()"]+,\s*)?"([\w-]+)"/g,
		report: (match, scan) =>
			scan.algorithm(match.index, hash(match[2] as string), match[1] as string, [match[2] as string]),
	},
	{
		pattern:
			/\b(EVP_PKEY_CTX_new_from_name|EVP_PKEY_Q_keygen|EVP_SIGNATURE_fetch|EVP_KEM_fetch)\(\s*[^,()"]+,\s*(?:[^,()"]+,\s*)?"([\w-]+)"\s*(?:,\s*(?:\(size_t\)\s*)?(\d{3,5})|,\s*"([\w-]+)")?/g,
		report(match, scan) {
			const name = match[2] as string;
			const base = algorithm(name) ?? signature(name);
			const facts = base && (match[4] ? onCurve(base, match[4]) : sized(base, match[3]));
			scan.algorithm(match.index, facts, match[1] as string, [name, ...(match[4] ? [match[4]] : [])]);
		},
	},
	{
		pattern: /\bEVP_PKEY_CTX_new_id\(\s*EVP_PKEY_(\w+)/g,
		report: (match, scan) => scan.algorithm(match.index, pkeyType(match[1] as string), "EVP_PKEY_CTX_new_id"),
	},
	{
		pattern:
			/\b(?:(EVP_RSA_gen|RSA_generate_key)\(\s*|(RSA_generate_key_ex|EVP_PKEY_CTX_set_rsa_keygen_bits|wc_MakeRsaKey|mbedtls_rsa_gen_key)\(\s*[^,()]+(?:,\s*[^,()]+){0,2}?,\s*)(\d{3,5})\b/g,
		report: (match, scan) => scan.algorithm(match.index, sized(RSA, match[3]), (match[1] ?? match[2]) as string),
	},
	{
		pattern: /\b(DSA|DH)_generate_parameters(?:_ex)?\(\s*(?:\w+\s*,\s*)?(\d{3,5})\b/g,
		report: (match, scan) =>
			scan.algorithm(
				match.index,
				sized(algorithm(match[1] as string) as AlgorithmFacts, match[2]),
				`${match[1]}_generate_parameters`,
			),
	},
	{
		pattern: /\bEVP_EC_gen\(\s*"([\w-]+)"/g,
		report: (match, scan) =>
			scan.algorithm(match.index, onCurve(EC, match[1] as string), "EVP_EC_gen", [match[1] as string]),
	},
	{
		pattern:
			/\b(?:(EC_KEY_new_by_curve_name|EC_GROUP_new_by_curve_name|EVP_PKEY_CTX_set_ec_paramgen_curve_nid)\(\s*(?:[^,()]+,\s*)?)?NID_(X9_62_prime\d{3}v\d|secp\d{3}[rk]\d|sect\d{3}[rk]\d|brainpoolP\d{3}[rt]1)\b/g,
		report: (match, scan) =>
			scan.algorithm(match.index, onCurve(EC, match[2] as string), match[1] ?? `NID_${match[2]}`),
	},
	{
		pattern: /\b(MD4|MD5|SHA1|SHA224|SHA256|SHA384|SHA512)(_Init|_Update|_Final)?\s*\(/g,
		report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), `${match[1]}${match[2] ?? ""}`),
	},
	{
		pattern: /\bDES_(ecb3|ede3_cbc|ede3_ofb64|ede3_cfb64|ecb|ncbc|cbc|set_key\w*)_?\w*?\(/g,
		report(match, scan) {
			const variant = match[1] as string;
			const triple = /3/.test(variant);
			const modeName = /^set_key/.test(variant)
				? undefined
				: /ecb/.test(variant)
					? "ecb"
					: variant.replace(/^ede3_|64$/g, "").replace("ncbc", "cbc");
			scan.algorithm(
				match.index,
				withMode(algorithm(triple ? "3DES" : "DES") as AlgorithmFacts, modeName),
				`DES_${variant}`,
			);
		},
	},
	{
		pattern: /\b(RC4|RC4_set_key|BF_set_key|BF_ecb_encrypt|BF_cbc_encrypt)\s*\(/g,
		report(match, scan) {
			const api = match[1] as string;
			const base = algorithm(api.startsWith("RC4") ? "RC4" : "Blowfish") as AlgorithmFacts;
			scan.algorithm(match.index, withMode(base, /_(ecb|cbc)_/.exec(api)?.[1]), api);
		},
	},
	{
		pattern:
			/\bAES_(ecb|cbc|cfb128|ofb128|ctr128|ige)_encrypt\(|\bAES_set_(?:en|de)crypt_key\(\s*[^,()]+,\s*(128|192|256)\b/g,
		report(match, scan) {
			const base: AlgorithmFacts = { name: "AES", primitive: "block-cipher" };
			const facts = match[1] ? withMode(base, match[1]) : sized(base, match[2]);
			scan.algorithm(match.index, facts, match[0].replace(/\(.*$/s, ""));
		},
	},
	{
		pattern: /\b(SSLv2|SSLv3|TLSv1|TLSv1_1|TLSv1_2|SSLv23|TLS)_(?:client_|server_)?method\(\)/g,
		report(match, scan) {
			const version = tlsVersion(match[1] as string);
			scan.protocol(match.index, version ? { type: "tls", version } : { type: "tls" }, `openssl ${match[1]}_method`);
		},
	},
	{
		pattern: /\bSSL(?:_CTX)?_set_(min|max)_proto_version\(\s*[^,()]+,\s*(\w+)\s*\)/g,
		report(match, scan) {
			const version = tlsVersion(match[2] as string);
			if (version)
				scan.protocol(match.index, { type: "tls", version }, `openssl SSL_CTX_set_${match[1]}_proto_version`);
		},
	},
	{
		pattern:
			/\b(SSL(?:_CTX)?_set_cipher_list|SSL(?:_CTX)?_set_ciphersuites|gnutls_priority_set_direct)\(\s*[^,()]+,\s*"([^"\n]+)"/g,
		report(match, scan) {
			const value = match[2] as string;
			scan.protocol(match.index, { type: "tls", cipherSuites: value.split(/[:,]/) }, `openssl ${match[1]}`, [value]);
		},
	},
	{
		pattern: /\bwolf(SSLv3|TLSv1|TLSv1_1|TLSv1_2|TLSv1_3|SSLv23)_(?:client_|server_)?method\(/g,
		report(match, scan) {
			const version = tlsVersion(match[1] as string);
			scan.protocol(match.index, version ? { type: "tls", version } : { type: "tls" }, `wolfSSL ${match[1]}_method`);
		},
	},
	{
		pattern:
			/\bwc_(?:Init)?(Md5|Md4|Sha|Sha224|Sha256|Sha384|Sha512|Sha3_256|Sha3_384|Sha3_512)(?:Hash|Update|Final)?\(/g,
		report: (match, scan) =>
			scan.algorithm(match.index, hash((match[1] as string).replace("_", "-")), match[0].slice(0, -1)),
	},
	{
		pattern: /\bwc_(Des3|Des|Arc4|Aes)_?SetKey\w*\(|\bwc_(AesGcm|AesCbc|AesCtr|AesEcb)\w*\(/g,
		report(match, scan) {
			const family = match[1] ?? "Aes";
			const modeName = match[2]?.slice(3);
			const base = algorithm(family === "Des3" ? "3DES" : family === "Arc4" ? "RC4" : family) as AlgorithmFacts;
			scan.algorithm(match.index, withMode(base, modeName), match[0].slice(0, -1));
		},
	},
	{
		pattern: /\bmbedtls_(md2|md4|md5|sha1|sha256|sha512|ripemd160)(?:_\w+)?\(/g,
		report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), match[0].slice(0, -1)),
	},
	{
		pattern:
			/\bmbedtls_(aes|des3|des|arc4|blowfish|camellia|aria|chacha20|chachapoly|gcm|ccm)_(?:crypt_(\w+?)|setkey\w*|init|starts|setup)\(/g,
		report(match, scan) {
			const family = match[1] as string;
			const base = algorithm(MBEDTLS_FAMILIES[family] ?? family) as AlgorithmFacts;
			const modeName = family === "gcm" || family === "ccm" ? family : match[2];
			scan.algorithm(match.index, withMode(base, modeName), match[0].slice(0, -1));
		},
	},
	{
		pattern: /\bMBEDTLS_CIPHER_(?!ID_|MODE_|NONE|NULL)(\w+)/g,
		report(match, scan) {
			const name = (match[1] as string).toLowerCase().replace(/_/g, "-");
			scan.algorithm(match.index, opensslCipher(name), `MBEDTLS_CIPHER_${match[1]}`);
		},
	},
	{
		pattern: /\bMBEDTLS_ECP_DP_(\w+)/g,
		report: (match, scan) => {
			if (curve(match[1] as string)) scan.algorithm(match.index, onCurve(EC, match[1] as string), match[0]);
		},
	},
	{
		pattern: /\bMBEDTLS_MD_(MD5|SHA1|SHA224|SHA256|SHA384|SHA512|RIPEMD160)\b/g,
		report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), match[0]),
	},
	{
		pattern: /\bMBEDTLS_SSL_MINOR_VERSION_([0-3])\b|\bMBEDTLS_SSL_VERSION_(TLS1_[23])\b/g,
		report(match, scan) {
			const version = tlsVersion(match[2] ?? (MBEDTLS_MINOR[Number(match[1])] as string));
			if (version) scan.protocol(match.index, { type: "tls", version }, "mbedtls ssl version");
		},
	},
	claiming(/\bGCRY_CIPHER_(?!MODE_)(\w+)(?:\s*,\s*GCRY_CIPHER_MODE_(\w+))?/g, (match, scan) => {
		const base = algorithm(match[1] as string) ?? anyAlgorithm(match[1] as string);
		scan.algorithm(match.index, base && withMode(base, match[2]), "gcry_cipher_open");
	}),
	{
		pattern: /\bGCRY_MD_(\w+)/g,
		report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), match[0]),
	},
	{
		pattern: /\(rsa\s*\(nbits\s*\d+:(\d{3,5})\)/g,
		report: (match, scan) => scan.algorithm(match.index, sized(RSA, match[1]), "gcry_pk_genkey"),
	},
	{
		pattern:
			/\bBotan::(?:HashFunction|BlockCipher|StreamCipher|Cipher_Mode|AEAD_Mode|MessageAuthenticationCode|PBKDF|KDF|PasswordHashFamily)::create(?:_or_throw)?\(\s*"([^"\n]+)"|\bBotan::get_cipher(?:_mode)?\(\s*"([^"\n]+)"/g,
		report(match, scan) {
			const name = (match[1] ?? match[2]) as string;
			scan.algorithm(match.index, anyAlgorithm(name), match[0].replace(/\(.*$/s, ""), [name]);
		},
	},
	{
		pattern:
			/\bBotan::(RSA|DSA|ECDSA|ECDH|Ed25519|X25519|DH)_PrivateKey\(\s*\w+\s*(?:,\s*(?:(\d{3,5})|Botan::EC_Group(?:::from_name)?\(\s*"(\w+)"))?/g,
		report(match, scan) {
			const base = algorithm(match[1] as string) as AlgorithmFacts;
			const facts = match[3] ? onCurve(base, match[3]) : sized(base, match[2]);
			scan.algorithm(match.index, facts, `Botan::${match[1]}_PrivateKey`, match[3] ? [match[3]] : []);
		},
	},
	claiming(/\b(ECB|CBC|CFB|OFB|CTR|GCM|CCM|EAX)_Mode\s*<\s*(?:CryptoPP::)?(\w+)\s*>/g, (match, scan) => {
		const base = algorithm(match[2] as string) ?? { name: match[2] as string, primitive: "block-cipher" as const };
		scan.algorithm(match.index, withMode(base, match[1]), `${match[1]}_Mode`);
	}),
	{
		pattern:
			/\bRSASS\s*<\s*(?:CryptoPP::)?(PKCS1v15|PSS)\s*,\s*(?:CryptoPP::)?(?:Weak1?::)?(\w+)\s*>|\bECDSA\s*<\s*(?:CryptoPP::)?ECP\s*,\s*(?:CryptoPP::)?(?:Weak1?::)?(\w+)\s*>/g,
		report(match, scan) {
			const digest = hashName((match[2] ?? match[3]) as string);
			const base: AlgorithmFacts = match[3]
				? { name: "ECDSA", primitive: "signature" }
				: match[1] === "PSS"
					? { name: "RSASSA-PSS", primitive: "signature" }
					: { name: "RSA", primitive: "signature", padding: "pkcs1v15" };
			scan.algorithm(match.index, digest ? { ...base, hash: digest } : base, match[3] ? "ECDSA<ECP>" : "RSASS");
		},
	},
	{
		pattern:
			/\b(?:CryptoPP::)?Weak1?::(MD2|MD4|MD5|ARC4)\b|\bCryptoPP::(MD5|SHA1|SHA224|SHA256|SHA384|SHA512|SHA3_256|SHA3_512|RIPEMD160|DES|DES_EDE2|DES_EDE3|AES|Blowfish)\b/g,
		report(match, scan) {
			const name = (match[1] ?? match[2]) as string;
			scan.algorithm(match.index, algorithm(name), match[0]);
		},
	},
	{
		pattern: /\.GenerateRandomWithKeySize\(\s*\w+\s*,\s*(\d{3,5})\b/g,
		report: (match, scan) => scan.algorithm(match.index, sized(RSA, match[1]), "GenerateRandomWithKeySize"),
	},
	claiming(/\bOQS_(KEM|SIG)_new\(\s*"([^"\n]+)"|\bOQS_(KEM|SIG)_alg_(\w+)/g, (match, scan) => {
		const name = (match[2] ?? match[4]) as string;
		scan.algorithm(
			match.index,
			oqs((match[1] ?? match[3]) as string, name),
			match[1] ? `OQS_${match[1]}_new` : match[0],
			[name],
		);
	}),
	{
		pattern:
			/\b(?:sodium_)?(crypto_(?:secretbox|box|kx|scalarmult|sign|aead|generichash|pwhash|hash|auth|onetimeauth|stream)\w*)\(/g,
		report: (match, scan) => {
			if (scan.text.includes("sodium"))
				scan.algorithm(match.index, sodiumFunction(match[1] as string), match[1] as string);
		},
	},
];

/**
 * Anchors start with a character that is rare in code: \`includes\` runs memchr on a needle's first character, so
 * a needle starting with a common lower-case letter costs several times more.
 */
export const C = codeDetector(
	[
		"EVP_",
		"SSL_",
		"RSA_",
		"EC_",
		"MD5",
		"SHA",
		"DES_",
		"AES_",
		"RC4",
		"OQS",
		"Botan",
		"Crypto",
		"GCRY",
		"MBEDTL",
		"bedtls",
		"wolf",
		"wc_",
		"ypto_",
		"GNUTLS",
	],
	C_RULES,
);
