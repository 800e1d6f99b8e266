/** What the cursor remembers of one configured image (under `reference|platform selection`). */
export interface ImageRecord {
	/** The digest the reference resolved to (the index's, or the manifest's). */
	digest: string;
	/** The manifest digest of each platform scanned ("" for an image without index). */
	platforms: Record<string, string>;
}

export type ImageInventory = Record<string, ImageRecord>;

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function encodeCursor(images: ImageInventory): string {
	return JSON.stringify({ images });
}

/** The inventory a cursor holds, or null when it is not one of ours (a full scan follows). */
export function decodeCursor(cursor: string | null): ImageInventory | null {
	if (!cursor) return null;
	let parsed: unknown;
	try {
		parsed = JSON.parse(cursor);
	} catch {
		return null;
	}
	const images = (parsed as { images?: unknown })?.images;
	if (typeof images !== "object" || images === null) return null;
	const inventory: ImageInventory = {};
	for (const [key, value] of Object.entries(images)) {
		const record = value as Partial<ImageRecord> | null;
		if (typeof record?.digest !== "string" || !DIGEST.test(record.digest)) return null;
		if (typeof record.platforms !== "object" || record.platforms === null) return null;
		const platforms: Record<string, string> = {};
		for (const [platform, digest] of Object.entries(record.platforms)) {
			if (typeof digest !== "string" || !DIGEST.test(digest)) return null;
			platforms[platform] = digest;
		}
		inventory[key] = { digest: record.digest, platforms };
	}
	return inventory;
}
