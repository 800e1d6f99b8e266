import type { Database } from "@sensorium/db";
import { bulkItem, type ExportedFinding } from "./documents.ts";
import { exportPage, exportTarget, sensorPage } from "./outbox.ts";

/**
 * The bulk NDJSON the exporter would send, for an execution (what its export sends) or for every
 * finding of a sensor, page by page, for `curl --data-binary @file …/_bulk` into any cluster.
 */
export async function* bulkNdjson(
	db: Database,
	source: { executionId: string } | { sensorId: string },
	indexPrefix: string,
	pageSize = 1_000,
): AsyncGenerator<string> {
	const target = "executionId" in source ? await exportTarget(db, source.executionId) : null;
	let cursor: string | null = null;
	const writtenAt = new Date();
	for (;;) {
		const page: ExportedFinding[] = target
			? await exportPage(db, target, cursor, pageSize)
			: await sensorPage(db, (source as { sensorId: string }).sensorId, cursor, pageSize);
		if (page.length === 0) return;
		let chunk = "";
		for (const f of page) chunk += bulkItem(indexPrefix, f, writtenAt).lines;
		yield chunk;
		cursor = (page.at(-1) as ExportedFinding).id;
		if (page.length < pageSize) return;
	}
}
