/**
 * Readers for the attribute shapes detectors produce. Detectors and this evaluator are separate packages, so every
 * read is defensive: a missing or mistyped attribute means "no fact", never an exception.
 */

export type Attributes = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is Attributes {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function text(value: unknown): string | undefined {
	return typeof value === "string" && value !== "" ? value : undefined;
}

export function count(value: unknown): number | undefined {
	return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export interface KeyFacts {
	algorithm: string;
	size?: number;
	curve?: string;
	/** How messages name the key: "certificate public key", "private key", "algorithm use". */
	subject: string;
}

/**
 * The asymmetric key a finding is about: a certificate's subject public key (`publicKey`, or the flat
 * `keyAlgorithm`/`keySize` some producers use), a key file, or an algorithm used in code or configuration.
 */
export function keyOf(kind: string, attributes: Attributes): KeyFacts | undefined {
	if (kind === "x509") {
		const publicKey = isRecord(attributes.publicKey) ? attributes.publicKey : {};
		const algorithm = text(publicKey.algorithm) ?? text(attributes.keyAlgorithm);
		if (!algorithm) return undefined;
		const size = count(publicKey.size) ?? count(attributes.keySize);
		const curve = text(publicKey.curve) ?? text(attributes.curve);
		return { algorithm, size, curve, subject: "certificate public key" };
	}
	if (kind === "key") {
		const algorithm = text(attributes.algorithm);
		const subject = text(attributes.type)?.replace("-", " ") ?? "key";
		return algorithm ? { algorithm, size: count(attributes.size), curve: text(attributes.curve), subject } : undefined;
	}
	if (kind === "algorithm") {
		const algorithm = text(attributes.name);
		const subject = "algorithm use";
		return algorithm
			? { algorithm, size: count(attributes.keySize), curve: text(attributes.curve), subject }
			: undefined;
	}
	return undefined;
}

/** Names compared case-insensitively and without separators: `RSASSA-PSS`, `rsassaPss`, `ML-KEM-768`, `mlkem768`. */
export function squash(name: string): string {
	return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Public-key algorithms Shor's algorithm breaks: everything built on factoring or discrete logarithms. */
const CLASSICAL = new Set([
	"rsa",
	"rsassapss",
	"rsapss",
	"rsaes",
	"dsa",
	"dh",
	"ec",
	"ecdsa",
	"ecdh",
	"eddsa",
	"ed25519",
	"ed448",
	"x25519",
	"x448",
	"xdh",
	"elgamal",
	"sm2",
]);

export function isQuantumVulnerable(name: string): boolean {
	return CLASSICAL.has(squash(name));
}

/** NIST's FIPS 203/204/205 and the other lattice, code and hash-based schemes, hybrids (`X25519MLKEM768`) included. */
const POST_QUANTUM =
	/mlkem|mldsa|slhdsa|kyber|dilithium|sphincs|falcon|fndsa|frodokem|hqc|bike|mceliece|sntrup|ntru|xmss|^lms|^hss/;

export function isPostQuantum(name: string): boolean {
	return POST_QUANTUM.test(squash(name));
}

/** Bits of a named curve: `P-192`, `secp160r1`, `brainpoolP224r1`, `sect163k1`, `prime192v1`. */
export function curveBits(curve: string): number | undefined {
	const bits = /(\d{3})/.exec(curve)?.[1];
	return bits === undefined ? undefined : Number(bits);
}

export function isEllipticCurve(name: string): boolean {
	const key = squash(name);
	return key === "ec" || key === "ecdsa" || key === "ecdh";
}

export function isRsa(name: string): boolean {
	const key = squash(name);
	return key === "rsa" || key === "rsassapss" || key === "rsapss";
}

/** The hash inside a certificate signature algorithm name: `sha1WithRSAEncryption`, `ecdsa-with-SHA1`. */
export function signatureHash(name: string): "MD" | "SHA-1" | undefined {
	const key = squash(name);
	if (/md[245]/.test(key)) return "MD";
	return /sha1(?!\d)/.test(key) ? "SHA-1" : undefined;
}

/** The key algorithm of a certificate signature algorithm name, for quantum checks. */
export function signatureKey(name: string): string | undefined {
	const key = squash(name);
	if (isPostQuantum(key)) return "post-quantum";
	if (key.includes("ecdsa")) return "ECDSA";
	if (key.includes("rsa")) return "RSA";
	if (key.includes("dsa")) return "DSA";
	if (key.includes("ed25519") || key.includes("ed448")) return "EdDSA";
	return undefined;
}

/**
 * How stored key material is protected: an encrypted key's `cipher` (a PBES2 cipher or a PBES1 scheme such as
 * `pbeWithMD5AndDES-CBC`), a keystore's content `encryption` schemes and its entries' `keyProtection`.
 */
export function protection(kind: string, attributes: Attributes): { subject: string; schemes: string[] } | undefined {
	if (kind === "key") {
		const cipher = text(attributes.cipher);
		return cipher ? { subject: "private key", schemes: [cipher] } : undefined;
	}
	if (kind !== "keystore") return undefined;
	const schemes = (text(attributes.encryption) ?? "").split(/,\s*/).filter((scheme) => scheme && scheme !== "none");
	const entries = Array.isArray(attributes.entries) ? attributes.entries : [];
	for (const entry of entries) {
		const scheme = isRecord(entry) ? text(entry.keyProtection) : undefined;
		if (scheme && scheme !== "none" && !schemes.includes(scheme)) schemes.push(scheme);
	}
	return { subject: `${text(attributes.type) ?? ""} keystore`.trim(), schemes };
}

/**
 * Cipher suites and algorithm lists a protocol setting enables: exclusions (`!MD5`, `-hmac-sha1`) are not use, and
 * OpenSSL keywords (`HIGH`, `DEFAULT@SECLEVEL=1`) are not interpreted.
 */
export function enabledSuites(attributes: Attributes): string[] {
	const suites = Array.isArray(attributes.cipherSuites) ? attributes.cipherSuites : [];
	return suites.filter((suite): suite is string => typeof suite === "string" && !/^[!-]/.test(suite));
}
