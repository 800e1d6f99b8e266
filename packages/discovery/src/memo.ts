import type { Asset } from "./types.ts";

/**
 * Parsing through OpenSSL costs 100-350 µs per structure, and the same certificates and keys recur across
 * files (vendored CA bundles, copied test fixtures), so parse results are remembered by content. Results are
 * a pure function of the content, so this changes nothing but speed.
 */
const MAX_ENTRIES = 4096;
const entries = new Map<string, Omit<Asset, "offset">[]>();

export function memoized(key: string, offset: number | null, parse: () => Asset[]): Asset[] {
	let cached = entries.get(key);
	if (cached) {
		// Re-inserting keeps Map order least-recently-used first, so eviction drops the stalest entry.
		entries.delete(key);
	} else {
		cached = parse().map(({ offset: _, ...located }) => located);
		if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
	}
	entries.set(key, cached);
	// Callers own what they get back, so a cached result is never shared between two of them.
	return cached.map((asset) => ({ ...structuredClone(asset), offset }));
}

/**
 * Outcomes of keystore password trials, by store content and password list. A PKCS#12 trial runs thousands of
 * KDF iterations per password in JavaScript (10-80 ms a store), and vendored test keystores recur across jars.
 */
const passwordMatches = new Map<string, string | null>();

export function memoizedPasswordMatch(key: string, trial: () => string | undefined): string | undefined {
	let match = passwordMatches.get(key);
	if (match === undefined) {
		match = trial() ?? null;
		if (passwordMatches.size >= MAX_ENTRIES) passwordMatches.delete(passwordMatches.keys().next().value as string);
		passwordMatches.set(key, match);
	}
	return match ?? undefined;
}

/** For benchmarks that must not let one run's parses speed up the next. */
export function clearParseCache(): void {
	entries.clear();
	passwordMatches.clear();
}
