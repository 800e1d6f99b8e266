import type { LibraryId } from "../libraries.ts";
import {
	algorithm,
	anyAlgorithm,
	hash,
	joseAlgorithm,
	keyedHash,
	onCurve,
	signature,
	tlsVersion,
	withMode,
} from "../names.ts";
import { codeDetector, firstBetween, gated, quoted, type Rule } from "../rules.ts";
import type { Scan } from "../scan.ts";
import type { AlgorithmFacts } from "../types.ts";
import { BOUNCYCASTLE_RULES } from "./bouncycastle.ts";

const PACKAGES: Readonly<Record<string, LibraryId>> = {
	"java.security": "jca",
	"javax.crypto": "jca",
	"javax.net.ssl": "jsse",
	"org.bouncycastle": "bouncycastle",
	"com.google.crypto.tink": "tink",
	"org.conscrypt": "conscrypt",
	"io.jsonwebtoken": "jjwt",
	"com.nimbusds.jose": "nimbus-jose-jwt",
	"com.auth0.jwt": "java-jwt",
};

/** `java.security` also holds the access-control API, which says nothing about cryptography. */
const ACCESS_CONTROL = new Set([
	"AccessControlContext",
	"AccessControlException",
	"AccessController",
	"AllPermission",
	"BasicPermission",
	"CodeSource",
	"DomainCombiner",
	"Guard",
	"GuardedObject",
	"Permission",
	"PermissionCollection",
	"Permissions",
	"Policy",
	"Principal",
	"PrivilegedAction",
	"PrivilegedActionException",
	"PrivilegedExceptionAction",
	"ProtectionDomain",
	"acl",
]);

/** What SunJCE and BouncyCastle do with a bare cipher name. */
const JCA_BARE = { mode: "ecb", padding: "pkcs5" } as const;

const KEY_PAIR_GENERATOR = "KeyPairGenerator.getInstance";
const KEY_GENERATOR = "KeyGenerator.getInstance";
const INITIALIZE =
	/\.initialize\(\s*(?:(\d{3,5})\b|new\s+RSAKeyGenParameterSpec\(\s*(\d{3,5})\b|new\s+ECGenParameterSpec\(\s*"([^"\n]+)"|new\s+NamedParameterSpec\(\s*"([^"\n]+)")/g;
const INIT_SIZE = /\.init\(\s*(\d{2,5})\b/g;

/** The next occurrence of `marker` after `from`, or the end: a generator's initialisation must come before it. */
function until(text: string, marker: string, from: number): number {
	const next = text.indexOf(marker, from);
	return next === -1 ? text.length : next;
}

/** `KeyPairGenerator.getInstance("RSA")` takes its size from the nearest `initialize(…)` before the next generator. */
function keyPair(scan: Scan, end: number, base: AlgorithmFacts | undefined): AlgorithmFacts | undefined {
	const init = base && firstBetween(scan.text, INITIALIZE, end, until(scan.text, KEY_PAIR_GENERATOR, end));
	if (!base || !init) return base;
	const [, bits, rsaBits, curveName, named] = init;
	if (bits ?? rsaBits) return { ...base, keySize: Number(bits ?? rsaBits) };
	if (curveName) return onCurve(base, curveName);
	return (named && algorithm(named)) || base;
}

function keyGenerator(scan: Scan, end: number, base: AlgorithmFacts | undefined): AlgorithmFacts | undefined {
	const init = base && firstBetween(scan.text, INIT_SIZE, end, until(scan.text, KEY_GENERATOR, end));
	return base && init ? { ...base, keySize: Number(init[1]) } : base;
}

/** What `<api>.getInstance(name)` creates; generators also take their size from the `initialize`/`init` that follows. */
function instance(api: string, name: string, scan: Scan, end: number): AlgorithmFacts | undefined {
	switch (api) {
		case "Cipher":
			return anyAlgorithm(name, JCA_BARE);
		case "MessageDigest":
			return hash(name);
		case "Signature":
			return signature(name) ?? algorithm(name);
		case "Mac":
		case "SecretKeyFactory":
			return keyedHash(name) ?? algorithm(name);
		case "KeyGenerator":
			return keyGenerator(scan, end, keyedHash(name) ?? algorithm(name));
		case "KeyPairGenerator":
			return keyPair(scan, end, algorithm(name));
		default:
			return algorithm(name);
	}
}

function getInstance(match: RegExpExecArray, scan: Scan): void {
	const api = match[1] as string;
	const name = match[2] as string;
	if (api !== "SSLContext") {
		scan.algorithm(match.index, instance(api, name, scan, match.index + match[0].length), `${api}.getInstance`, [name]);
		return;
	}
	const version = tlsVersion(name);
	if (version || /^(?:TLS|SSL)$/i.test(name)) {
		scan.protocol(match.index, version ? { type: "tls", version } : { type: "tls" }, "java SSLContext", [name]);
	}
}

/** Tink key template names: `AES128_GCM`, `ECDSA_P256`, `RSA_SSA_PKCS1_3072_SHA256_F4`, `HMAC_SHA256_128BITTAG`. */
function tinkTemplate(name: string): AlgorithmFacts | undefined {
	const aes = /^AES(128|256)_(GCM_SIV|GCM|CTR|EAX|SIV|CMAC)/.exec(name);
	if (aes) {
		const base: AlgorithmFacts = { name: "AES", primitive: "block-cipher", keySize: Number(aes[1]) };
		return aes[2] === "CMAC" ? { name: "CMAC", primitive: "mac" } : withMode(base, aes[2] as string);
	}
	const rsa = /^RSA_SSA_(PKCS1|PSS)_(\d{4})_SHA(\d{3})/.exec(name);
	if (rsa) {
		const base =
			rsa[1] === "PSS"
				? algorithm("RSASSA-PSS")
				: ({ name: "RSA", primitive: "signature", padding: "pkcs1v15" } as const);
		return base && { ...base, keySize: Number(rsa[2]), hash: `SHA-${rsa[3]}` };
	}
	const ec = /^(ECDSA|ECIES)_P(256|384|521)/.exec(name);
	if (ec) return onCurve({ name: ec[1] as string, primitive: ec[1] === "ECDSA" ? "signature" : "pke" }, `P-${ec[2]}`);
	const hmac = /^HMAC_SHA(\d{3})/.exec(name);
	if (hmac) return { name: "HMAC", primitive: "mac", hash: `SHA-${hmac[1]}` };
	const plain = /^(?:DHKEM_)?(X?CHACHA20_POLY1305|ED25519|X25519)/.exec(name);
	return plain ? algorithm(plain[1] as string) : undefined;
}

const AUTH0_FAMILIES: Readonly<Record<string, string>> = { HMAC: "HS", RSA: "RS", ECDSA: "ES" };

const JVM_RULES: readonly Rule[] = [
	{
		pattern:
			/\b(java\.security|javax\.crypto|javax\.net\.ssl|org\.bouncycastle|com\.google\.crypto\.tink|org\.conscrypt|io\.jsonwebtoken|com\.nimbusds\.jose|com\.auth0\.jwt)(?:\.(\w+))?/g,
		report(match, scan) {
			if (match[1] === "java.security" && ACCESS_CONTROL.has(match[2] ?? "")) return;
			scan.library(match.index, PACKAGES[match[1] as string] as LibraryId);
		},
	},
	...gated(
		["Instance("],
		[
			{
				pattern:
					/\b(Cipher|MessageDigest|KeyPairGenerator|Signature|KeyGenerator|Mac|KeyAgreement|KeyFactory|SecretKeyFactory|SSLContext|KEM)\.getInstance\(\s*"([^"\n]+)"/g,
				report: getInstance,
			},
		],
	),
	...gated(
		["Protocols"],
		[
			{
				pattern: /\b(setEnabledProtocols|setProtocols|enabledProtocols)\s*[(=]\s*([^;\n]{0,300})/g,
				report(match, scan) {
					for (const name of quoted(match[2] as string)) {
						const version = tlsVersion(name);
						if (version) scan.protocol(match.index, { type: "tls", version }, `java ${match[1]}`, [name]);
					}
				},
			},
		],
	),
	...gated(
		["CipherSuites", "cipherSuites"],
		[
			{
				pattern:
					/\b(setEnabledCipherSuites|setCipherSuites|enabledCipherSuites|cipherSuites)\s*[(=]\s*([^;\n]{0,600})/g,
				report(match, scan) {
					const cipherSuites = quoted(match[2] as string).filter((name) => /^(?:TLS|SSL)_/.test(name));
					if (cipherSuites.length > 0)
						scan.protocol(match.index, { type: "tls", cipherSuites }, `java ${match[1]}`, cipherSuites);
				},
			},
		],
	),
	...gated(
		["https.pro", "jdk.tls"],
		[
			{
				pattern: /"?(https\.protocols|jdk\.tls\.(?:client|server)\.protocols)"?\s*[,=]\s*"([^"\n]+)"/g,
				report(match, scan) {
					const value = match[2] as string;
					for (const name of value.split(",")) {
						const version = tlsVersion(name.trim());
						if (version) scan.protocol(match.index, { type: "tls", version }, `java ${match[1]}`, [value]);
					}
				},
			},
		],
	),
	...gated(
		["Algorithm", "SIG."],
		[
			{
				pattern: /\b(?:SignatureAlgorithm|JWSAlgorithm|SIG)\.((?:[HRPE]S(?:256|384|512))|ES256K|EdDSA|NONE|none)\b/g,
				report: (match, scan) =>
					scan.algorithm(match.index, joseAlgorithm((match[1] as string).replace("NONE", "none")), "JWS algorithm"),
			},
			{
				pattern: /\bAlgorithm\.(?:(HMAC|RSA|ECDSA)(256|384|512)|none)\s*\(/g,
				report(match, scan) {
					const alg = match[1] ? `${AUTH0_FAMILIES[match[1]]}${match[2]}` : "none";
					scan.algorithm(match.index, joseAlgorithm(alg), "com.auth0.jwt.Algorithm");
				},
			},
		],
	),
	...gated(
		["Templates", "Predefined"],
		[
			{
				pattern:
					/\b(?:\w*KeyTemplates\.(?:get\(\s*")?|Predefined(?:Aead|Mac|Signature|Hybrid)?Parameters\.)([A-Z][A-Z0-9_]+)/g,
				report: (match, scan) =>
					scan.algorithm(match.index, tinkTemplate(match[1] as string), "Tink key template", [match[1] as string]),
			},
		],
	),
	...gated(["bouncycastle", "BouncyCastle"], BOUNCYCASTLE_RULES),
];

/**
 * Anchors start with a character that is rare in code: \`includes\` runs memchr on a needle's first character, so
 * a needle starting with a common lower-case letter costs several times more.
 */
export const JVM = codeDetector(
	["java.security", "javax.crypto", "javax.net.ssl", "bouncy", "Consc", "Keyset", "Tink", "JW", "jsonwebtoken"],
	JVM_RULES,
);
