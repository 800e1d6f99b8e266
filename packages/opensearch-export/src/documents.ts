import type { FindingView } from "@sensorium/findings";
import { findingIndexName } from "./indices.ts";

/** The indexed document: the findings API's view of the finding, plus what OpenSearch users query on. */
export interface FindingDocument extends Omit<FindingView, "labels"> {
	/** The labels as one object (`labels.team: payments`), the later key winning. */
	labels: Record<string, string>;
	"@timestamp": string;
	first_found: string;
	/** The execution that last observed the finding. */
	executionId: string;
	orgId: string;
}

/** A finding as the export reads it: `crypto` and `analysis` as Postgres's JSON text, spliced in unparsed. */
export interface ExportedFinding {
	id: string;
	orgId: string;
	sensorId: string;
	kind: string;
	identity: string;
	path: string;
	line: number;
	status: FindingView["status"];
	labels: Record<string, string>[];
	firstSeenExecutionId: string;
	lastSeenExecutionId: string;
	firstSeenAt: Date;
	lastSeenAt: Date;
	resolvedAt: Date | null;
	/** The container image layer that provided the file (Container Sensor), else null. */
	layerDigest: string | null;
	cryptoJson: string;
	analysisJson: string | null;
	org: { id: string; domain: string | null };
}

export interface BulkItem {
	index: string;
	id: string;
	/** The action line and the source line, newline-terminated: built once, sized and re-sent as is. */
	lines: string;
}

/**
 * The document's JSON. The large nested parts (`crypto`, `analysis`) go from Postgres's text
 * straight into the body instead of being parsed and serialised again: the exporter's main cost.
 */
export function documentSource(f: ExportedFinding, writtenAt: Date): string {
	const firstSeenAt = f.firstSeenAt.toISOString();
	const head: Omit<FindingDocument, "crypto" | "analysis"> = {
		version: 1,
		findingId: f.id,
		kind: f.kind,
		identity: f.identity,
		status: f.status,
		observation: {
			sensorId: f.sensorId,
			file: {
				path: f.path,
				line: f.line === 0 ? null : f.line,
				...(f.layerDigest ? { layerDigest: f.layerDigest } : {}),
			},
		},
		labels: Object.assign({}, ...f.labels),
		firstSeenExecutionId: f.firstSeenExecutionId,
		lastSeenExecutionId: f.lastSeenExecutionId,
		firstSeenAt,
		lastSeenAt: f.lastSeenAt.toISOString(),
		resolvedAt: f.resolvedAt?.toISOString() ?? null,
		"@timestamp": writtenAt.toISOString(),
		first_found: firstSeenAt,
		executionId: f.lastSeenExecutionId,
		orgId: f.orgId,
	};
	const json = JSON.stringify(head);
	return `${json.slice(0, -1)},"crypto":${f.cryptoJson},"analysis":${f.analysisJson ?? "null"}}`;
}

export function bulkItem(prefix: string, f: ExportedFinding, writtenAt: Date): BulkItem {
	const index = findingIndexName(prefix, f.org, f.kind);
	const action = JSON.stringify({ index: { _index: index, _id: f.id } });
	return { index, id: f.id, lines: `${action}\n${documentSource(f, writtenAt)}\n` };
}

export function ndjsonBody(items: readonly BulkItem[]): string {
	let body = "";
	for (const item of items) body += item.lines;
	return body;
}
