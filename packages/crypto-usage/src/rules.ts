import { postQuantum, pqcOid } from "./names.ts";
import type { Scan } from "./scan.ts";

export interface Rule {
	/** Global (`g`) pattern run over the comment-blanked text. */
	pattern: RegExp;
	/**
	 * Literals of which the file must contain one for the pattern to run, e.g. the library the API belongs to. Each
	 * is looked up once per file; worth it when it starts with a character rarer in code than the pattern's own.
	 */
	requires?: readonly string[];
	report(match: RegExpExecArray, scan: Scan): void;
}

/** One language's (or config format's) detection: cheap anchors first, then the patterns. */
export interface Detector {
	/** Literals one of which a file must contain before any pattern runs over it. */
	anchors: readonly string[];
	detect(scan: Scan): void;
}

/** Runs every rule over the file; matches that start inside a range a previous rule claimed are skipped. */
export function runRules(scan: Scan, rules: readonly Rule[]): void {
	const { text } = scan;
	const present = new Map<string, boolean>();
	const contains = (needle: string) => {
		let found = present.get(needle);
		if (found === undefined) {
			found = text.includes(needle);
			present.set(needle, found);
		}
		return found;
	};
	for (const { pattern, requires, report } of rules) {
		if (requires && !requires.some(contains)) continue;
		pattern.lastIndex = 0;
		for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
			if (match[0].length === 0) pattern.lastIndex++;
			else if (!scan.claimed(match.index)) report(match, scan);
		}
	}
}

/**
 * Rules behind one pass: `trigger`, an alternation of the names the rules start with, finds where any of them can
 * match, and each rule's own pattern then runs anchored (sticky) there. One alternation pass over a file costs a
 * fraction of a pass per rule. Every rule's pattern must start where a trigger match starts, and no trigger match
 * may swallow the start of another.
 */
export function dispatch(trigger: RegExp, rules: readonly Rule[]): Rule {
	const anchored = rules.map((rule) => ({
		...rule,
		pattern: new RegExp(rule.pattern.source, `${rule.pattern.flags.replace("g", "")}y`),
	}));
	return {
		pattern: trigger,
		report(match, scan) {
			for (const { pattern, report } of anchored) {
				if (scan.claimed(match.index)) return;
				pattern.lastIndex = match.index;
				const found = pattern.exec(scan.text);
				if (found) report(found, scan);
			}
		},
	};
}

/** The same `requires` for a group of rules, typically everything one library's API needs. */
export function gated(requires: readonly string[], rules: readonly Rule[]): Rule[] {
	return rules.map((rule) => ({ ...rule, requires }));
}

/** A rule whose match is reported and claimed, so that the generic rules leave it alone. */
export function claiming(pattern: RegExp, report: Rule["report"]): Rule {
	return {
		pattern,
		report(match, scan) {
			scan.claim(match.index, match.index + match[0].length);
			report(match, scan);
		},
	};
}

const OPEN = 0x28;
const CLOSE = 0x29;

/**
 * The argument text of the call whose `(` is at `open`, up to the matching `)` or `limit` characters: enough for
 * option objects spread over a few lines, bounded so a missing parenthesis costs little.
 */
export function callArguments(text: string, open: number, limit = 600): string {
	let depth = 0;
	const end = Math.min(text.length, open + limit);
	for (let at = open; at < end; at++) {
		const code = text.charCodeAt(at);
		if (code === OPEN) depth++;
		else if (code === CLOSE && --depth === 0) return text.slice(open + 1, at);
	}
	return text.slice(open + 1, end);
}

/** Offset of the `(` that ends the match; patterns built for `callArguments` end with `\(`. */
export function openParen(match: RegExpExecArray): number {
	return match.index + match[0].length - 1;
}

/** The arguments of the call the match ends in, claimed whole so generic rules leave its parts alone. */
export function claimCall(match: RegExpExecArray, scan: Scan): string {
	const open = openParen(match);
	const args = callArguments(scan.text, open);
	scan.claim(match.index, open + args.length + 2);
	return args;
}

/** The first match of a global `pattern` in `[from, limit)`. */
export function firstBetween(text: string, pattern: RegExp, from: number, limit: number): RegExpExecArray | undefined {
	pattern.lastIndex = from;
	const match = pattern.exec(text);
	return match && match.index < limit ? match : undefined;
}

/** The last match of a global `pattern` ending before `before`. */
export function lastBefore(text: string, pattern: RegExp, before: number): RegExpExecArray | undefined {
	let last: RegExpExecArray | undefined;
	pattern.lastIndex = 0;
	for (let match = pattern.exec(text); match && match.index < before; match = pattern.exec(text)) last = match;
	return last;
}

/** Every quoted string in `text`, e.g. the entries of an array literal. */
export function quoted(text: string): string[] {
	return [...text.matchAll(/(["'])([^"'\n]*)\1/g)].map((match) => match[2] as string);
}

/**
 * Post-quantum names in identifiers and strings (`MLKEM768`, `ML-DSA-65`, `Kyber512`, `MlKem768`, `X25519MLKEM768`),
 * in any language. Lower-case spellings (`mlkem768.`, `ml_kem768`) are package names, which the languages' own
 * rules read. Falcon needs its parameter set: the bare word is also a web framework.
 */
const PQC_NAME =
	/\b(?:X25519|SecP256r1|SecP384r1)?(?:ML[-_]?KEM|Ml[-_]?Kem|ML[-_]?DSA|Ml[-_]?Dsa|Kyber|KYBER|Dilithium|DILITHIUM|SLH[-_]?DSA|Slh[-_]?Dsa|SPHINCS(?:\+|Plus)?|Sphincs(?:Plus)?|Falcon[-_]?(?:512|1024)|FALCON[-_]?(?:512|1024)|FN[-_]?DSA)(?:[-_]?(?:\d+|SHA2|SHAKE)[\w-]*)?/g;

/** Capitalised only: every spelling above starts with one of these, and upper-case needles are cheap to look for. */
const PQC_NEEDLES = [
	"KEM",
	"Kem",
	"DSA",
	"Dsa",
	"Kyber",
	"KYBER",
	"Dilithium",
	"DILITHIUM",
	"SPHINCS",
	"Sphincs",
	"Falcon",
	"FALCON",
];

/** FIPS 203/204/205 OIDs written out in code. */
const PQC_OID = /(?<![\d.])2\.16\.840\.1\.101\.3\.4\.(?:4\.[1-3]|3\.(?:1[7-9]|2\d|3[01]))(?![\d.])/g;

const IMPORT_LINE = /^[ \t]*(?:import|from|#[ \t]*include|use|using|require|extern[ \t]+crate)\b/;

/** Import lines name packages (`@noble/post-quantum/ml-kem`), not the algorithm in use; the library rule has them. */
function onImportLine(text: string, at: number): boolean {
	return IMPORT_LINE.test(text.slice(text.lastIndexOf("\n", at - 1) + 1, at));
}

/** Appended to every language's rules: they run last and skip what a specific rule already explained. */
export const GENERIC_RULES: readonly Rule[] = [
	{
		pattern: PQC_OID,
		requires: ["2.16.840.1.101.3.4."],
		report: (match, scan) => scan.algorithm(match.index, pqcOid(match[0]), "OID", [match[0]]),
	},
	{
		pattern: PQC_NAME,
		requires: PQC_NEEDLES,
		report(match, scan) {
			if (!onImportLine(scan.text, match.index))
				scan.algorithm(match.index, postQuantum(match[0]), match[0], [match[0]]);
		},
	},
];

/** A detector for a programming language: its own rules, then the language-independent post-quantum ones. */
export function codeDetector(anchors: readonly string[], rules: readonly Rule[]): Detector {
	const all = [...rules, ...GENERIC_RULES];
	return { anchors: [...anchors, "2.16.840.1.101.3.4."], detect: (scan) => runRules(scan, all) };
}

export function configDetector(anchors: readonly string[], rules: readonly Rule[]): Detector {
	return { anchors, detect: (scan) => runRules(scan, rules) };
}
