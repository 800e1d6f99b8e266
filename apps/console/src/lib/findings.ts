import { formatLocation } from "./format.ts";
import type { Finding } from "./types.ts";

const KIND_LABELS: Record<string, string> = {
	x509: "Certificate",
	key: "Key",
	token: "Token",
	keystore: "Keystore",
	library: "Library",
	algorithm: "Algorithm",
	protocol: "Protocol",
};

export function kindLabel(kind: string): string {
	return KIND_LABELS[kind] ?? kind;
}

/** One row of the findings table; every column is optional because each asset kind has different facts. */
export interface FindingRow {
	id: string;
	kind: string;
	type: string;
	/** What the asset is, in a few words: a certificate's subject, "private-key", a library's name. */
	subject: string | null;
	location: string;
	algorithm: string | null;
	keySize: string | null;
	expiry: string | null;
	priority: string | null;
	reasons: string[];
	attributes: [string, string][];
}

type Attributes = Record<string, unknown>;

const isObject = (value: unknown): value is Attributes =>
	typeof value === "object" && value !== null && !Array.isArray(value);

const text = (value: unknown): string | null =>
	typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : null;

/** The kind's section of `crypto` (`crypto.x509` for a certificate); the first section if the kind is new to us. */
function attributesOf(finding: Finding): Attributes {
	const own = finding.crypto[finding.kind];
	if (isObject(own)) return own;
	const first = Object.values(finding.crypto).find(isObject);
	return first ?? {};
}

/** "2048-bit", "256-bit (P-256)", "P-256" when only the curve is known. */
function keySizeOf(facts: Attributes): string | null {
	const size = typeof facts.size === "number" ? `${facts.size}-bit` : null;
	const curve = text(facts.curve);
	if (size && curve) return `${size} (${curve})`;
	return size ?? curve;
}

/** What the asset is, in a few words, for the kinds that have something to say. */
function subjectOf(kind: string, facts: Attributes): string | null {
	switch (kind) {
		case "x509":
			return text(facts.subject);
		case "key":
			return text(facts.type);
		case "token":
			return text(facts.type)?.toUpperCase() ?? null;
		case "keystore":
			return text(facts.weakness) ?? text(facts.type);
		case "library":
			return text(facts.name);
		case "algorithm":
			return text(facts.primitive);
		case "protocol":
			return [text(facts.type), text(facts.version)].filter(Boolean).join(" ") || null;
		default:
			return text(facts.subject) ?? text(facts.name);
	}
}

/**
 * The table's columns from whatever the discovery engine recorded: certificates keep their key
 * under `publicKey`, tokens name their algorithm `alg`, code findings `name`.
 */
export function describeFinding(finding: Finding): FindingRow {
	const facts = attributesOf(finding);
	const keyFacts = isObject(facts.publicKey) ? facts.publicKey : facts;
	const claims = isObject(facts.claims) ? facts.claims : {};
	const algorithm =
		text(keyFacts.algorithm) ?? text(facts.alg) ?? (finding.kind === "algorithm" ? text(facts.name) : null);
	return {
		id: finding.findingId,
		kind: finding.kind,
		type: kindLabel(finding.kind),
		subject: subjectOf(finding.kind, facts),
		location: formatLocation(finding.observation.file.path, finding.observation.file.line),
		algorithm,
		keySize: keySizeOf(keyFacts),
		expiry: text(facts.notValidAfter) ?? text(claims.exp),
		priority: text(finding.analysis?.priority),
		reasons: (finding.analysis?.reasons ?? []).map((reason) => `${reason.message} (${reason.priority})`),
		attributes: flattenAttributes(facts),
	};
}

/** Every recorded fact as "path: value" pairs, nested objects dotted, for the detail view. */
export function flattenAttributes(value: Attributes, prefix = ""): [string, string][] {
	return Object.entries(value).flatMap(([key, inner]): [string, string][] => {
		const path = prefix ? `${prefix}.${key}` : key;
		if (isObject(inner)) return flattenAttributes(inner, path);
		if (Array.isArray(inner))
			return [[path, inner.map((item) => (isObject(item) ? JSON.stringify(item) : String(item))).join(", ")]];
		if (inner === null || inner === undefined) return [];
		return [[path, String(inner)]];
	});
}
