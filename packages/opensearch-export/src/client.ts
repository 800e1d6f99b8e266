import { readFileSync } from "node:fs";
import { Client } from "@opensearch-project/opensearch";

export interface OpenSearchSettings {
	nodes: string[];
	username?: string;
	password?: string;
	apiKey?: string;
	/** PEM of the cluster's CA; without it the system's trust store decides (verification stays on). */
	caCertFile?: string;
	requestTimeoutMs: number;
}

/**
 * The official client with its own retries off: one retry layer (ours, driven by the export row)
 * decides what is re-sent and when, and the outbox survives a restart in between.
 */
export function createOpenSearchClient(settings: OpenSearchSettings): Client {
	return new Client({
		nodes: settings.nodes,
		maxRetries: 0,
		requestTimeout: settings.requestTimeoutMs,
		compression: undefined,
		...(settings.username !== undefined
			? { auth: { username: settings.username, password: settings.password ?? "" } }
			: {}),
		...(settings.apiKey ? { headers: { authorization: `ApiKey ${settings.apiKey}` } } : {}),
		ssl: { rejectUnauthorized: true, ...(settings.caCertFile ? { ca: readFileSync(settings.caCertFile) } : {}) },
	});
}
