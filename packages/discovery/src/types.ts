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
	/** 1-based line where the asset starts in the file (or archive member); null for binary files. */
	line: number | null;
	/**
	 * Set when the asset was found inside an archive: the member chain below the scanned file, `!`-separated,
	 * e.g. `WEB-INF/lib/x.jar!META-INF/CERT.RSA` for a file `app.war`. Absent for the file's own content.
	 */
	member?: string;
	/**
	 * The `crypto` part of the finding document: an object with exactly one key, equal to `kind`, e.g.
	 * `{ x509: {...} }`. Never contains private key material, token values or passwords.
	 */
	crypto: Record<string, unknown>;
}

export interface DiscoveryOptions {
	/** Larger files, and larger archive members, are skipped without being looked at. Defaults to 8 MiB. */
	maxFileBytes?: number;
	/** Open zip/jar/war/ear/apk, tar, tar.gz and gz files. Defaults to true; keystores are read either way. */
	scanArchives?: boolean;
	/** How many archive layers are opened: 1 opens the file but no archive inside it. Defaults to 5. */
	archiveDepth?: number;
	/** Bytes all archives inside one scanned file may decompress, together. Defaults to 512 MiB. */
	archiveMaxDecompressedBytes?: number;
	/** Archive entries (directories included) looked at inside one scanned file. Defaults to 100,000. */
	archiveMaxEntries?: number;
	/** Milliseconds spent opening archive members of one scanned file. Defaults to 60,000. */
	archiveTimeLimitMs?: number;
	/**
	 * Passwords tried against keystore integrity checks (JKS/JCEKS hash, PKCS#12 MAC); a match is reported as a
	 * `default-password` weakness. Defaults to the well-known defaults in `DEFAULT_KEYSTORE_PASSWORDS`.
	 */
	keystorePasswords?: readonly string[];
}

/** The stage of a file's scan that failed on it; each file and archive member is isolated per stage. */
export type DiagnosticStage = "read" | "route" | "parse" | "keystore" | "archive" | "crypto-usage" | "analysis";

/** One file, or one member inside it, that a stage could not handle: the scan went on without it. */
export interface DiscoveryDiagnostic {
	/** The archive member chain below the scanned file, as in `Discovery.member`; absent for the file itself. */
	member?: string;
	stage: DiagnosticStage;
	/** The error's class name (`TypeError`, `RangeError`, …). */
	errorClass: string;
	/** Short and free of secrets: never file content, passwords or key material. */
	message: string;
}

/** What `discoverDetailed` returns: the findings, and why the scan of this file may be incomplete. */
export interface DiscoveryReport {
	discoveries: Discovery[];
	/** `<location>: <reason>` for budgets hit, members skipped and archives that could not be read. */
	warnings: string[];
	/** Stages that raised on this file or its members; what they would have found is missing. */
	diagnostics: DiscoveryDiagnostic[];
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
