import type { LibraryId } from "../libraries.ts";
import { algorithm, hash, hashName, onCurve, postQuantum, tlsVersion, withMode } from "../names.ts";
import { claimCall, claiming, codeDetector, dispatch, lastBefore, type Rule } from "../rules.ts";
import type { Scan } from "../scan.ts";
import type { AlgorithmFacts } from "../types.ts";

/** Import paths, found as quoted strings: Go writes nothing else that looks like `"crypto/sha256"`. */
const IMPORT =
	/"(crypto(?:\/[\w/]+)?|golang\.org\/x\/crypto\/[\w/]+|github\.com\/(?:cloudflare\/circl|golang-jwt\/jwt|dgrijalva\/jwt-go|open-quantum-safe\/liboqs-go)[\w./-]*)"/g;

const IMPORTS: Readonly<Record<string, LibraryId>> = {
	"golang.org/x/crypto": "golang-x-crypto",
	"github.com/cloudflare/circl": "circl",
	"github.com/golang-jwt/jwt": "golang-jwt",
	"github.com/dgrijalva/jwt-go": "golang-jwt",
	"github.com/open-quantum-safe/liboqs-go": "liboqs",
};

/**
 * Go code calls a package by its import name, so `md5.New()` is only MD5 where `crypto/md5` (or an x/crypto
 * package of that name) is imported.
 */
function imported(scan: Scan, pkg: string): boolean {
	return scan.text.includes(`/${pkg}"`);
}

/** `sha256.Sum224`, `sha512.New384`, `sha3.New256`, `blake2b.Sum512`: the function picks the variant. */
function goHash(pkg: string, fn: string): AlgorithmFacts | undefined {
	const bits = /(\d{3})(?:_(\d{3}))?$/.exec(fn);
	switch (pkg) {
		case "sha256":
			return hash(bits?.[1] === "224" ? "SHA-224" : "SHA-256");
		case "sha512":
			return hash(bits?.[2] ? `SHA-512/${bits[2]}` : bits?.[1] === "384" ? "SHA-384" : "SHA-512");
		case "sha3": {
			const shake = /Shake(128|256)/i.exec(fn);
			return hash(shake ? `SHAKE${shake[1]}` : `SHA3-${bits?.[1] ?? "256"}`);
		}
		default:
			return hash(pkg);
	}
}

const BLOCK_CIPHER = /\b(aes|des|blowfish|cast5|twofish|sm4)\.(NewCipher|NewTripleDESCipher)\(/g;

function blockCipher(pkg: string, fn: string): AlgorithmFacts | undefined {
	return algorithm(fn === "NewTripleDESCipher" ? "3DES" : pkg);
}

const CIPHER_MODES: Readonly<Record<string, string>> = {
	NewGCM: "gcm",
	NewGCMWithNonceSize: "gcm",
	NewGCMWithTagSize: "gcm",
	NewGCMWithRandomNonce: "gcm",
	NewCBCEncrypter: "cbc",
	NewCBCDecrypter: "cbc",
	NewCFBEncrypter: "cfb",
	NewCFBDecrypter: "cfb",
	NewCTR: "ctr",
	NewOFB: "ofb",
};

/** Where a call into a crypto package can start: its import name (with CIRCL's parameter-set suffix) and a dot. */
const PACKAGE_CALL =
	/\b(?:md4|md5|sha1|sha256|sha512|sha3|ripemd160|blake2b|blake2s|rsa|ecdsa|elliptic|ecdh|ed25519|curve25519|dsa|aes|des|blowfish|cast5|twofish|sm4|cipher|rc4|chacha20poly1305|chacha20|hmac|pbkdf2|hkdf|scrypt|bcrypt|argon2|tls|mlkem|kyber|mldsa|slhdsa|dilithium|sphincsplus|falcon)\d*\./g;

const PACKAGE_RULES: readonly Rule[] = [
	{
		pattern: /\b(md4|md5|sha1|sha256|sha512|sha3|ripemd160|blake2b|blake2s)\.(New\w*|Sum\w*)\(/g,
		report(match, scan) {
			const pkg = match[1] as string;
			if (imported(scan, pkg)) scan.algorithm(match.index, goHash(pkg, match[2] as string), `${pkg}.${match[2]}`);
		},
	},
	{
		pattern: /\brsa\.(GenerateKey|GenerateMultiPrimeKey)\(/g,
		report(match, scan) {
			const size = /(\d{3,5})\s*$/.exec(claimCall(match, scan))?.[1];
			const facts: AlgorithmFacts = { name: "RSA", primitive: "pke" };
			scan.algorithm(match.index, size ? { ...facts, keySize: Number(size) } : facts, `rsa.${match[1]}`);
		},
	},
	{
		pattern: /\brsa\.(EncryptPKCS1v15|DecryptPKCS1v15|DecryptPKCS1v15SessionKey|EncryptOAEP|DecryptOAEP)\(/g,
		report(match, scan) {
			const padding = (match[1] as string).includes("OAEP") ? "oaep" : "pkcs1v15";
			scan.algorithm(match.index, { name: "RSA", primitive: "pke", padding }, `rsa.${match[1]}`);
		},
	},
	{
		pattern: /\brsa\.(SignPKCS1v15|VerifyPKCS1v15|SignPSS|VerifyPSS)\(/g,
		report(match, scan) {
			const digest = /\bcrypto\.(\w+)/.exec(claimCall(match, scan))?.[1];
			const pss = (match[1] as string).endsWith("PSS");
			const base: AlgorithmFacts = pss
				? { name: "RSASSA-PSS", primitive: "signature" }
				: { name: "RSA", primitive: "signature", padding: "pkcs1v15" };
			const name = digest && hashName(digest);
			scan.algorithm(match.index, name ? { ...base, hash: name } : base, `rsa.${match[1]}`);
		},
	},
	claiming(/\becdsa\.GenerateKey\(\s*elliptic\.(P\d{3})\(\)/g, (match, scan) =>
		scan.algorithm(
			match.index,
			onCurve({ name: "ECDSA", primitive: "signature" }, match[1] as string),
			"ecdsa.GenerateKey",
		),
	),
	{
		pattern: /\becdsa\.(GenerateKey|Sign|SignASN1|Verify|VerifyASN1)\(/g,
		report: (match, scan) => scan.algorithm(match.index, algorithm("ECDSA"), `ecdsa.${match[1]}`),
	},
	{
		pattern: /\b(?:elliptic|ecdh)\.(P224|P256|P384|P521|X25519)\(\)/g,
		report(match, scan) {
			const name = match[1] as string;
			const api = match[0].replace("()", "");
			if (name === "X25519") scan.algorithm(match.index, algorithm("X25519"), api);
			else {
				const base: AlgorithmFacts = api.startsWith("ecdh")
					? { name: "ECDH", primitive: "key-agree" }
					: { name: "EC", primitive: "other" };
				scan.algorithm(match.index, onCurve(base, name), api);
			}
		},
	},
	{
		pattern: /\bed25519\.(GenerateKey|Sign|NewKeyFromSeed)\(|\bcurve25519\.(X25519|ScalarMult)\(/g,
		report: (match, scan) =>
			scan.algorithm(match.index, algorithm(match[1] ? "Ed25519" : "X25519"), match[0].slice(0, -1)),
	},
	{
		pattern: /\bdsa\.GenerateParameters\([^)]*?dsa\.L(\d{4})N\d+/g,
		report: (match, scan) =>
			scan.algorithm(
				match.index,
				{ name: "DSA", primitive: "signature", keySize: Number(match[1]) },
				"dsa.GenerateParameters",
			),
	},
	{
		pattern: BLOCK_CIPHER,
		report(match, scan) {
			const pkg = match[1] as string;
			if (imported(scan, pkg)) scan.algorithm(match.index, blockCipher(pkg, match[2] as string), `${pkg}.${match[2]}`);
		},
	},
	{
		pattern: /\bcipher\.(NewGCM\w*|NewCBCEncrypter|NewCBCDecrypter|NewCFBEncrypter|NewCFBDecrypter|NewCTR|NewOFB)\(/g,
		report(match, scan) {
			// The block is usually built a few lines up; the nearest block cipher before the mode is the one used.
			const block = lastBefore(scan.text, BLOCK_CIPHER, match.index);
			const base = (block && blockCipher(block[1] as string, block[2] as string)) || {
				name: "unknown",
				primitive: "block-cipher" as const,
			};
			scan.algorithm(match.index, withMode(base, CIPHER_MODES[match[1] as string]), `cipher.${match[1]}`);
		},
	},
	{
		pattern: /\b(rc4|chacha20poly1305|chacha20)\.(NewCipher|New|NewX|NewUnauthenticatedCipher)\(/g,
		report(match, scan) {
			const pkg = match[1] as string;
			if (!imported(scan, pkg)) return;
			const name =
				pkg === "chacha20poly1305" ? (match[2] === "NewX" ? "XChaCha20-Poly1305" : "ChaCha20-Poly1305") : pkg;
			scan.algorithm(match.index, algorithm(name), `${pkg}.${match[2]}`);
		},
	},
	{
		pattern: /\bhmac\.New\(\s*(\w+)\.New(\d*)/g,
		report(match, scan) {
			const digest = goHash(match[1] as string, `New${match[2]}`);
			scan.algorithm(match.index, digest && { name: "HMAC", primitive: "mac", hash: digest.name }, "hmac.New");
		},
	},
	{
		pattern: /\b(pbkdf2|hkdf)\.(Key|New|Extract|Expand)\(/g,
		report(match, scan) {
			const pkg = match[1] as string;
			const digest = /\b(md5|sha1|sha256|sha512)\.New(\d*)/.exec(claimCall(match, scan));
			const base = algorithm(pkg) as AlgorithmFacts;
			const name = digest && goHash(digest[1] as string, `New${digest[2]}`)?.name;
			scan.algorithm(match.index, name ? { ...base, hash: name } : base, `${pkg}.${match[2]}`);
		},
	},
	{
		pattern: /\b(scrypt\.Key|bcrypt\.GenerateFromPassword|bcrypt\.CompareHashAndPassword|argon2\.IDKey|argon2\.Key)\(/g,
		report(match, scan) {
			const api = match[1] as string;
			const name = api.startsWith("argon2") ? (api.endsWith("IDKey") ? "Argon2id" : "Argon2i") : api.split(".")[0];
			scan.algorithm(match.index, algorithm(name as string), api);
		},
	},
	{
		pattern: /\btls\.Version(TLS1[0-3]|SSL30)\b/g,
		report(match, scan) {
			const version = tlsVersion(match[1] as string);
			if (version) scan.protocol(match.index, { type: "tls", version }, "go tls.Config");
		},
	},
	// Go 1.24's crypto/mlkem names the set in the function (`GenerateKey768`), CIRCL in the package (`mlkem768`).
	claiming(/\b(mlkem|kyber|mldsa|slhdsa|dilithium|sphincsplus|falcon)(\d*)\.(\w+)/g, (match, scan) => {
		const pkg = `${match[1]}${match[2]}`;
		if (!imported(scan, pkg)) return;
		const set = match[2] || /(\d+)$/.exec(match[3] as string)?.[1] || "";
		scan.algorithm(match.index, postQuantum(`${match[1]}${set}`), `${pkg}.${match[3]}`);
	}),
];

const GO_RULES: readonly Rule[] = [
	claiming(IMPORT, (match, scan) => {
		const path = match[1] as string;
		const prefix = Object.keys(IMPORTS).find((known) => path.startsWith(known));
		scan.library(match.index, prefix ? (IMPORTS[prefix] as LibraryId) : "go-crypto", [path]);
	}),
	{
		pattern: /\bCipherSuites\s*:\s*\[\]uint16\s*\{([^}]*)\}/g,
		report(match, scan) {
			const cipherSuites = [...(match[1] as string).matchAll(/\btls\.(TLS_\w+)/g)].map((suite) => suite[1] as string);
			if (cipherSuites.length > 0)
				scan.protocol(match.index, { type: "tls", cipherSuites }, "go tls.Config CipherSuites");
		},
	},
	dispatch(PACKAGE_CALL, PACKAGE_RULES),
];

/**
 * Anchors start with a character that is rare in code: \`includes\` runs memchr on a needle's first character, so
 * a needle starting with a common lower-case letter costs several times more.
 */
export const GO = codeDetector(["ypto/", "/circl", "qs-go", "jwt", "kem", "yber", "ldsa"], GO_RULES);
