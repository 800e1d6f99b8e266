/**
 * Structurally identical to `@sensorium/discovery`'s `Discovery`, declared here so this package stays free of
 * dependencies; the worker stores both kinds of result through the same code.
 */
export interface Discovery {
	kind: "library" | "algorithm" | "protocol";
	/** `library:<id>`, `algorithm:<name>[:<mode>][:<padding>][:<hash>][:<size|curve|parameter set>]` or `protocol:<type>[:<version>]`. */
	identity: string;
	/** 1-based line of the evidence. */
	line: number;
	/** Exactly one key, equal to `kind`. */
	crypto: Record<string, unknown>;
}

/** Languages (and config dialects, all reported as `config`) whose patterns can read a file. */
export type Language =
	| "java"
	| "kotlin"
	| "scala"
	| "python"
	| "go"
	| "javascript"
	| "typescript"
	| "c"
	| "cpp"
	| "csharp"
	| "php"
	| "ruby"
	| "rust"
	| "config";

/** CycloneDX 1.6 `algorithmProperties.primitive` values we emit. */
export type Primitive =
	| "block-cipher"
	| "stream-cipher"
	| "hash"
	| "signature"
	| "pke"
	| "kem"
	| "key-agree"
	| "mac"
	| "kdf"
	| "drbg"
	| "ae"
	| "other";

/** CycloneDX 1.6 `algorithmProperties.mode`; modes outside the enumeration are `other`. */
export type Mode = "cbc" | "ecb" | "ccm" | "gcm" | "cfb" | "ofb" | "ctr" | "other";

/** CycloneDX 1.6 `algorithmProperties.padding`. */
export type Padding = "pkcs5" | "pkcs7" | "pkcs1v15" | "oaep" | "raw" | "other";

/** What an API call or directive says about one algorithm. */
export interface AlgorithmFacts {
	name: string;
	primitive: Primitive;
	mode?: Mode;
	padding?: Padding;
	/** The digest inside a composite algorithm: the SHA-1 of `SHA1withRSA`, the SHA-256 of `HmacSHA256`. */
	hash?: string;
	keySize?: number;
	curve?: string;
	parameterSetIdentifier?: string;
	oid?: string;
}

export interface AlgorithmAttributes extends AlgorithmFacts {
	language: Language;
	/** The call, constant or directive the facts were read from, e.g. `Cipher.getInstance`. */
	api: string;
	evidence: string;
}

export type ProtocolVersion = "SSLv2" | "SSLv3" | "1.0" | "1.1" | "1.2" | "1.3" | "1" | "2";

export interface ProtocolFacts {
	type: "tls" | "ssh";
	version?: ProtocolVersion;
	/** As configured, exclusions included (`!aNULL`), so a reader sees what the directive says. */
	cipherSuites?: string[];
}

export interface ProtocolAttributes extends ProtocolFacts {
	/** Where the setting was read, e.g. `nginx ssl_protocols`, `java SSLContext`. */
	source: string;
	evidence: string;
}

export interface LibraryAttributes {
	name: string;
	language: Language;
	evidence: string;
}
