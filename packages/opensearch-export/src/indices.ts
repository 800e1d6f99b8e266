/** Finding kinds grouped into the vendor's v3.5 index families. */
const INDEX_FAMILY: Readonly<Record<string, string>> = {
	x509: "x509",
	"trusted-cert": "x509",
	key: "key",
	"private-key": "key",
	"secret-key": "key",
	keystore: "keystore",
	"key-bag": "keystore",
	token: "token",
	algorithm: "algorithm",
	library: "library",
	protocol: "protocol",
};

export class InvalidIndexName extends Error {}

const FORBIDDEN = /[\\/*?"<>|,# :]/;

/**
 * OpenSearch's index-name rules: lowercase, not `.`/`..`, no leading `_`, `-` or `+`, none of
 * `\ / * ? " < > | , # :` or space, at most 255 bytes. Returns the reason it is invalid, or null.
 */
export function indexNameProblem(name: string): string | null {
	if (name.length === 0) return "must not be empty";
	if (name !== name.toLowerCase()) return "must be lowercase";
	if (name === "." || name === "..") return 'must not be "." or ".."';
	if (/^[_\-+]/.test(name)) return "must not start with '_', '-', or '+'";
	if (FORBIDDEN.test(name)) return 'must not contain \\, /, *, ?, ", <, >, |, space, comma, # or :';
	if (Buffer.byteLength(name) > 255) return "must be at most 255 bytes";
	return null;
}

/** The `<org>` segment: the organisation's domain, dots to underscores, lowercased; its id without one. */
export function organizationSegment(org: { id: string; domain: string | null }): string {
	return (org.domain ?? org.id).trim().toLowerCase().replaceAll(".", "_");
}

function indexFamily(kind: string): string {
	return INDEX_FAMILY[kind] ?? kind.toLowerCase();
}

/** `<prefix>.<org>.v3.event-<family>`, validated. */
export function findingIndexName(prefix: string, org: { id: string; domain: string | null }, kind: string): string {
	const name = `${prefix}.${organizationSegment(org)}.v3.event-${indexFamily(kind)}`;
	const problem = indexNameProblem(name);
	if (problem) throw new InvalidIndexName(`Invalid index name "${name}": ${problem}`);
	return name;
}

/** Validates the prefix at start-up so a bad OPENSEARCH_INDEX_PREFIX fails before any export. */
export function indexPrefixProblem(prefix: string): string | null {
	if (prefix.includes(".")) return "must not contain '.' (it separates the name's parts)";
	if (Buffer.byteLength(prefix) > 150) return "must be at most 150 bytes (the organisation and kind follow it)";
	return indexNameProblem(prefix);
}

export function indexTemplateName(prefix: string): string {
	return `${prefix}-findings`;
}

/** Explicit mappings for every findings index (ids as keyword, times as date, labels as flat_object, OpenSearch's flattened type). */
export function indexTemplate(prefix: string) {
	const keyword = { type: "keyword" } as const;
	const date = { type: "date" } as const;
	return {
		index_patterns: [`${prefix}.*.v3.event-*`],
		priority: 100,
		template: {
			mappings: {
				properties: {
					"@timestamp": date,
					first_found: date,
					version: { type: "integer" } as const,
					findingId: keyword,
					executionId: keyword,
					orgId: keyword,
					kind: keyword,
					identity: keyword,
					status: keyword,
					observation: {
						properties: {
							sensorId: keyword,
							file: { properties: { path: keyword, line: { type: "integer" } as const } },
						},
					},
					crypto: { type: "object" } as const,
					analysis: { type: "object" } as const,
					labels: { type: "flat_object" } as const,
					firstSeenExecutionId: keyword,
					lastSeenExecutionId: keyword,
					firstSeenAt: date,
					lastSeenAt: date,
					resolvedAt: date,
				},
			},
		},
		_meta: { description: "Sensorium findings (one document per finding, _id = finding id)" },
	};
}
