import { derFileAssets } from "./der-file.ts";
import { textAssets } from "./text.ts";
import type { Asset, Discovery } from "./types.ts";

/** Git's own heuristic: a NUL byte early in the file means binary. */
const BINARY_SNIFF_BYTES = 8192;
const NEWLINE = 0x0a;

function extensionOf(path: string): string {
	const name = path.slice(path.lastIndexOf("/") + 1);
	const dot = name.lastIndexOf(".");
	return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

function isBinary(bytes: Buffer): boolean {
	return bytes.subarray(0, BINARY_SNIFF_BYTES).indexOf(0) !== -1;
}

/** Turns offsets into 1-based lines in one forward pass (assets are sorted) and drops repeats of (identity, line). */
function locate(bytes: Buffer, assets: Asset[]): Discovery[] {
	assets.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
	const seen = new Set<string>();
	const discoveries: Discovery[] = [];
	let line = 1;
	let counted = 0;
	for (const { kind, identity, offset, crypto } of assets) {
		if (offset !== null) {
			for (let at = bytes.indexOf(NEWLINE, counted); at !== -1 && at < offset; at = bytes.indexOf(NEWLINE, at + 1)) {
				line++;
			}
			counted = Math.max(counted, offset);
		}
		const located = offset === null ? null : line;
		const key = `${identity}\n${located}`;
		if (seen.has(key)) continue;
		seen.add(key);
		discoveries.push({ kind, identity, line: located, crypto });
	}
	return discoveries;
}

/** Magic bytes first (one DER structure), then extension (DER with trailing bytes), then content. */
export function route(path: string, bytes: Buffer): Discovery[] {
	const der = derFileAssets(bytes, extensionOf(path));
	if (der.length > 0) return locate(bytes, der);
	if (isBinary(bytes)) return [];
	return locate(bytes, textAssets(bytes));
}
