import type { Client } from "@opensearch-project/opensearch";
import { type BulkItem, ndjsonBody } from "./documents.ts";
import { isRetryableStatus } from "./retry.ts";

export type ItemResult =
	| { outcome: "indexed" }
	/** The node was too busy for this item (429): send it again. */
	| { outcome: "retry" }
	| { outcome: "rejected"; status: number; error: string };

/** The whole `_bulk` request failed; `retryable` says whether sending the same body later can help. */
export class BulkRequestFailed extends Error {
	constructor(
		message: string,
		readonly retryable: boolean,
		readonly status: number | null,
	) {
		super(message);
	}
}

interface BulkResponseItem {
	status?: number;
	error?: { type?: string; reason?: string } | string;
}

function describe(error: BulkResponseItem["error"]): string {
	if (!error) return "unknown error";
	if (typeof error === "string") return error;
	return [error.type, error.reason].filter(Boolean).join(": ") || "unknown error";
}

export function statusOf(error: unknown): number | null {
	const meta = (error as { meta?: { statusCode?: number } }).meta;
	return typeof meta?.statusCode === "number" ? meta.statusCode : null;
}

/** A client error as a line for the export's `lastError`: the status and OpenSearch's own words. */
export function describeClientError(error: unknown): string {
	const status = statusOf(error);
	const message = error instanceof Error ? error.message : String(error);
	if (status === null) return message;
	const body = (error as { meta?: { body?: unknown } }).meta?.body;
	const detail =
		typeof body === "string"
			? body
			: body && typeof body === "object" && "error" in body
				? describe((body as { error: BulkResponseItem["error"] }).error)
				: message;
	return `HTTP ${status}: ${detail}`.slice(0, 500);
}

/**
 * Sends one `_bulk` request of `index` actions and maps the response items back to the request's
 * items by position (OpenSearch answers in request order). Only `index` actions are sent, never
 * mixed with deletes, and the client's bulk helper is not used (opensearch-js#1125).
 */
export async function sendBulk(client: Client, items: readonly BulkItem[]): Promise<ItemResult[]> {
	let body: { errors?: boolean; items?: Record<string, BulkResponseItem>[] };
	try {
		// The transport sends a string bulk body as it is: our NDJSON, built and sized once.
		const response = await client.bulk({ body: ndjsonBody(items) as never });
		body = response.body as typeof body;
	} catch (error) {
		const status = statusOf(error);
		// No status: the request never got an answer (refused, reset, timeout).
		throw new BulkRequestFailed(describeClientError(error), status === null || isRetryableStatus(status), status);
	}
	const answered = body.items ?? [];
	if (answered.length !== items.length) {
		throw new BulkRequestFailed(`_bulk answered ${answered.length} items for ${items.length} actions`, true, null);
	}
	return answered.map((entry): ItemResult => {
		const result = entry.index ?? Object.values(entry)[0] ?? {};
		const status = result.status ?? 500;
		if (status >= 200 && status < 300) return { outcome: "indexed" };
		if (status === 429) return { outcome: "retry" };
		return { outcome: "rejected", status, error: describe(result.error) };
	});
}
