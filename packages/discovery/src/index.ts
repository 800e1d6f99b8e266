import { route } from "./route.ts";
import { Scan } from "./scan.ts";
import type { Discovery, DiscoveryOptions, DiscoveryReport } from "./types.ts";

export { DEFAULT_KEYSTORE_PASSWORDS } from "./scan.ts";
export type {
	AssetKind,
	DiagnosticStage,
	Discovery,
	DiscoveryDiagnostic,
	DiscoveryOptions,
	DiscoveryReport,
} from "./types.ts";

/** Bump on any change to what is detected or how it is described: it keys the incremental-scan cache. */
export const DETECTOR_VERSION = "1.2.1";

/**
 * Cryptographic assets in one file: X.509 certificates, private and public keys, JWT/JWE tokens, keystores,
 * and the same inside archives. Every candidate is confirmed by parsing it; nothing secret is kept in the result.
 */
export function discover(path: string, bytes: Uint8Array, options: DiscoveryOptions = {}): Discovery[] {
	return discoverDetailed(path, bytes, options).discoveries;
}

/**
 * `discover`, plus warnings saying why the result may be incomplete: archive budgets or depth reached, members
 * skipped or unreadable, keystores that could not be parsed.
 */
export function discoverDetailed(path: string, bytes: Uint8Array, options: DiscoveryOptions = {}): DiscoveryReport {
	const scan = new Scan(options, path);
	if (bytes.length === 0 || !scan.fits(path, bytes.length))
		return { discoveries: [], warnings: scan.warnings, diagnostics: scan.diagnostics };
	const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	return { discoveries: route(path, buffer, scan, 0), warnings: scan.warnings, diagnostics: scan.diagnostics };
}
