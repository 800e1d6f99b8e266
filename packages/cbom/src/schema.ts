/**
 * The CycloneDX 1.6 `cryptoProperties` object, typed after bom-1.6.schema.json. The CycloneDX library's models stop
 * at the component level (v10 has no crypto properties), so these fragments are ours and get attached at
 * normalisation time (see bom.ts).
 */

export const PRIMITIVES = [
	"drbg",
	"mac",
	"block-cipher",
	"stream-cipher",
	"signature",
	"hash",
	"pke",
	"xof",
	"kdf",
	"key-agree",
	"kem",
	"ae",
	"combiner",
	"other",
	"unknown",
] as const;
export type Primitive = (typeof PRIMITIVES)[number];

export const MODES = ["cbc", "ecb", "ccm", "gcm", "cfb", "ofb", "ctr", "other", "unknown"] as const;
export type Mode = (typeof MODES)[number];

export const PADDINGS = ["pkcs5", "pkcs7", "pkcs1v15", "oaep", "raw", "other", "unknown"] as const;
export type Padding = (typeof PADDINGS)[number];

export type CryptoFunction =
	| "generate"
	| "keygen"
	| "encrypt"
	| "decrypt"
	| "digest"
	| "tag"
	| "keyderive"
	| "sign"
	| "verify"
	| "encapsulate"
	| "decapsulate"
	| "other"
	| "unknown";

export type MaterialType = "private-key" | "public-key" | "secret-key" | "key" | "token" | "other" | "unknown";

export type KeyState = "pre-activation" | "active" | "suspended" | "deactivated" | "compromised" | "destroyed";

export const PROTOCOL_TYPES = ["tls", "ssh", "ipsec", "ike", "sstp", "wpa", "other", "unknown"] as const;
export type ProtocolType = (typeof PROTOCOL_TYPES)[number];

export interface AlgorithmProperties {
	primitive?: Primitive;
	parameterSetIdentifier?: string;
	curve?: string;
	mode?: Mode;
	padding?: Padding;
	cryptoFunctions?: CryptoFunction[];
	classicalSecurityLevel?: number;
	nistQuantumSecurityLevel?: number;
}

export interface CertificateProperties {
	subjectName?: string;
	issuerName?: string;
	notValidBefore?: string;
	notValidAfter?: string;
	signatureAlgorithmRef?: string;
	subjectPublicKeyRef?: string;
	certificateFormat?: string;
}

export interface RelatedCryptoMaterialProperties {
	type: MaterialType;
	id?: string;
	state?: KeyState;
	algorithmRef?: string;
	activationDate?: string;
	expirationDate?: string;
	size?: number;
	format?: string;
	securedBy?: { mechanism?: string; algorithmRef?: string };
}

export interface ProtocolProperties {
	type: ProtocolType;
	version?: string;
	cipherSuites?: { name?: string; identifiers?: string[] }[];
}

export type CryptoProperties =
	| { assetType: "algorithm"; algorithmProperties: AlgorithmProperties; oid?: string }
	| { assetType: "certificate"; certificateProperties: CertificateProperties }
	| { assetType: "related-crypto-material"; relatedCryptoMaterialProperties: RelatedCryptoMaterialProperties }
	| { assetType: "protocol"; protocolProperties: ProtocolProperties };

/** The value when it is one of `allowed`, compared case-insensitively. */
export function oneOf<T extends string>(allowed: readonly T[], value: string | undefined): T | undefined {
	const lower = value?.toLowerCase();
	return allowed.find((candidate) => candidate === lower);
}
