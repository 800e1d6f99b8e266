import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { Artifact } from "./artifactory-listing.ts";

const PREFIX = "artifactory:v1:";
/** 64 bits of the digest tell a changed artifact from its previous version and keep the cursor small. */
const DIGEST_CHARS = 16;

/** What the cursor remembers of one artifact: its digest (sha256, else actual_sha1), or "" when it has none. */
export function fingerprint(artifact: Artifact): string {
	return (artifact.sha256 ?? artifact.sha1 ?? "").slice(0, DIGEST_CHARS);
}

/**
 * The inventory `repo/path/name → digest`, deflated: paths share long prefixes, so 100,000 artifacts
 * with Maven-style paths take about 2.4 MB instead of 10.
 */
export function encodeCursor(inventory: ReadonlyMap<string, string>): string {
	const entries = [...inventory].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return PREFIX + deflateRawSync(JSON.stringify(entries)).toString("base64");
}

/** The inventory a cursor holds, or null when it is not one of ours (a full scan follows). */
export function decodeCursor(cursor: string | null): Map<string, string> | null {
	if (!cursor?.startsWith(PREFIX)) return null;
	try {
		const entries: unknown = JSON.parse(inflateRawSync(Buffer.from(cursor.slice(PREFIX.length), "base64")).toString());
		if (!Array.isArray(entries)) return null;
		const inventory = new Map<string, string>();
		for (const entry of entries) {
			if (!Array.isArray(entry) || typeof entry[0] !== "string" || typeof entry[1] !== "string") return null;
			inventory.set(entry[0], entry[1]);
		}
		return inventory;
	} catch {
		return null;
	}
}
