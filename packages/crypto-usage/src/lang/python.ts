import type { LibraryId } from "../libraries.ts";
import {
	algorithm,
	hash,
	hashName,
	JOSE_ALG,
	joseAlgorithm,
	onCurve,
	postQuantum,
	tlsVersion,
	withHash,
	withMode,
} from "../names.ts";
import { claimCall, claiming, codeDetector, gated, lastBefore, quoted, type Rule } from "../rules.ts";
import type { Scan } from "../scan.ts";
import type { AlgorithmFacts } from "../types.ts";

const MODULES: Readonly<Record<string, LibraryId>> = {
	cryptography: "pyca-cryptography",
	hashlib: "hashlib",
	hmac: "hmac",
	ssl: "python-ssl",
	Crypto: "pycryptodome",
	Cryptodome: "pycryptodome",
	nacl: "pynacl",
	OpenSSL: "pyopenssl",
	jwt: "pyjwt",
	jose: "python-jose",
	oqs: "liboqs",
	rsa: "python-rsa",
	ecdsa: "python-ecdsa",
	passlib: "passlib",
	bcrypt: "bcrypt",
};

const IMPORT = /\b(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+([^\n]*)|import[ \t]+([^\n]+))/g;

/** Only blanks before `at` on its line: a statement, not the word in the middle of one. */
function atLineStart(text: string, at: number): boolean {
	return /^[ \t]*$/.test(text.slice(text.lastIndexOf("\n", at - 1) + 1, at));
}

function imports(match: RegExpExecArray, scan: Scan): void {
	if (!atLineStart(scan.text, match.index)) return;
	const modules = match[1] ? [match[1]] : (match[3] as string).split(",");
	for (const module of modules) {
		const top = module.trim().split(/[.\s]/)[0] ?? "";
		const id = MODULES[top];
		if (id) scan.library(match.index, id);
	}
	// `from hashlib import md5, sha1` names the algorithms on the import line itself.
	if (match[1] === "hashlib") {
		for (const name of (match[2] as string).split(/[\s,()]+/))
			scan.algorithm(match.index, hash(name), `hashlib.${name}`);
	}
}

/** python-ecdsa spells curves `NIST256p`, `SECP256k1`. */
function ecdsaCurve(name: string): string {
	return name.replace(/^NIST(\d{3})p$/, "P-$1");
}

/** `rsa.generate_private_key(public_exponent=65537, key_size=1024)` or positional `(65537, 1024)`. */
function keySize(args: string, positional: number): number | undefined {
	const named = /\bkey_size\s*=\s*(\d{3,5})\b/.exec(args);
	if (named) return Number(named[1]);
	const values = args.split(",").map((arg) => arg.trim());
	const value = values[positional];
	return value && /^\d{3,5}$/.test(value) ? Number(value) : undefined;
}

const PYCA_ALGORITHM = /\balgorithms\.(\w+)\(/g;

/** pyca's `Cipher(algorithms.AES(key), modes.ECB())`; an algorithm kept in a variable is the nearest one before. */
function pycaCipher(match: RegExpExecArray, scan: Scan): void {
	const args = claimCall(match, scan);
	const named = /\balgorithms\.(\w+)\(/.exec(args)?.[1] ?? lastBefore(scan.text, PYCA_ALGORITHM, match.index)?.[1];
	const modeName = /\bmodes\.(\w+)\(/.exec(args)?.[1];
	const base = (named && algorithm(named)) || { name: "unknown", primitive: "block-cipher" as const };
	scan.algorithm(match.index, withMode(base, modeName), "Cipher");
}

const PYCRYPTODOME_CIPHERS = "AES|DES3|DES|ARC2|ARC4|Blowfish|CAST|ChaCha20_Poly1305|ChaCha20|XChaCha20|Salsa20";
const PYCRYPTODOME_MODE = new RegExp(`\\b(?:${PYCRYPTODOME_CIPHERS})\\.MODE_(\\w+)`);

function pycryptodomeCipher(match: RegExpExecArray, scan: Scan): void {
	const name = match[1] as string;
	const modeName = PYCRYPTODOME_MODE.exec(claimCall(match, scan))?.[1];
	scan.algorithm(
		match.index,
		withMode(algorithm(name) ?? { name, primitive: "block-cipher" }, modeName),
		`${name}.new`,
	);
}

function hmacCall(match: RegExpExecArray, scan: Scan): void {
	const args = claimCall(match, scan);
	const named = /\b(?:hashlib\.|hashes\.|digestmod\s*=\s*)(\w+)/.exec(args)?.[1];
	const literal = quoted(args).find((name) => hashName(name));
	const facts = withHash("HMAC", named ?? literal) ?? { name: "HMAC", primitive: "mac" as const };
	scan.algorithm(match.index, facts, match[0].slice(0, -1), literal ? [literal] : []);
}

/** PyCryptodome's RSA scheme modules (`Crypto.Cipher.PKCS1_OAEP`, `Crypto.Signature.pss`). */
const RSA_SCHEMES: Readonly<Record<string, AlgorithmFacts>> = {
	PKCS1_OAEP: { name: "RSA", primitive: "pke", padding: "oaep" },
	PKCS1_v1_5: { name: "RSA", primitive: "pke", padding: "pkcs1v15" },
	pkcs1_15: { name: "RSA", primitive: "signature", padding: "pkcs1v15" },
	pss: { name: "RSASSA-PSS", primitive: "signature" },
};

function jose(match: RegExpExecArray, scan: Scan): void {
	for (const alg of quoted(match[1] ?? match[0])) scan.algorithm(match.index, joseAlgorithm(alg), "jwt", [alg]);
}

const PYTHON_RULES: readonly Rule[] = [
	{ pattern: IMPORT, report: imports },
	...gated(
		["hashl"],
		[
			{
				pattern:
					/\bhashlib\.(md5|sha1|sha224|sha256|sha384|sha512|sha3_224|sha3_256|sha3_384|sha3_512|blake2[bs]|shake_128|shake_256)\(/g,
				report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), `hashlib.${match[1]}`),
			},
			{
				pattern: /\bhashlib\.new\(\s*(["'])([\w-]+)\1/g,
				report: (match, scan) =>
					scan.algorithm(match.index, hash(match[2] as string), "hashlib.new", [match[2] as string]),
			},
			{
				pattern: /\bhashlib\.pbkdf2_hmac\(\s*(["'])([\w-]+)\1/g,
				report(match, scan) {
					scan.algorithm(match.index, withHash("PBKDF2", match[2]), "hashlib.pbkdf2_hmac", [match[2] as string]);
				},
			},
			{
				pattern: /\bhashlib\.scrypt\(/g,
				report: (match, scan) => scan.algorithm(match.index, algorithm("scrypt"), "hashlib.scrypt"),
			},
		],
	),
	...gated(["hmac", "HMAC"], [{ pattern: /\bhmac\.(?:new|digest|HMAC)\(|\bHMAC\.new\(/g, report: hmacCall }]),
	...gated(
		["ypto"],
		[
			{
				pattern: /\bPBKDF2HMAC\(/g,
				report(match, scan) {
					const digest = /\bhashes\.(\w+)\(/.exec(claimCall(match, scan))?.[1];
					const name = digest && hashName(digest);
					scan.algorithm(
						match.index,
						name ? { name: "PBKDF2", primitive: "kdf", hash: name } : algorithm("PBKDF2"),
						"PBKDF2HMAC",
					);
				},
			},
			{
				pattern: /\b(rsa|dsa)\.generate_private_key\(/g,
				report(match, scan) {
					const family = match[1] as string;
					const size = keySize(claimCall(match, scan), family === "rsa" ? 1 : 0);
					const base = algorithm(family) as AlgorithmFacts;
					scan.algorithm(match.index, size ? { ...base, keySize: size } : base, `${family}.generate_private_key`);
				},
			},
			claiming(/\bec\.generate_private_key\(\s*(?:curve\s*=\s*)?ec\.(\w+)\(/g, (match, scan) =>
				scan.algorithm(
					match.index,
					onCurve({ name: "EC", primitive: "other" }, match[1] as string),
					"ec.generate_private_key",
				),
			),
			claiming(/\bec\.(ECDSA|ECDH)\(\s*(?:hashes\.(\w+)\()?/g, (match, scan) => {
				const base = algorithm(match[1] as string) as AlgorithmFacts;
				const digest = match[2] && hashName(match[2]);
				scan.algorithm(match.index, digest ? { ...base, hash: digest } : base, `ec.${match[1]}`);
			}),
			{
				pattern: /\bec\.(SECP\d{3}[RK]1|BrainpoolP\d{3}R1|SECT\d{3}[RK]1)\b/g,
				report: (match, scan) =>
					scan.algorithm(
						match.index,
						onCurve({ name: "EC", primitive: "other" }, match[1] as string),
						`ec.${match[1]}`,
					),
			},
			{
				pattern: /\b(Ed25519|Ed448|X25519|X448)(?:Private|Public)Key\b/g,
				report: (match, scan) => scan.algorithm(match.index, algorithm(match[1] as string), match[0]),
			},
			{
				pattern: /\bpadding\.(OAEP|PSS)\(/g,
				report(match, scan) {
					const facts = algorithm(match[1] === "OAEP" ? "RSA-OAEP" : "RSASSA-PSS");
					scan.algorithm(match.index, facts, `padding.${match[1]}`);
				},
			},
			{ pattern: /\bCipher\(/g, report: pycaCipher },
			{
				pattern: /\balgorithms\.(AES|AES128|AES256|TripleDES|Blowfish|CAST5|ARC4|IDEA|SEED|Camellia|ChaCha20|SM4)\(/g,
				report: (match, scan) => scan.algorithm(match.index, algorithm(match[1] as string), `algorithms.${match[1]}`),
			},
			{
				pattern: /\bmodes\.(ECB|CBC|CTR|GCM|OFB|CFB|CFB8|XTS)\(/g,
				report(match, scan) {
					const named = lastBefore(scan.text, PYCA_ALGORITHM, match.index)?.[1];
					const base = (named && algorithm(named)) || { name: "unknown", primitive: "block-cipher" as const };
					scan.algorithm(match.index, withMode(base, match[1]), `modes.${match[1]}`);
				},
			},
			{
				pattern:
					/\bhashes\.(MD5|SHA1|SHA224|SHA256|SHA384|SHA512|SHA512_224|SHA512_256|SHA3_224|SHA3_256|SHA3_384|SHA3_512|SHAKE128|SHAKE256|BLAKE2b|BLAKE2s|SM3)\(/g,
				report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), `hashes.${match[1]}`),
			},
			{ pattern: new RegExp(`\\b(${PYCRYPTODOME_CIPHERS})\\.new\\(`, "g"), report: pycryptodomeCipher },
			{
				pattern:
					/\b(MD2|MD4|MD5|SHA|SHA1|SHA224|SHA256|SHA384|SHA512|SHA3_224|SHA3_256|SHA3_384|SHA3_512|RIPEMD160|BLAKE2b|BLAKE2s)\.new\(/g,
				report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), `${match[1]}.new`),
			},
			{
				pattern: /\b(RSA|DSA)\.generate\(\s*(?:bits\s*=\s*)?(\d{3,5})\b/g,
				report(match, scan) {
					const base = algorithm(match[1] as string) as AlgorithmFacts;
					scan.algorithm(match.index, { ...base, keySize: Number(match[2]) }, `${match[1]}.generate`);
				},
			},
			{
				pattern: /\bECC\.generate\(\s*curve\s*=\s*(["'])([\w-]+)\1/g,
				report: (match, scan) =>
					scan.algorithm(match.index, onCurve({ name: "EC", primitive: "other" }, match[2] as string), "ECC.generate", [
						match[2] as string,
					]),
			},
			{
				pattern: /\b(PKCS1_OAEP|PKCS1_v1_5|pkcs1_15|pss)\.new\(/g,
				report: (match, scan) => scan.algorithm(match.index, RSA_SCHEMES[match[1] as string], `${match[1]}.new`),
			},
		],
	),
	{
		pattern: /\brsa\.newkeys\(\s*(\d{3,5})\b/g,
		report: (match, scan) =>
			scan.algorithm(match.index, { name: "RSA", primitive: "pke", keySize: Number(match[1]) }, "rsa.newkeys"),
	},
	...gated(
		["SigningKey"],
		[
			{
				pattern: /\bSigningKey\.generate\(\s*curve\s*=\s*(?:ecdsa\.)?(\w+)/g,
				report: (match, scan) =>
					scan.algorithm(
						match.index,
						onCurve({ name: "ECDSA", primitive: "signature" }, ecdsaCurve(match[1] as string)),
						"SigningKey.generate",
					),
			},
		],
	),
	{
		pattern:
			/\bnacl\.(?:secret\.)?(SecretBox|Aead)\(|\bnacl\.signing\.SigningKey\b|\bnacl\.public\.(?:PrivateKey|Box)\b/g,
		report(match, scan) {
			const name =
				match[1] === "Aead"
					? "XChaCha20-Poly1305"
					: match[1]
						? "XSalsa20-Poly1305"
						: match[0].includes("signing")
							? "Ed25519"
							: "X25519";
			scan.algorithm(match.index, algorithm(name) ?? { name, primitive: "ae" }, match[0].replace(/\($/, ""));
		},
	},
	...gated(
		["ssl", "SSL"],
		[
			{
				pattern: /\bssl\.(?:PROTOCOL_|TLSVersion\.)(\w+)|\bSSL\.(\w+?)_METHOD\b/g,
				report(match, scan) {
					const name = (match[1] ?? match[2]) as string;
					const version = tlsVersion(name);
					if (version || /^(?:TLS|TLS_CLIENT|TLS_SERVER|SSLv23)$/.test(name)) {
						scan.protocol(match.index, version ? { type: "tls", version } : { type: "tls" }, `python ${match[0]}`);
					}
				},
			},
			{
				pattern: /\bset_ciphers\(\s*(["'])([^"'\n]+)\1/g,
				report: (match, scan) =>
					scan.protocol(
						match.index,
						{ type: "tls", cipherSuites: (match[2] as string).split(":") },
						"python set_ciphers",
						[match[2] as string],
					),
			},
		],
	),
	claiming(/\boqs\.(KeyEncapsulation|Signature)\(\s*(["'])([^"'\n]+)\2/g, (match, scan) => {
		const name = match[3] as string;
		const facts = postQuantum(name) ?? { name, primitive: match[1] === "Signature" ? "signature" : "kem" };
		scan.algorithm(match.index, facts, `oqs.${match[1]}`, [name]);
	}),
	...gated(
		["jwt", "jose"],
		[
			{
				pattern: new RegExp(`\\balgorithms?\\s*=\\s*(\\[[^\\]]{0,200}\\]|(["'])${JOSE_ALG}\\2)`, "g"),
				report: jose,
			},
		],
	),
];

/**
 * Anchors start with a character that is rare in code: \`includes\` runs memchr on a needle's first character, so
 * a needle starting with a common lower-case letter costs several times more.
 */
export const PYTHON = codeDetector(
	["ypt", "hashl", "hmac", "SSL", "PROTOC", "TLSVer", "jwt", "jose", "SecretBox", "SigningKey", "PrivateKey", "qs."],
	PYTHON_RULES,
);
