import { type Discovery, detectCryptoUsage } from "../src/index.ts";

/** `line identity` per finding, the compact form most assertions compare. */
export function identities(path: string, text: string): string[] {
	return detectCryptoUsage(path, text).map((found) => `${found.line} ${found.identity}`);
}

/** The attributes of the one finding with this identity, failing loudly when there is none or several. */
export function attributes(found: Discovery[], identity: string): Record<string, unknown> {
	const matches = found.filter((discovery) => discovery.identity === identity);
	if (matches.length !== 1) {
		throw new Error(`expected one ${identity}, got ${matches.length}: ${found.map((d) => d.identity).join(", ")}`);
	}
	const [match] = matches as [Discovery];
	return match.crypto[match.kind] as Record<string, unknown>;
}

/** Source lines joined with `\n`, so tests read like the file they describe. */
export const lines = (...text: string[]) => `${text.join("\n")}\n`;
