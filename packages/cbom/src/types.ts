/** A finding document as Sensorium stores it: one asset at one place, with the policy results for it. */
export interface FindingInput {
	findingId: string;
	kind: "x509" | "key" | "token" | "keystore" | "library" | "algorithm" | "protocol" | (string & {});
	/** Intrinsic identity, the same wherever the asset appears: "x509:<sha256>", "key:<sha256 of SPKI>", … */
	identity: string;
	status: "open" | "resolved";
	observation: {
		sensorId: string;
		/** `path` may name an archive member: `outer.war!WEB-INF/lib/x.jar!META-INF/CERT.RSA`. */
		file: { path: string; line: number | null };
	};
	/** Exactly one key, equal to `kind`, e.g. `{ x509: {...} }`. */
	crypto: Record<string, unknown>;
	analysis: { priority: string; reasons: { rule: string; priority: string; message: string }[] } | null;
	labels: Record<string, string>[];
}

/** What the CBOM describes, e.g. a sensor (by name) or one execution ("execution <id>"). */
export interface CbomSubject {
	name: string;
	version?: string;
	description?: string;
}

export interface CbomOptions {
	subject: CbomSubject;
	/** Defaults to now. */
	timestamp?: Date;
	/** `urn:uuid:<uuid>`; a bare UUID is accepted too. Defaults to a random one. */
	serialNumber?: string;
	/** Sensorium's version, recorded with the tool in `metadata.tools`. */
	toolVersion?: string;
}
