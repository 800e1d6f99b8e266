import { blankComments, blankHashComments } from "./comments.ts";
import { route } from "./route.ts";
import { Scan } from "./scan.ts";
import type { Discovery } from "./types.ts";

export type {
	AlgorithmAttributes,
	Discovery,
	Language,
	LibraryAttributes,
	Mode,
	Padding,
	Primitive,
	ProtocolAttributes,
	ProtocolVersion,
} from "./types.ts";

/** Bump on any change to what is detected or how it is described: it keys the incremental-scan cache. */
export const CRYPTO_USAGE_VERSION = "1.0.0";

/** Whether `detectCryptoUsage` reads files at this path at all: a source or config file it has patterns for. */
export function isCryptoUsageCandidate(path: string): boolean {
	return route(path) !== undefined;
}

/**
 * Crypto libraries, algorithms (with mode, padding, key size, curve or parameter set) and protocol versions used
 * in one source or config file. Only the file's own language's patterns run, and only when one of its anchors
 * occurs in the text; comments are skipped. Results come in file order, one per identity per line.
 */
export function detectCryptoUsage(path: string, text: string): Discovery[] {
	const target = route(path);
	if (!target?.detector.anchors.some((anchor) => text.includes(anchor))) return [];
	const blanked = target.comments === "config" ? blankHashComments(text) : blankComments(text, target.comments);
	const scan = new Scan(text, blanked, target.language);
	target.detector.detect(scan);
	return scan.discoveries();
}
