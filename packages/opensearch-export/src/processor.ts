import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@opensearch-project/opensearch";
import type { Database } from "@sensorium/db";
import type { ExportQueue } from "@sensorium/queue";
import { BulkRequestFailed, describeClientError, sendBulk, statusOf } from "./bulk.ts";
import { type BulkItem, bulkItem, type ExportedFinding } from "./documents.ts";
import { InvalidIndexName, indexTemplate, indexTemplateName } from "./indices.ts";
import {
	claimExport,
	completeExport,
	exportPage,
	exportTarget,
	failExport,
	getExport,
	recordBatch,
	scheduleRetry,
} from "./outbox.ts";
import { type Backoff, backoffDelay } from "./retry.ts";

export interface ExportMetricsSink {
	documents(outcome: "exported" | "failed", count: number): void;
	request(outcome: "ok" | "retry" | "failed"): void;
}

export interface ExporterDeps {
	db: Database;
	client: Client;
	queue: ExportQueue;
	indexPrefix: string;
	maxDocs: number;
	maxBytes: number;
	/** How long an export stays ours without progress before another exporter may take it. */
	leaseMs: number;
	/** Whole-request retries (from the export row) and per-item 429 rounds (in process). */
	backoff: Backoff;
	itemBackoff: Backoff;
	itemRetryRounds: number;
	logger: {
		info(obj: object, msg: string): void;
		warn(obj: object, msg: string): void;
		error(obj: object, msg: string): void;
	};
	metrics?: ExportMetricsSink;
}

export type ExportResult =
	| { outcome: "done" | "failed"; exported: number; failed: number }
	| { outcome: "retry"; afterMs: number; error: string }
	| { outcome: "skipped"; reason: string };

class LostExport extends Error {}

type Rejected = { findingId: string; status: number; error: string };

/**
 * Installs the index template once per process, before the first bulk request, and again after a
 * failure: a cluster that is down at start-up gets its template when it comes back.
 */
export class TemplateInstaller {
	/** The install in flight or done; cleared on failure so the next export tries again. */
	private install: Promise<void> | null = null;

	constructor(
		private readonly client: Client,
		private readonly prefix: string,
	) {}

	ensure(): Promise<void> {
		this.install ??= this.put().catch((error) => {
			this.install = null;
			throw error;
		});
		return this.install;
	}

	private async put(): Promise<void> {
		try {
			await this.client.indices.putIndexTemplate({
				name: indexTemplateName(this.prefix),
				body: indexTemplate(this.prefix),
			});
		} catch (error) {
			const status = statusOf(error);
			throw new BulkRequestFailed(
				`Installing the index template failed: ${describeClientError(error)}`,
				status === null || status === 429 || status >= 500,
				status,
			);
		}
	}
}

/** Splits items into requests of at most `maxBytes` of NDJSON (one oversized item goes alone). */
export function chunkBySize(items: readonly BulkItem[], maxBytes: number): BulkItem[][] {
	const chunks: BulkItem[][] = [];
	let current: BulkItem[] = [];
	let bytes = 0;
	for (const item of items) {
		const size = Buffer.byteLength(item.lines);
		if (current.length > 0 && bytes + size > maxBytes) {
			chunks.push(current);
			current = [];
			bytes = 0;
		}
		current.push(item);
		bytes += size;
	}
	if (current.length > 0) chunks.push(current);
	return chunks;
}

/**
 * Sends one chunk; items answered 429 are sent again (only those) for `itemRetryRounds` rounds.
 * Returns the rejected items; throws BulkRequestFailed for a whole-request failure, or when
 * items are still refused after the last round (the export then resumes from this chunk later).
 */
async function sendChunk(deps: ExporterDeps, chunk: BulkItem[]): Promise<{ indexed: number; rejected: Rejected[] }> {
	let pending = chunk;
	const rejected: Rejected[] = [];
	let indexed = 0;
	for (let round = 0; ; round++) {
		const results = await sendBulk(deps.client, pending);
		deps.metrics?.request("ok");
		const again: BulkItem[] = [];
		results.forEach((result, i) => {
			const item = pending[i] as BulkItem;
			if (result.outcome === "indexed") indexed++;
			else if (result.outcome === "retry") again.push(item);
			else rejected.push({ findingId: item.id, status: result.status, error: result.error });
		});
		if (again.length === 0) return { indexed, rejected };
		if (round >= deps.itemRetryRounds) {
			throw new BulkRequestFailed(
				`${again.length} documents still refused with 429 after ${round + 1} tries`,
				true,
				429,
			);
		}
		await sleep(backoffDelay(deps.itemBackoff, round + 1));
		pending = again;
	}
}

/**
 * One run of one export: claim it, stream the execution's findings in pages of `maxDocs` from the
 * row's cursor, send each as `_bulk` requests of at most `maxBytes`, and record progress after
 * each. A whole-request failure puts it back to pending with a backoff (and a delayed job); the
 * export row decides, so a duplicate or stale job finds nothing to do.
 */
export async function runExport(
	deps: ExporterDeps,
	templates: TemplateInstaller,
	exportId: string,
): Promise<ExportResult> {
	const current = await getExport(deps.db, exportId);
	if (!current) return { outcome: "skipped", reason: "missing" };
	if (current.state === "done" || current.state === "failed") return { outcome: "skipped", reason: current.state };
	const claimed = await claimExport(deps.db, exportId, deps.leaseMs);
	if (!claimed) return { outcome: "skipped", reason: "not due or held" };
	const held = { exportId, attempts: claimed.attempts };
	const target = await exportTarget(deps.db, claimed.executionId);
	if (!target) {
		await failExport(deps.db, held, "The execution no longer exists.");
		return { outcome: "failed", exported: 0, failed: 0 };
	}

	let cursor = claimed.cursor;
	let exported = 0;
	let failed = 0;
	try {
		await templates.ensure();
		for (;;) {
			const page: ExportedFinding[] = await exportPage(deps.db, target, cursor, deps.maxDocs);
			if (page.length === 0) break;
			const writtenAt = new Date();
			const items: BulkItem[] = [];
			// A finding no index can take (an organisation domain OpenSearch refuses) is rejected like an item error.
			const unsendable: Rejected[] = [];
			for (const f of page) {
				try {
					items.push(bulkItem(deps.indexPrefix, f, writtenAt));
				} catch (error) {
					if (!(error instanceof InvalidIndexName)) throw error;
					unsendable.push({ findingId: f.id, status: 400, error: error.message });
				}
			}
			const chunks = chunkBySize(items, deps.maxBytes);
			if (chunks.length === 0) chunks.push([]);
			for (const [n, chunk] of chunks.entries()) {
				const last = n === chunks.length - 1;
				const { indexed, rejected } = chunk.length > 0 ? await sendChunk(deps, chunk) : { indexed: 0, rejected: [] };
				// The page's unsendable findings are recorded with its last batch, whose cursor passes them.
				if (last) rejected.push(...unsendable);
				cursor = last ? (page.at(-1) as ExportedFinding).id : (chunk.at(-1) as BulkItem).id;
				if (!(await recordBatch(deps.db, held, { cursor, indexed, rejected }, deps.leaseMs))) throw new LostExport();
				exported += indexed;
				failed += rejected.length;
				deps.metrics?.documents("exported", indexed);
				if (rejected.length > 0) {
					deps.metrics?.documents("failed", rejected.length);
					deps.logger.warn({ exportId, rejected: rejected.slice(0, 5) }, "OpenSearch rejected documents");
				}
			}
			if (page.length < deps.maxDocs) break;
		}
	} catch (error) {
		if (error instanceof LostExport) return { outcome: "skipped", reason: "taken over" };
		if (!(error instanceof BulkRequestFailed)) throw error;
		if (!error.retryable) {
			deps.metrics?.request("failed");
			await failExport(deps.db, held, error.message);
			deps.logger.warn({ exportId, status: error.status, err: error.message }, "export failed");
			return { outcome: "failed", exported, failed };
		}
		deps.metrics?.request("retry");
		const afterMs = backoffDelay(deps.backoff, claimed.attempts);
		if (await scheduleRetry(deps.db, held, error.message, afterMs)) {
			await deps.queue
				.enqueueExport(exportId, claimed.attempts, afterMs)
				.catch((err) => deps.logger.warn({ err, exportId }, "retry not enqueued; the reconciler will"));
		}
		deps.logger.info({ exportId, attempt: claimed.attempts, afterMs, err: error.message }, "export will be retried");
		return { outcome: "retry", afterMs, error: error.message };
	}
	const state = await completeExport(deps.db, held);
	deps.logger.info({ exportId, executionId: claimed.executionId, exported, failed, state }, "export finished");
	return { outcome: state === "failed" ? "failed" : "done", exported, failed };
}
