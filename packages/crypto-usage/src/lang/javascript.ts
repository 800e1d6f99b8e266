import type { LibraryId } from "../libraries.ts";
import {
	algorithm,
	hash,
	hashName,
	JOSE_ALG,
	joseAlgorithm,
	onCurve,
	opensslCipher,
	postQuantum,
	signature,
	tlsVersion,
	withHash,
	withMode,
} from "../names.ts";
import { claimCall, claiming, codeDetector, dispatch, gated, quoted, type Rule } from "../rules.ts";
import type { Scan } from "../scan.ts";
import type { AlgorithmFacts } from "../types.ts";
import { sodiumFunction } from "./sodium.ts";

const MODULES: Readonly<Record<string, LibraryId>> = {
	crypto: "node-crypto",
	"node-forge": "node-forge",
	"crypto-js": "crypto-js",
	jsonwebtoken: "jsonwebtoken",
	jose: "jose",
	bcrypt: "bcrypt",
	bcryptjs: "bcrypt",
	"@noble/hashes": "noble-hashes",
	"@noble/curves": "noble-curves",
	"@noble/ciphers": "noble-ciphers",
	"@noble/post-quantum": "noble-post-quantum",
	tweetnacl: "tweetnacl",
	"libsodium-wrappers": "libsodium",
	"libsodium-wrappers-sumo": "libsodium",
	"sodium-native": "libsodium",
	"node-rsa": "node-rsa",
	elliptic: "elliptic",
	argon2: "argon2",
	openpgp: "openpgp",
	sjcl: "sjcl",
};

/**
 * The specifiers of the modules above, found by their quoted names (one cheap pass) and then confirmed as imports
 * by what precedes them: `from`, `require(`, `import(` or a side-effect `import`.
 */
const MODULE_SPECIFIER =
	/(["'])(?:node:)?(?:crypto|node-forge|crypto-js|jsonwebtoken|jose|bcryptjs|bcrypt|@noble\/(?:hashes|curves|ciphers|post-quantum)|tweetnacl|libsodium-wrappers(?:-sumo)?|sodium-native|node-rsa|elliptic|argon2|openpgp|sjcl)(?:\/[^"'\n]*)?\1/g;
const IMPORTING = /(?:\bfrom|\brequire\s*\(|\bimport\s*\(?)\s*$/;

function moduleLibrary(specifier: string): LibraryId | undefined {
	const parts = specifier.replace(/^node:/, "").split("/");
	const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
	return MODULES[name];
}

const Q = `(["'\`])`;

const KEY_PAIR_TYPE = new RegExp(`^\\s*${Q}([\\w-]+)\\1`);

/** Node's `generateKeyPair` types and the option that sizes each. */
function keyPairType(type: string, options: string): AlgorithmFacts | undefined {
	const base = algorithm(type === "rsa-pss" ? "RSASSA-PSS" : type);
	if (!base) return undefined;
	const modulus = /\b(?:modulusLength|primeLength)\s*:\s*(\d{3,5})/.exec(options)?.[1];
	if (modulus) return { ...base, keySize: Number(modulus) };
	const named = /\bnamedCurve\s*:\s*(["'`])([\w-]+)\1/.exec(options)?.[2];
	return named ? onCurve(base, named) : base;
}

/** RFC 3526/2409 MODP groups by Node's `getDiffieHellman` name. */
const MODP_BITS: Readonly<Record<string, number>> = {
	modp1: 768,
	modp2: 1024,
	modp5: 1536,
	modp14: 2048,
	modp15: 3072,
	modp16: 4096,
	modp17: 6144,
	modp18: 8192,
};

/** Where a node:crypto or WebCrypto call can start; `crypto.` stops short so `crypto.subtle.digest` also yields `subtle.`. */
const NODE_CRYPTO =
	/\b(?:create(?:Hash|Hmac|Cipheriv|Decipheriv|Cipher|Decipher|Sign|Verify|ECDH|DiffieHellman)|crypto\.(?=hash|subtle)|generateKey|pbkdf2|hkdf|scrypt|getDiffieHellman|subtle\.)/g;

const WEBCRYPTO: Readonly<Record<string, AlgorithmFacts>> = {
	"RSA-OAEP": { name: "RSA", primitive: "pke", padding: "oaep" },
	"RSASSA-PKCS1-v1_5": { name: "RSA", primitive: "signature", padding: "pkcs1v15" },
	"RSA-PSS": { name: "RSASSA-PSS", primitive: "signature" },
	ECDSA: { name: "ECDSA", primitive: "signature" },
	ECDH: { name: "ECDH", primitive: "key-agree" },
	"AES-CBC": { name: "AES", primitive: "block-cipher", mode: "cbc" },
	"AES-CTR": { name: "AES", primitive: "block-cipher", mode: "ctr" },
	"AES-GCM": { name: "AES", primitive: "ae", mode: "gcm" },
	"AES-KW": { name: "AES", primitive: "block-cipher", mode: "other" },
	HMAC: { name: "HMAC", primitive: "mac" },
	PBKDF2: { name: "PBKDF2", primitive: "kdf" },
	HKDF: { name: "HKDF", primitive: "kdf" },
	Ed25519: { name: "Ed25519", primitive: "signature" },
	Ed448: { name: "Ed448", primitive: "signature" },
	X25519: { name: "X25519", primitive: "key-agree" },
	X448: { name: "X448", primitive: "key-agree" },
};

/**
 * A WebCrypto call's algorithm identifiers: `{ name: "RSA-OAEP", modulusLength: 2048, hash: "SHA-256" }` or a bare
 * `"AES-GCM"`; `digest` takes a hash name. Parameters that size the key are read from the same argument list.
 */
function webCrypto(match: RegExpExecArray, scan: Scan): void {
	const method = match[1] as string;
	scan.library(match.index, "webcrypto");
	const args = claimCall(match, scan);
	const strings = quoted(args);
	const api = `subtle.${method}`;
	if (method === "digest") {
		const name = strings[0];
		if (name) scan.algorithm(match.index, hash(name), api, [name]);
		return;
	}
	const digest = /\bhash\s*:\s*(?:\{\s*name\s*:\s*)?["'`](SHA-\d+)["'`]/.exec(args)?.[1];
	const modulus = /\bmodulusLength\s*:\s*(\d{3,5})/.exec(args)?.[1];
	const length = /\blength\s*:\s*(\d{2,4})/.exec(args)?.[1];
	const curveName = /\bnamedCurve\s*:\s*["'`]([\w-]+)["'`]/.exec(args)?.[1];
	for (const name of strings) {
		const base = WEBCRYPTO[name];
		if (!base) continue;
		let facts: AlgorithmFacts = { ...base };
		if (digest && base.primitive !== "block-cipher" && base.primitive !== "ae") facts.hash = hashName(digest);
		if (modulus && base.name.startsWith("RSA")) facts.keySize = Number(modulus);
		if (length && (base.name === "AES" || base.name === "HMAC")) facts.keySize = Number(length);
		if (curveName && (base.name === "ECDSA" || base.name === "ECDH")) facts = onCurve(facts, curveName);
		scan.algorithm(match.index, facts, api, [name, ...(digest ? [digest] : []), ...(curveName ? [curveName] : [])]);
	}
}

const CRYPTO_JS_HASH: Readonly<Record<string, string>> = { SHA3: "SHA3-512" };

function jose(match: RegExpExecArray, scan: Scan): void {
	for (const alg of quoted(match[1] as string)) scan.algorithm(match.index, joseAlgorithm(alg), "JWT algorithm", [alg]);
}

const NOBLE_CURVES: Readonly<Record<string, AlgorithmFacts>> = {
	ed25519: { name: "Ed25519", primitive: "signature" },
	ed448: { name: "Ed448", primitive: "signature" },
	x25519: { name: "X25519", primitive: "key-agree" },
	x448: { name: "X448", primitive: "key-agree" },
	secp256k1: { name: "ECDSA", primitive: "signature", curve: "secp256k1", keySize: 256 },
	p256: { name: "ECDSA", primitive: "signature", curve: "P-256", keySize: 256 },
	p384: { name: "ECDSA", primitive: "signature", curve: "P-384", keySize: 384 },
	p521: { name: "ECDSA", primitive: "signature", curve: "P-521", keySize: 521 },
};

const JS_RULES: readonly Rule[] = [
	{
		pattern: MODULE_SPECIFIER,
		report(match, scan) {
			if (!IMPORTING.test(scan.text.slice(Math.max(0, match.index - 40), match.index))) return;
			const specifier = match[0].slice(1, -1);
			const id = moduleLibrary(specifier);
			if (id) scan.library(match.index, id, [specifier]);
		},
	},
	...gated(
		["@noble"],
		[
			{
				pattern: /\bimport\s*\{([^}]*)\}\s*from\s*(["'])@noble\/hashes[^"'\n]*\2/g,
				report(match, scan) {
					for (const name of (match[1] as string).split(/[\s,]+/))
						scan.algorithm(match.index, hash(name), "@noble/hashes");
				},
			},
		],
	),
	...gated(
		["ypt"],
		[
			dispatch(NODE_CRYPTO, [
				{
					pattern: new RegExp(`\\bcreateHash\\(\\s*${Q}([\\w-]+)\\1`, "g"),
					report: (match, scan) =>
						scan.algorithm(match.index, hash(match[2] as string), "createHash", [match[2] as string]),
				},
				{
					pattern: new RegExp(`\\bcrypto\\.hash\\(\\s*${Q}([\\w-]+)\\1`, "g"),
					report: (match, scan) =>
						scan.algorithm(match.index, hash(match[2] as string), "crypto.hash", [match[2] as string]),
				},
				{
					pattern: new RegExp(`\\bcreateHmac\\(\\s*${Q}([\\w-]+)\\1`, "g"),
					report(match, scan) {
						scan.algorithm(match.index, withHash("HMAC", match[2]), "createHmac", [match[2] as string]);
					},
				},
				{
					pattern: new RegExp(`\\b(create(?:Cipheriv|Decipheriv|Cipher|Decipher))\\(\\s*${Q}([\\w-]+)\\2`, "g"),
					report: (match, scan) =>
						scan.algorithm(match.index, opensslCipher(match[3] as string), match[1] as string, [match[3] as string]),
				},
				{
					pattern: new RegExp(`\\b(createSign|createVerify)\\(\\s*${Q}([\\w-]+)\\2`, "g"),
					report(match, scan) {
						const name = match[3] as string;
						const digest = hashName(name);
						const unknownKey: AlgorithmFacts | undefined = digest
							? { name: "unknown", primitive: "signature", hash: digest }
							: undefined;
						scan.algorithm(match.index, signature(name) ?? unknownKey, match[1] as string, [name]);
					},
				},
				{
					pattern: /\b(generateKeyPair(?:Sync)?)\(/g,
					report(match, scan) {
						const args = claimCall(match, scan);
						const type = KEY_PAIR_TYPE.exec(args)?.[2];
						if (type) scan.algorithm(match.index, keyPairType(type, args), match[1] as string, [type]);
					},
				},
				{
					pattern: new RegExp(
						`\\b(generateKey(?:Sync)?)\\(\\s*${Q}(aes|hmac)\\2\\s*,\\s*\\{[^}]*?\\blength\\s*:\\s*(\\d{2,4})`,
						"g",
					),
					report(match, scan) {
						const base = algorithm(match[3] as string) as AlgorithmFacts;
						scan.algorithm(match.index, { ...base, keySize: Number(match[4]) }, match[1] as string, [
							match[3] as string,
						]);
					},
				},
				{
					pattern: /\b(pbkdf2(?:Sync)?|hkdf(?:Sync)?)\(/g,
					report(match, scan) {
						const api = match[1] as string;
						const digest = quoted(claimCall(match, scan))
							.filter((name) => hashName(name))
							.at(-1);
						const base = algorithm(api.replace("Sync", "")) as AlgorithmFacts;
						scan.algorithm(
							match.index,
							digest ? { ...base, hash: hashName(digest) } : base,
							api,
							digest ? [digest] : [],
						);
					},
				},
				{
					pattern: /\bscrypt(?:Sync)?\(/g,
					report: (match, scan) => scan.algorithm(match.index, algorithm("scrypt"), match[0].slice(0, -1)),
				},
				{
					pattern: new RegExp(`\\bcreateECDH\\(\\s*${Q}([\\w-]+)\\1`, "g"),
					report: (match, scan) =>
						scan.algorithm(
							match.index,
							onCurve({ name: "ECDH", primitive: "key-agree" }, match[2] as string),
							"createECDH",
							[match[2] as string],
						),
				},
				{
					pattern: new RegExp(
						`\\b(createDiffieHellman|getDiffieHellman|createDiffieHellmanGroup)\\(\\s*(?:(\\d{3,5})|${Q}(modp\\d+)\\3)`,
						"g",
					),
					report(match, scan) {
						const bits = match[2] ? Number(match[2]) : MODP_BITS[match[4] as string];
						const facts: AlgorithmFacts = { name: "DH", primitive: "key-agree" };
						scan.algorithm(
							match.index,
							bits ? { ...facts, keySize: bits } : facts,
							match[1] as string,
							match[4] ? [match[4]] : [],
						);
					},
				},
				{
					pattern: /\bcrypto\.subtle\b/g,
					report: (match, scan) => scan.library(match.index, "webcrypto"),
				},
				{
					pattern:
						/\bsubtle\.(generateKey|importKey|encrypt|decrypt|sign|verify|deriveKey|deriveBits|digest|wrapKey|unwrapKey)\(/g,
					report: webCrypto,
				},
			]),
		],
	),
	...gated(
		["TLSv1", "SSLv3"],
		[
			{
				pattern: new RegExp(`\\b(minVersion|maxVersion)\\s*:\\s*${Q}(TLSv1(?:\\.[0-3])?|SSLv3)\\2`, "g"),
				report(match, scan) {
					const version = tlsVersion(match[3] as string);
					if (version)
						scan.protocol(match.index, { type: "tls", version }, `node tls ${match[1]}`, [match[3] as string]);
				},
			},
		],
	),
	...gated(
		["Protocol"],
		[
			{
				pattern: new RegExp(`\\bsecureProtocol\\s*:\\s*${Q}(\\w+)\\1`, "g"),
				report(match, scan) {
					const version = tlsVersion(match[2] as string);
					if (version)
						scan.protocol(match.index, { type: "tls", version }, "node tls secureProtocol", [match[2] as string]);
				},
			},
		],
	),
	...gated(
		["phers"],
		[
			{
				pattern: new RegExp(`\\bciphers\\s*:\\s*${Q}([^"'\`\\n]+)\\1`, "g"),
				report(match, scan) {
					if (!/\b(?:tls|https)\b/i.test(scan.text)) return;
					const value = match[2] as string;
					scan.protocol(match.index, { type: "tls", cipherSuites: value.split(":") }, "node tls ciphers", [value]);
				},
			},
		],
	),
	...gated(
		["CryptoJS", "ypto-js"],
		[
			{
				pattern: /\bCryptoJS\.(MD5|SHA1|SHA224|SHA256|SHA384|SHA512|SHA3|RIPEMD160)\(/g,
				report(match, scan) {
					const name = match[1] as string;
					scan.algorithm(match.index, hash(CRYPTO_JS_HASH[name] ?? name), `CryptoJS.${name}`);
				},
			},
			{
				pattern: /\bCryptoJS\.Hmac(MD5|SHA1|SHA224|SHA256|SHA384|SHA512|SHA3|RIPEMD160)\(/g,
				report(match, scan) {
					const name = match[1] as string;
					scan.algorithm(match.index, withHash("HMAC", CRYPTO_JS_HASH[name] ?? name), `CryptoJS.Hmac${name}`);
				},
			},
			{
				pattern: /\b(?:CryptoJS\.)?(AES|DES|TripleDES|RC4|RC4Drop|Rabbit)\.(encrypt|decrypt)\(/g,
				report(match, scan) {
					const name = match[1] as string;
					const modeName = /\bmode\s*:\s*(?:CryptoJS\.)?mode\.(\w+)/.exec(claimCall(match, scan))?.[1];
					const base = algorithm(name.replace("Drop", "")) ?? { name, primitive: "stream-cipher" as const };
					scan.algorithm(match.index, withMode(base, modeName), `CryptoJS.${name}.${match[2]}`);
				},
			},
			{
				pattern: /\bCryptoJS\.mode\.(ECB|CBC|CFB|OFB|CTR)\b/g,
				report: (match, scan) =>
					scan.algorithm(
						match.index,
						withMode({ name: "unknown", primitive: "block-cipher" }, match[1]),
						`CryptoJS.mode.${match[1]}`,
					),
			},
			{
				pattern: /\bCryptoJS\.PBKDF2\(/g,
				report(match, scan) {
					const digest = /\bhasher\s*:\s*CryptoJS\.algo\.(\w+)/.exec(claimCall(match, scan))?.[1];
					const name = digest && hashName(digest);
					scan.algorithm(
						match.index,
						name ? { name: "PBKDF2", primitive: "kdf", hash: name } : algorithm("PBKDF2"),
						"CryptoJS.PBKDF2",
					);
				},
			},
		],
	),
	...gated(
		["-forge"],
		[
			{
				pattern: /\bmd\.(md5|sha1|sha256|sha384|sha512)\.create\(/g,
				report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), `forge.md.${match[1]}`),
			},
			{
				pattern: new RegExp(`\\bcipher\\.create(?:De)?cipher\\(\\s*${Q}([\\w-]+)\\1`, "g"),
				report: (match, scan) =>
					scan.algorithm(match.index, opensslCipher(match[2] as string), "forge.cipher.createCipher", [
						match[2] as string,
					]),
			},
			{
				pattern: /\brsa\.generateKeyPair\(\s*(?:\{[^}]*?\bbits\s*:\s*(\d{3,5})|(\d{3,5}))/g,
				report: (match, scan) =>
					scan.algorithm(
						match.index,
						{ name: "RSA", primitive: "pke", keySize: Number(match[1] ?? match[2]) },
						"forge.pki.rsa.generateKeyPair",
					),
			},
			{
				pattern: new RegExp(`\\bhmac\\.start\\(\\s*${Q}(\\w+)\\1`, "g"),
				report(match, scan) {
					scan.algorithm(match.index, withHash("HMAC", match[2]), "forge.hmac.start", [match[2] as string]);
				},
			},
		],
	),
	...gated(
		["jsonwebtoken", "jose", "jwt", "JWT"],
		[
			{ pattern: new RegExp(`\\balgorithms?\\s*:\\s*(\\[[^\\]]{0,200}\\]|(["'\`])${JOSE_ALG}\\2)`, "g"), report: jose },
			{ pattern: new RegExp(`\\balg\\s*:\\s*((["'\`])${JOSE_ALG}\\2)`, "g"), report: jose },
		],
	),
	...gated(
		["ypt"],
		[
			{
				pattern: /\bbcrypt\.(hash|hashSync|genSalt|genSaltSync|compare|compareSync)\(/g,
				report: (match, scan) => scan.algorithm(match.index, algorithm("bcrypt"), `bcrypt.${match[1]}`),
			},
		],
	),
	...gated(
		["@noble"],
		[
			{
				pattern:
					/\b(ed25519|ed448|x25519|x448|secp256k1|p256|p384|p521)\.(sign|verify|getPublicKey|getSharedSecret|keygen)\(/g,
				report(match, scan) {
					if (!scan.text.includes("@noble/curves")) return;
					const curveName = match[1] as string;
					const base = NOBLE_CURVES[curveName] as AlgorithmFacts;
					const facts =
						match[2] === "getSharedSecret" && base.name === "ECDSA"
							? { ...base, name: "ECDH", primitive: "key-agree" as const }
							: base;
					scan.algorithm(match.index, facts, `${curveName}.${match[2]}`);
				},
			},
		],
	),
	...gated(
		["weetn"],
		[
			{
				pattern: /\bnacl\.(secretbox|box|sign)\b/g,
				report(match, scan) {
					if (!scan.text.includes("tweetnacl")) return;
					const name = match[1] === "secretbox" ? "XSalsa20-Poly1305" : match[1] === "box" ? "X25519" : "Ed25519";
					scan.algorithm(match.index, algorithm(name) ?? { name, primitive: "ae" }, `nacl.${match[1]}`);
				},
			},
		],
	),
	...gated(
		["ypto_"],
		[
			{
				pattern: /\bsodium\.(crypto_\w+)\(/g,
				report: (match, scan) => scan.algorithm(match.index, sodiumFunction(match[1] as string), `sodium.${match[1]}`),
			},
		],
	),
	...gated(
		["NodeRSA"],
		[
			{
				pattern: /\bnew\s+NodeRSA\(\s*\{\s*b\s*:\s*(\d{3,5})/g,
				report: (match, scan) =>
					scan.algorithm(match.index, { name: "RSA", primitive: "pke", keySize: Number(match[1]) }, "NodeRSA"),
			},
		],
	),
	...gated(
		["@noble"],
		[
			{
				pattern: /\b(?:ml_kem|ml_dsa|slh_dsa)\w*/g,
				report: (match, scan) => scan.algorithm(match.index, postQuantum(match[0]), match[0]),
			},
		],
	),
	...gated(
		["llipt"],
		[
			claiming(new RegExp(`\\bnew\\s+(?:\\w+\\.)?(ec|EC|eddsa|EdDSA)\\(\\s*${Q}(\\w+)\\2`, "g"), (match, scan) => {
				if (!scan.text.includes("elliptic")) return;
				const name = match[3] as string;
				const facts = /^ed/i.test(match[1] as string)
					? algorithm(name)
					: onCurve({ name: "ECDSA", primitive: "signature" }, name);
				scan.algorithm(match.index, facts, `elliptic.${match[1]}`, [name]);
			}),
		],
	),
];

/**
 * Anchors start with a character that is rare in code: \`includes\` runs memchr on a needle's first character, so
 * a needle starting with a common lower-case letter costs several times more.
 */
export const JAVASCRIPT = codeDetector(
	["ypt", "@noble", "jose", "jsonwebtoken", "-forge", "weetna", "bsodiu", "TLSv1", "SSLv3", "-rsa", "jcl"],
	JS_RULES,
);
