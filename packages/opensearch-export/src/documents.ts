import type { FindingView } from "@sensorium/findings";
import { findingIndexName } from "./indices.ts";

export interface FindingDocument extends Omit<FindingView, "labels"> {
	/** The labels as one object (`labels.team: payments`), the later key winning. */
	labels: Record<string, string>;
	"@timestamp": string;
	first_found: string;
	/** The execution that last observed the finding. */
	executionId: string;
	orgId: string;
}

export interface BulkItem {
	index: string;
	id: string;
	/** The source line, serialised once so request sizing and retries reuse the same bytes. */
	source: string;
}

export function findingDocument(view: FindingView, orgId: string, writtenAt: Date): FindingDocument {
	return {
		...view,
		labels: Object.assign({}, ...view.labels),
		"@timestamp": writtenAt.toISOString(),
		first_found: view.firstSeenAt,
		executionId: view.lastSeenExecutionId,
		orgId,
	};
}

export function bulkItem(
	prefix: string,
	org: { id: string; domain: string | null },
	view: FindingView,
	writtenAt: Date,
): BulkItem {
	return {
		index: findingIndexName(prefix, org, view.kind),
		id: view.findingId,
		source: JSON.stringify(findingDocument(view, org.id, writtenAt)),
	};
}

/** The `index` action line and source line of one item, newline-terminated. */
export function ndjsonLines(item: BulkItem): string {
	return `${JSON.stringify({ index: { _index: item.index, _id: item.id } })}\n${item.source}\n`;
}

export function ndjsonBody(items: readonly BulkItem[]): string {
	let body = "";
	for (const item of items) body += ndjsonLines(item);
	return body;
}
