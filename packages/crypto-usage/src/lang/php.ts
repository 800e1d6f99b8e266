import type { LibraryId } from "../libraries.ts";
import {
	algorithm,
	curve,
	hash,
	hashName,
	joseAlgorithm,
	onCurve,
	opensslCipher,
	tlsVersion,
	withHash,
	withMode,
} from "../names.ts";
import { claimCall, codeDetector, quoted, type Rule } from "../rules.ts";
import type { AlgorithmFacts } from "../types.ts";
import { sodiumFunction } from "./sodium.ts";

const Q = `(["'])`;

const PHP_LIBRARIES: Readonly<Record<string, LibraryId>> = {
	openssl: "openssl",
	sodium: "libsodium",
	mcrypt: "mcrypt",
	phpseclib: "phpseclib",
	Firebase: "php-jwt",
};

/** mcrypt cipher constants: `MCRYPT_RIJNDAEL_128` is AES, `MCRYPT_RIJNDAEL_256` a Rijndael variant AES never was. */
function mcryptCipher(name: string): AlgorithmFacts | undefined {
	if (name === "RIJNDAEL_128") return algorithm("AES");
	if (name.startsWith("RIJNDAEL_")) return { name: "Rijndael", primitive: "block-cipher" };
	return algorithm(name.replace(/_?\d+$/, "").replace("_", ""));
}

const PHP_RULES: readonly Rule[] = [
	{
		pattern: /\b(openssl|sodium|mcrypt)_\w+\s*\(|\b(phpseclib)3?\\|\b(Firebase)\\JWT\\/g,
		report: (match, scan) =>
			scan.library(match.index, PHP_LIBRARIES[(match[1] ?? match[2] ?? match[3]) as string] as LibraryId),
	},
	{
		pattern: /(?<![\w$>:\\])(md5|sha1)(?:_file)?\s*\(/g,
		report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), match[0].replace(/\s*\($/, "")),
	},
	{
		pattern: new RegExp(`\\b(hash(?:_file|_init)?|openssl_digest)\\(\\s*(?:[^,()]+,\\s*)??${Q}([\\w/-]+)\\2`, "g"),
		report: (match, scan) =>
			scan.algorithm(match.index, hash(match[3] as string), match[1] as string, [match[3] as string]),
	},
	{
		pattern: new RegExp(`\\b(hash_hmac(?:_file)?|hash_pbkdf2)\\(\\s*${Q}([\\w/-]+)\\2`, "g"),
		requires: ["hash_"],
		report(match, scan) {
			const name = match[1] === "hash_pbkdf2" ? "PBKDF2" : "HMAC";
			scan.algorithm(match.index, withHash(name, match[3]), match[1] as string, [match[3] as string]);
		},
	},
	{
		pattern: new RegExp(`\\bopenssl_(encrypt|decrypt)\\(\\s*[^,]+,\\s*${Q}([\\w-]+)\\2`, "g"),
		requires: ["penssl_"],
		report: (match, scan) =>
			scan.algorithm(match.index, opensslCipher(match[3] as string), `openssl_${match[1]}`, [match[3] as string]),
	},
	{
		pattern: /\bopenssl_(sign|verify)\(/g,
		requires: ["penssl_"],
		report(match, scan) {
			const args = claimCall(match, scan);
			const named = /\bOPENSSL_ALGO_(\w+)/.exec(args)?.[1] ?? quoted(args).find((name) => hashName(name));
			// Called with three arguments, openssl_sign and openssl_verify use OPENSSL_ALGO_SHA1.
			const digest = named ? hashName(named) : args.split(",").length < 4 ? "SHA-1" : undefined;
			if (!digest) return;
			scan.algorithm(
				match.index,
				{ name: "unknown", primitive: "signature", hash: digest },
				`openssl_${match[1]}`,
				named ? [named] : [],
			);
		},
	},
	{
		pattern: /\bopenssl_pkey_new\(/g,
		requires: ["penssl_"],
		report(match, scan) {
			const args = claimCall(match, scan);
			const type = /OPENSSL_KEYTYPE_(\w+)/.exec(args)?.[1] ?? "RSA";
			const bits = /private_key_bits["']?\s*=>\s*(\d{3,5})/.exec(args)?.[1];
			const curveName = /curve_name["']?\s*=>\s*["']([\w-]+)["']/.exec(args)?.[1];
			const base = algorithm(type) ?? { name: type, primitive: "other" as const };
			const facts = curveName ? onCurve(base, curveName) : bits ? { ...base, keySize: Number(bits) } : base;
			scan.algorithm(match.index, facts, "openssl_pkey_new", curveName ? [curveName] : []);
		},
	},
	{
		pattern: /\bopenssl_(private|public)_(encrypt|decrypt)\(/g,
		requires: ["penssl_"],
		report(match, scan) {
			const oaep = /OPENSSL_PKCS1_OAEP_PADDING/.test(claimCall(match, scan));
			scan.algorithm(
				match.index,
				{ name: "RSA", primitive: "pke", padding: oaep ? "oaep" : "pkcs1v15" },
				match[0].slice(0, -1),
			);
		},
	},
	{
		pattern: /\bmcrypt_(encrypt|decrypt|module_open)\(/g,
		report(match, scan) {
			const args = claimCall(match, scan);
			const cipher = /\bMCRYPT_(?!MODE_)(\w+)/.exec(args)?.[1];
			const modeName = /\bMCRYPT_MODE_(\w+)|(["'])(ecb|cbc|cfb|ofb|nofb|ctr)\2/i.exec(args);
			const base = cipher ? mcryptCipher(cipher) : undefined;
			scan.algorithm(match.index, base && withMode(base, modeName?.[1] ?? modeName?.[3]), `mcrypt_${match[1]}`);
		},
	},
	{
		pattern: new RegExp(
			`\\bnew\\s+(?:\\\\?phpseclib3?\\\\Crypt\\\\|Crypt_)?(AES|DES|TripleDES|RC4|RC2|Blowfish|Twofish|Rijndael|ChaCha20|Salsa20)\\s*\\(\\s*(?:${Q}(\\w+)\\2|[\\w:]*MODE_(\\w+))?`,
			"g",
		),
		requires: ["phpseclib", "Crypt_"],
		report(match, scan) {
			const base = algorithm(match[1] as string) as AlgorithmFacts;
			scan.algorithm(
				match.index,
				withMode(base, match[3] ?? match[4]),
				`phpseclib ${match[1]}`,
				match[3] ? [match[3]] : [],
			);
		},
	},
	{
		pattern: new RegExp(
			`\\b(RSA|EC)::createKey\\(\\s*(?:(\\d{3,5})|${Q}([\\w-]+)\\3)?|->createKey\\(\\s*(\\d{3,5})`,
			"g",
		),
		requires: ["createKey"],
		report(match, scan) {
			const named = match[4];
			const bits = match[2] ?? match[5];
			const base =
				match[1] === "EC"
					? named && !curve(named)
						? algorithm(named)
						: { name: "EC", primitive: "other" as const }
					: algorithm("RSA");
			if (!base) return;
			const facts = named && curve(named) ? onCurve(base, named) : bits ? { ...base, keySize: Number(bits) } : base;
			scan.algorithm(match.index, facts, match[1] ? `${match[1]}::createKey` : "createKey", named ? [named] : []);
		},
	},
	{
		pattern: new RegExp(`\\bnew\\s+(?:Crypt_)?Hash\\(\\s*${Q}([\\w-]+)\\1`, "g"),
		requires: ["Hash("],
		report: (match, scan) =>
			scan.algorithm(match.index, hash(match[2] as string), "phpseclib Hash", [match[2] as string]),
	},
	{
		pattern: /\bsodium_(crypto_\w+)\s*\(/g,
		requires: ["sodium_"],
		report: (match, scan) => scan.algorithm(match.index, sodiumFunction(match[1] as string), `sodium_${match[1]}`),
	},
	{
		// php-jwt takes the algorithm as a string argument; `none` is not accepted there, so it is not looked for.
		pattern: new RegExp(`${Q}((?:[HRPE]S(?:256|384|512))|ES256K|EdDSA)\\1`, "g"),
		requires: ["JWT"],
		report: (match, scan) =>
			scan.algorithm(match.index, joseAlgorithm(match[2] as string), "JWT", [match[2] as string]),
	},
	{
		pattern: /\bSTREAM_CRYPTO_METHOD_(\w+?)_(?:CLIENT|SERVER)\b|\bCURL_SSLVERSION_(\w+)/g,
		report(match, scan) {
			const name = (match[1] ?? match[2]) as string;
			const version = tlsVersion(name.replace(/_0$/, ""));
			if (version)
				scan.protocol(
					match.index,
					{ type: "tls", version },
					match[1] ? "php stream crypto method" : "php curl CURLOPT_SSLVERSION",
				);
		},
	},
];

/**
 * Anchors start with a character that is rare in code: \`includes\` runs memchr on a needle's first character, so
 * a needle starting with a common lower-case letter costs several times more.
 */
export const PHP = codeDetector(["md5", "ha1", "hash", "penssl", "ypt", "JWT", "CRYPTO", "SSLVER"], PHP_RULES);
