import {
	type Attributes,
	curveBits,
	enabledSuites,
	isEllipticCurve,
	isPostQuantum,
	isQuantumVulnerable,
	isRsa,
	keyOf,
	protection,
	signatureHash,
	signatureKey,
	squash,
	text,
} from "./facts.ts";
import type { Rule } from "./types.ts";

/** What a rule looks at: one finding's attributes, plus the evaluation's clock and settings. */
export interface View {
	kind: string;
	attributes: Attributes;
	path?: string;
	now: Date;
	expiringWithinDays: number;
}

export interface Hit {
	message: string;
	/** One step above the rule's configured priority (an RSA key below 1024 bits under `rsa-short-key`). */
	escalate?: boolean;
}

export interface RuleDefinition extends Rule {
	check(view: View): Hit | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MD_HASHES = new Set(["md2", "md4", "md5"]);
const DES_NAMES = new Set(["des", "3des", "tripledes", "desede"]);
const LEGACY_TLS = new Set(["SSLv2", "SSLv3", "1.0", "1.1"]);
/** JOSE `alg` values on RSA or elliptic-curve keys (RFC 7518, RFC 8037). */
const JOSE_CLASSICAL =
	/^(?:(?:RS|PS|ES)(?:256|384|512)|ES256K|EdDSA|Ed25519|Ed448|RSA1_5|RSA-OAEP(?:-\d+)?|ECDH-ES(?:\+A\d+KW)?)$/;

function algorithmName(view: View): string | undefined {
	return view.kind === "algorithm" ? text(view.attributes.name) : undefined;
}

function where(view: View): string {
	return view.path ? ` in ${view.path}` : "";
}

function validUntil(view: View): Date | undefined {
	const iso = view.kind === "x509" ? text(view.attributes.notValidAfter) : undefined;
	const date = iso === undefined ? undefined : new Date(iso);
	return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** "private key protected with des-ede3-cbc" when stored key material is protected with a matching scheme. */
function protectedWith(view: View, pattern: RegExp): string | undefined {
	const stored = protection(view.kind, view.attributes);
	const scheme = stored?.schemes.find((name) => pattern.test(name));
	return stored && scheme ? `${stored.subject} protected with ${scheme}` : undefined;
}

function quantumVulnerable(view: View): Hit | undefined {
	const advice = "a large quantum computer breaks it (Shor's algorithm); plan the move to ML-KEM/ML-DSA";
	const key = keyOf(view.kind, view.attributes);
	if (key && isQuantumVulnerable(key.algorithm)) return { message: `${key.algorithm} ${key.subject}: ${advice}` };
	const signedWith = view.kind === "x509" ? text(view.attributes.signatureAlgorithm) : undefined;
	const signer = signedWith && signatureKey(signedWith);
	if (signer && signer !== "post-quantum") return { message: `certificate signed with ${signedWith}: ${advice}` };
	const alg = view.kind === "token" ? text(view.attributes.alg) : undefined;
	return alg && JOSE_CLASSICAL.test(alg) ? { message: `token algorithm ${alg}: ${advice}` } : undefined;
}

function postQuantum(view: View): Hit | undefined {
	const key = keyOf(view.kind, view.attributes);
	if (key && isPostQuantum(key.algorithm)) return { message: `${key.algorithm} ${key.subject} is post-quantum` };
	const signedWith = view.kind === "x509" ? text(view.attributes.signatureAlgorithm) : undefined;
	return signedWith && signatureKey(signedWith) === "post-quantum"
		? { message: `certificate signed with post-quantum ${signedWith}` }
		: undefined;
}

function weakHashMd5(view: View): Hit | undefined {
	const { attributes } = view;
	const name = algorithmName(view);
	const digest = view.kind === "algorithm" ? text(attributes.hash) : undefined;
	const md = [name, digest].find((value) => value !== undefined && MD_HASHES.has(squash(value)));
	if (md)
		return { message: `${name === md ? md : `${name} with ${md}`}: MD hashes are broken (collisions in seconds)` };
	const signedWith = view.kind === "x509" ? text(attributes.signatureAlgorithm) : undefined;
	if (signedWith && signatureHash(signedWith) === "MD")
		return { message: `certificate signed with ${signedWith}: collisions forge certificates` };
	const stored = protectedWith(view, /md[245]/i);
	if (stored) return { message: stored };
	const suite = view.kind === "protocol" ? enabledSuites(attributes).find((value) => /md5/i.test(value)) : undefined;
	return suite ? { message: `enabled cipher suite or MAC ${suite} uses MD5` } : undefined;
}

function weakSignatureSha1(view: View): Hit | undefined {
	const signedWith = view.kind === "x509" ? text(view.attributes.signatureAlgorithm) : undefined;
	if (signedWith && signatureHash(signedWith) === "SHA-1") {
		return { message: `certificate signed with ${signedWith}: SHA-1 collisions are practical (SHAttered)` };
	}
	const { attributes } = view;
	const isSha1Signature =
		view.kind === "algorithm" && attributes.primitive === "signature" && squash(text(attributes.hash) ?? "") === "sha1";
	return isSha1Signature
		? { message: `${text(attributes.name)} signature over SHA-1: collisions are practical` }
		: undefined;
}

function weakCipher(view: View, family: "DES" | "RC4"): Hit | undefined {
	const pattern = family === "DES" ? /des/i : /rc4|arcfour/i;
	const name = algorithmName(view);
	const matchesName = name !== undefined && (family === "DES" ? DES_NAMES.has(squash(name)) : pattern.test(name));
	if (matchesName)
		return {
			message: `${name}: ${family === "DES" ? "64-bit blocks and short keys (Sweet32)" : "biased keystream, prohibited in TLS (RFC 7465)"}`,
		};
	const stored = protectedWith(view, pattern);
	if (stored) return { message: stored };
	const suite =
		view.kind === "protocol" ? enabledSuites(view.attributes).find((value) => pattern.test(value)) : undefined;
	return suite ? { message: `enabled cipher suite ${suite} uses ${family === "DES" ? "DES/3DES" : "RC4"}` } : undefined;
}

function weakModeEcb(view: View): Hit | undefined {
	const isEcb = view.kind === "algorithm" && view.attributes.mode === "ecb";
	return isEcb
		? { message: `${text(view.attributes.name)} in ECB mode: equal plaintext blocks give equal ciphertext blocks` }
		: undefined;
}

function rsaShortKey(view: View): Hit | undefined {
	const key = keyOf(view.kind, view.attributes);
	if (!key || !isRsa(key.algorithm) || key.size === undefined || key.size >= 2048) return undefined;
	return {
		message: `${key.algorithm} ${key.subject} of ${key.size} bits (at least 2048 required)`,
		escalate: key.size < 1024,
	};
}

function ecShortKey(view: View): Hit | undefined {
	const key = keyOf(view.kind, view.attributes);
	if (!key || !isEllipticCurve(key.algorithm)) return undefined;
	const bits = key.size ?? (key.curve === undefined ? undefined : curveBits(key.curve));
	if (bits === undefined || bits >= 256) return undefined;
	return {
		message: `${key.algorithm} ${key.subject} on ${key.curve ?? `a ${bits}-bit curve`} (at least 256 bits required)`,
	};
}

function certificateExpired(view: View): Hit | undefined {
	const end = validUntil(view);
	return end && end < view.now ? { message: `certificate expired on ${end.toISOString()}` } : undefined;
}

function certificateExpiring(view: View): Hit | undefined {
	const end = validUntil(view);
	if (!end || end < view.now) return undefined;
	const days = (end.getTime() - view.now.getTime()) / DAY_MS;
	return days <= view.expiringWithinDays
		? { message: `certificate expires on ${end.toISOString()}, in ${Math.floor(days)} days` }
		: undefined;
}

function certificateSelfSigned(view: View): Hit | undefined {
	const { attributes } = view;
	const selfSignedLeaf = view.kind === "x509" && attributes.selfSigned === true && attributes.isCa !== true;
	if (!selfSignedLeaf) return undefined;
	const subject = text(attributes.subject);
	return { message: `self-signed certificate${subject ? ` ${subject}` : ""} that is not a CA: nothing vouches for it` };
}

function privateKeyUnencrypted(view: View): Hit | undefined {
	const { attributes } = view;
	const unencrypted = view.kind === "key" && attributes.type === "private-key" && attributes.encrypted === false;
	if (!unencrypted) return undefined;
	const algorithm = text(attributes.algorithm);
	return {
		message: `unencrypted ${algorithm ? `${algorithm} ` : ""}private key${where(view)}: whoever reads the file holds the key`,
	};
}

function keystoreDefaultPassword(view: View): Hit | undefined {
	const { attributes } = view;
	const isDefault =
		view.kind === "keystore" && (attributes.passwordIsDefault === true || attributes.weakness === "default-password");
	if (!isDefault) return undefined;
	const type = text(attributes.type);
	return { message: `${type ? `${type} ` : ""}keystore${where(view)} opens with a well-known default password` };
}

function jwtAlgNone(view: View): Hit | undefined {
	if (view.kind === "token" && view.attributes.algNone === true) {
		return { message: `unsigned token (alg ${text(view.attributes.alg) ?? "none"}): anyone can forge its claims` };
	}
	return algorithmName(view) === "none"
		? { message: "JWT algorithm none configured: unsigned tokens are accepted" }
		: undefined;
}

function tlsLegacyVersion(view: View): Hit | undefined {
	const { attributes } = view;
	const version = view.kind === "protocol" && attributes.type === "tls" ? text(attributes.version) : undefined;
	if (version === undefined || !LEGACY_TLS.has(version)) return undefined;
	const label = version.startsWith("SSL") ? version : `TLS ${version}`;
	return { message: `${label} enabled (${text(attributes.source) ?? "configuration"}): deprecated by RFC 8996` };
}

const rule = (
	id: string,
	priority: Rule["priority"],
	description: string,
	check: RuleDefinition["check"],
): RuleDefinition => ({
	id,
	priority,
	description,
	enabled: true,
	check,
});

/** The built-in policy, in the order the README documents it. */
export const RULE_DEFINITIONS: readonly RuleDefinition[] = [
	rule(
		"private-key-unencrypted",
		"critical",
		"A private key stored without encryption (PKCS#1, SEC1, PKCS#8, OpenSSH without a passphrase).",
		privateKeyUnencrypted,
	),
	rule(
		"keystore-default-password",
		"critical",
		"A JKS/JCEKS/PKCS#12 keystore whose integrity check passes with a well-known default password.",
		keystoreDefaultPassword,
	),
	rule(
		"jwt-alg-none",
		"critical",
		"An unsigned JWT (`alg: none` or an empty signature), or `none` configured as a JWT algorithm in code.",
		jwtAlgNone,
	),
	rule(
		"rsa-short-key",
		"high",
		"An RSA key (certificate, key file, key generation in code) under 2048 bits; under 1024 bits one priority higher (critical by default).",
		rsaShortKey,
	),
	rule(
		"ec-short-key",
		"high",
		"An elliptic-curve key on a curve under 256 bits (P-192, P-224, secp160r1, …).",
		ecShortKey,
	),
	rule(
		"weak-hash-md5",
		"high",
		"MD5 (or MD4/MD2) as a hash, HMAC or KDF digest, certificate signature hash, key or keystore protection scheme, or enabled cipher suite.",
		weakHashMd5,
	),
	rule(
		"weak-signature-sha1",
		"high",
		"A signature over SHA-1: certificate signature algorithm, or a signature API or SSH host-key algorithm (`ssh-rsa`) using SHA-1.",
		weakSignatureSha1,
	),
	rule(
		"weak-cipher-des",
		"high",
		"DES or 3DES in code or configuration, protecting a private key or keystore, or in an enabled cipher suite.",
		(view) => weakCipher(view, "DES"),
	),
	rule(
		"weak-cipher-rc4",
		"high",
		"RC4 (ARCFOUR) in code or configuration, protecting a private key or keystore, or in an enabled cipher suite.",
		(view) => weakCipher(view, "RC4"),
	),
	rule(
		"weak-mode-ecb",
		"high",
		"A block cipher used in ECB mode, including the JCA default of a bare `AES`.",
		weakModeEcb,
	),
	rule(
		"tls-legacy-version",
		"high",
		"SSLv2, SSLv3, TLS 1.0 or TLS 1.1 enabled in code or configuration.",
		tlsLegacyVersion,
	),
	rule(
		"certificate-expired",
		"high",
		"A certificate whose `notValidAfter` lies before the evaluation time.",
		certificateExpired,
	),
	rule(
		"certificate-expiring",
		"medium",
		"A certificate that expires within `expiringWithinDays` (30 by default) of the evaluation time.",
		certificateExpiring,
	),
	rule(
		"certificate-self-signed",
		"medium",
		"A self-signed certificate that is not a CA (a leaf nobody can chain to a trust anchor).",
		certificateSelfSigned,
	),
	rule(
		"quantum-vulnerable",
		"low",
		"Public-key cryptography a quantum computer breaks: RSA, DSA, DH, EC/ECDSA/ECDH, EdDSA and X25519/X448 in certificates, keys, algorithm use and JWT algorithms (RS*, PS*, ES*, EdDSA).",
		quantumVulnerable,
	),
	rule(
		"post-quantum",
		"info",
		"Post-quantum cryptography in use (ML-KEM, ML-DSA, SLH-DSA, Kyber, Dilithium, Falcon, SPHINCS+, hybrids such as X25519MLKEM768).",
		postQuantum,
	),
];
