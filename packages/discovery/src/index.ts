import { route } from "./route.ts";
import type { Discovery, DiscoveryOptions } from "./types.ts";

export type { AssetKind, Discovery, DiscoveryOptions } from "./types.ts";

/** Bump on any change to what is detected or how it is described: it keys the incremental-scan cache. */
export const DETECTOR_VERSION = "1.0.0";

/** Files above this are skipped unless the caller sets `maxFileBytes`. */
export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Cryptographic assets in one file: X.509 certificates, private and public keys, JWT/JWE tokens. Every candidate
 * is confirmed by parsing it; nothing secret is kept in the result.
 */
export function discover(path: string, bytes: Uint8Array, options: DiscoveryOptions = {}): Discovery[] {
	const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
	if (bytes.length === 0 || bytes.length > maxFileBytes) return [];
	const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	return route(path, buffer);
}
