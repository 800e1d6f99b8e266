export type AssetKind = "x509" | "key" | "token" | "keystore" | "library" | "algorithm" | "protocol";

export interface Discovery {
	kind: AssetKind;
	/**
	 * Intrinsic identity, the same wherever the asset appears: "x509:<sha256 hex of cert DER>",
	 * "key:<sha256 hex of the SPKI DER of the public key>" (private keys too: the public key is derived),
	 * "token:<sha256 hex of the token string>"; "key:encrypted:<sha256 hex of the encrypted DER or PEM body>"
	 * for encrypted keys whose public key cannot be derived; "key:ssh:<sha256 hex of the SSH key blob>" for
	 * SSH key types Node cannot turn into SPKI.
	 */
	identity: string;
	/** 1-based line where the asset starts in the file; null for binary (DER) files. */
	line: number | null;
	/**
	 * The `crypto` part of the finding document: an object with exactly one key, equal to `kind`, e.g.
	 * `{ x509: {...} }`. Never contains private key material, token values or passwords.
	 */
	crypto: Record<string, unknown>;
}

export interface DiscoveryOptions {
	/** Larger files are skipped without being read further. Defaults to DEFAULT_MAX_FILE_BYTES. */
	maxFileBytes?: number;
}

/** What detectors return: a discovery located by byte offset (null in DER files) rather than line. */
export interface Asset extends Omit<Discovery, "line"> {
	offset: number | null;
}

export type KeyEncoding = "pem" | "der" | "ssh";

export type KeyFormat =
	| "pkcs1"
	| "pkcs8"
	| "sec1"
	| "spki"
	/** OpenSSL's traditional `DSA PRIVATE KEY` structure. */
	| "traditional"
	| "openssh"
	| "ssh-public"
	| "pkcs8-encrypted"
	| "pem-legacy-encrypted";
