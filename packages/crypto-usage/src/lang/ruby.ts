import type { LibraryId } from "../libraries.ts";
import {
	algorithm,
	hash,
	JOSE_ALG,
	joseAlgorithm,
	onCurve,
	opensslCipher,
	tlsVersion,
	withHash,
	withMode,
} from "../names.ts";
import { claimCall, claiming, codeDetector, quoted, type Rule } from "../rules.ts";
import type { Scan } from "../scan.ts";
import type { AlgorithmFacts } from "../types.ts";

const Q = `(["'])`;

const REQUIRES: Readonly<Record<string, LibraryId>> = {
	openssl: "openssl",
	digest: "ruby-digest",
	rbnacl: "rbnacl",
	jwt: "ruby-jwt",
	bcrypt: "bcrypt",
};

const NAMESPACES: Readonly<Record<string, LibraryId>> = {
	OpenSSL: "openssl",
	Digest: "ruby-digest",
	RbNaCl: "rbnacl",
	BCrypt: "bcrypt",
};

const RBNACL: Readonly<Record<string, string>> = {
	SecretBox: "XSalsa20-Poly1305",
	SigningKey: "Ed25519",
	PrivateKey: "X25519",
	Box: "X25519",
};

/** `OpenSSL::Cipher::AES.new(128, :ECB)`, `OpenSSL::Cipher::AES256.new(:CBC)`, `OpenSSL::Cipher::DES.new`. */
function cipherClass(className: string, args: string): AlgorithmFacts | undefined {
	const base = algorithm(className);
	if (!base) return undefined;
	const bits = /\b(128|192|256)\b/.exec(args)?.[1];
	const modeName = /\b(ECB|CBC|CFB|OFB|CTR|GCM|CCM)\b/i.exec(args)?.[1];
	return withMode(bits ? { ...base, keySize: Number(bits) } : base, modeName);
}

function rubyTlsVersion(match: RegExpExecArray, scan: Scan): void {
	const version = tlsVersion(match[1] as string);
	if (version) scan.protocol(match.index, { type: "tls", version }, "ruby OpenSSL::SSL");
}

const RUBY_RULES: readonly Rule[] = [
	{
		pattern: /\brequire[ \t(]+["']((openssl|digest|rbnacl|jwt|bcrypt)\b[^"'\n]*)["']/g,
		report: (match, scan) => scan.library(match.index, REQUIRES[match[2] as string] as LibraryId, [match[1] as string]),
	},
	{
		pattern: /\b(OpenSSL|Digest|RbNaCl|BCrypt)::/g,
		report: (match, scan) => scan.library(match.index, NAMESPACES[match[1] as string] as LibraryId),
	},
	claiming(new RegExp(`\\bOpenSSL::Cipher(?:::Cipher)?\\.new\\(\\s*${Q}([\\w-]+)\\1`, "g"), (match, scan) =>
		scan.algorithm(match.index, opensslCipher(match[2] as string), "OpenSSL::Cipher.new", [match[2] as string]),
	),
	{
		pattern: /\bOpenSSL::Cipher::(AES|AES128|AES192|AES256|DES|BF|CAST5|RC4|RC2|Camellia)\.new\(/g,
		report(match, scan) {
			const args = claimCall(match, scan);
			scan.algorithm(
				match.index,
				cipherClass(match[1] as string, args),
				`OpenSSL::Cipher::${match[1]}.new`,
				quoted(args),
			);
		},
	},
	{
		pattern: new RegExp(
			`\\bOpenSSL::Digest(?:::Digest)?\\.new\\(\\s*${Q}([\\w-]+)\\1|\\b(?:OpenSSL::)?Digest::(MD5|MD4|SHA1|SHA2|SHA256|SHA384|SHA512|RMD160|RIPEMD160)\\b`,
			"g",
		),
		report(match, scan) {
			const name = (match[2] ?? match[3]) as string;
			scan.algorithm(
				match.index,
				hash(name === "SHA2" ? "SHA-256" : name),
				match[2] ? "OpenSSL::Digest.new" : match[0],
				match[2] ? [name] : [],
			);
		},
	},
	{
		pattern: new RegExp(`\\bOpenSSL::HMAC\\.(?:hexdigest|digest|base64digest|new)\\(\\s*${Q}([\\w-]+)\\1`, "g"),
		report(match, scan) {
			scan.algorithm(match.index, withHash("HMAC", match[2]), "OpenSSL::HMAC", [match[2] as string]);
		},
	},
	{
		pattern: /\bOpenSSL::PKey::(RSA|DSA|DH)\.(?:new|generate)\(\s*(\d{3,5})\b/g,
		report(match, scan) {
			const base = algorithm(match[1] as string) as AlgorithmFacts;
			scan.algorithm(match.index, { ...base, keySize: Number(match[2]) }, `OpenSSL::PKey::${match[1]}`);
		},
	},
	{
		pattern: new RegExp(
			`\\bOpenSSL::PKey::EC\\.(?:new|generate)\\(\\s*${Q}([\\w-]+)\\1|\\bOpenSSL::PKey\\.generate_key\\(\\s*${Q}([\\w-]+)\\3`,
			"g",
		),
		report(match, scan) {
			const name = (match[2] ?? match[4]) as string;
			const facts = match[2] ? onCurve({ name: "EC", primitive: "other" }, name) : algorithm(name);
			scan.algorithm(match.index, facts, match[2] ? "OpenSSL::PKey::EC" : "OpenSSL::PKey.generate_key", [name]);
		},
	},
	{
		pattern: /\bOpenSSL::SSL::(SSL2|SSL3|TLS1|TLS1_1|TLS1_2|TLS1_3)_VERSION\b/g,
		report: rubyTlsVersion,
	},
	{
		pattern: /\b(?:ssl_version|min_version|max_version)(?:\s*=\s*|:\s*|\s*=>\s*):?["']?(\w+)/g,
		requires: ["version"],
		report: rubyTlsVersion,
	},
	{
		pattern: new RegExp(`\\bciphers\\s*(?:=|:|=>)\\s*${Q}([^"'\\n]+)\\1`, "g"),
		requires: ["OpenSSL::SSL"],
		report(match, scan) {
			const value = match[2] as string;
			scan.protocol(match.index, { type: "tls", cipherSuites: value.split(":") }, "ruby SSLContext ciphers", [value]);
		},
	},
	{
		pattern: /\bRbNaCl::(SecretBox|SigningKey|PrivateKey|Box)\b/g,
		report(match, scan) {
			const name = RBNACL[match[1] as string] as string;
			scan.algorithm(match.index, algorithm(name) ?? { name, primitive: "ae" }, match[0]);
		},
	},
	{
		pattern: /\bJWT\.(?:encode|decode)\(/g,
		requires: ["JWT"],
		report(match, scan) {
			for (const alg of quoted(claimCall(match, scan))) scan.algorithm(match.index, joseAlgorithm(alg), "JWT", [alg]);
		},
	},
	{
		pattern: new RegExp(`\\balgorithms?\\s*(?::|=>)\\s*(\\[[^\\]]{0,200}\\]|(["'])${JOSE_ALG}\\2)`, "g"),
		requires: ["JWT"],
		report(match, scan) {
			for (const alg of quoted(match[1] as string)) scan.algorithm(match.index, joseAlgorithm(alg), "JWT", [alg]);
		},
	},
];

/**
 * Anchors start with a character that is rare in code: \`includes\` runs memchr on a needle's first character, so
 * a needle starting with a common lower-case letter costs several times more.
 */
export const RUBY = codeDetector(["OpenSSL", "Digest", "RbNaCl", "JWT", "BCrypt"], RUBY_RULES);
