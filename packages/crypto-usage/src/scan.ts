import { LIBRARIES, type LibraryId } from "./libraries.ts";
import type {
	AlgorithmAttributes,
	AlgorithmFacts,
	Discovery,
	Language,
	LibraryAttributes,
	ProtocolAttributes,
	ProtocolFacts,
} from "./types.ts";

const EVIDENCE_MAX = 200;
/** How much of a long (minified) line before the match the evidence shows. */
const EVIDENCE_LEAD = 60;
const BACKSLASH = 0x5c;

interface Literal {
	start: number;
	/** Exclusive; the line's end for a literal that continues on the next line. */
	end: number;
	closed: boolean;
}

function literals(line: string): Literal[] {
	const found: Literal[] = [];
	for (let at = 0; at < line.length; at++) {
		const quote = line.charCodeAt(at);
		if (quote !== 0x22 && quote !== 0x27 && quote !== 0x60) continue;
		let close = at + 1;
		while (close < line.length && line.charCodeAt(close) !== quote)
			close += line.charCodeAt(close) === BACKSLASH ? 2 : 1;
		const closed = close < line.length;
		found.push({ start: at, end: closed ? close + 1 : line.length, closed });
		at = closed ? close : line.length;
	}
	return found;
}

interface Entry {
	at: number;
	kind: Discovery["kind"];
	identity: string;
	/** Attributes without `evidence`, which is cut from the line once lines are known. */
	attributes: Record<string, unknown>;
	/** String literals the detector read; every other literal on the line is masked. */
	keep: readonly string[];
}

function algorithmIdentity(facts: AlgorithmFacts): string {
	const size = facts.curve ?? facts.parameterSetIdentifier ?? facts.keySize;
	const parts = [facts.name, facts.mode, facts.padding, facts.hash, size];
	return `algorithm:${parts.filter((part) => part !== undefined).join(":")}`;
}

/**
 * The line around `at`, trimmed and at most 200 characters, with string literals masked unless the detector read
 * them: a line that calls `hmac.new` may also hold the key. Literals are masked whole before anything is cut, and a
 * literal left open at the end of the line is masked to the end, so no part of a secret slips through.
 */
export function evidence(fullLine: string, at: number, keep: readonly string[]): string {
	const line = fullLine.trimEnd();
	let from = line.length - line.trimStart().length;
	let to = line.length;
	const spans = literals(line);
	if (to - from > EVIDENCE_MAX) {
		from = Math.max(from, Math.min(at - EVIDENCE_LEAD, to - EVIDENCE_MAX));
		to = Math.min(to, from + EVIDENCE_MAX);
		for (const { start, end } of spans) {
			if (start < from && end > from) from = start;
			if (start < to && end > to) to = end;
		}
	}
	let out = "";
	let copied = from;
	for (const { start, end, closed } of spans) {
		if (start < from || end > to) continue;
		if (closed && keep.includes(line.slice(start + 1, end - 1))) continue;
		const quote = line.charAt(start);
		out += `${line.slice(copied, start)}${quote}…${closed ? quote : ""}`;
		copied = end;
	}
	out += line.slice(copied, to);
	return out.trim().slice(0, EVIDENCE_MAX);
}

/**
 * One file's detection state: the comment-blanked text detectors match against, the findings so far by offset,
 * and the ranges a specific rule has already explained so that generic rules do not report them again.
 */
export class Scan {
	private readonly entries: Entry[] = [];
	private readonly libraries = new Map<LibraryId, { at: number; keep: readonly string[] }>();
	private readonly claims: number[] = [];

	constructor(
		readonly original: string,
		readonly text: string,
		readonly language: Language,
	) {}

	/** Earliest evidence wins: a library is reported once per file, at its first use or import. */
	library(at: number, id: LibraryId, keep: readonly string[] = []): void {
		const seen = this.libraries.get(id);
		if (seen === undefined || at < seen.at) this.libraries.set(id, { at, keep });
	}

	algorithm(at: number, facts: AlgorithmFacts | undefined, api: string, keep: readonly string[] = []): void {
		if (!facts) return;
		const attributes: Omit<AlgorithmAttributes, "evidence"> = { ...facts, language: this.language, api };
		this.entries.push({ at, kind: "algorithm", identity: algorithmIdentity(facts), attributes, keep });
	}

	protocol(at: number, facts: ProtocolFacts, source: string, keep: readonly string[] = []): void {
		const identity = `protocol:${facts.type}${facts.version ? `:${facts.version}` : ""}`;
		const attributes: Omit<ProtocolAttributes, "evidence"> = { ...facts, source };
		this.entries.push({ at, kind: "protocol", identity, attributes, keep });
	}

	/** Marks `[start, end)` as explained by a specific rule. */
	claim(start: number, end: number): void {
		this.claims.push(start, end);
	}

	claimed(at: number): boolean {
		for (let i = 0; i < this.claims.length; i += 2) {
			if (at >= (this.claims[i] as number) && at < (this.claims[i + 1] as number)) return true;
		}
		return false;
	}

	discoveries(): Discovery[] {
		for (const [id, { at, keep }] of this.libraries) {
			const attributes: Omit<LibraryAttributes, "evidence"> = { name: LIBRARIES[id], language: this.language };
			this.entries.push({ at, kind: "library", identity: `library:${id}`, attributes, keep });
		}
		this.entries.sort((a, b) => a.at - b.at);
		const seen = new Map<string, Record<string, unknown>>();
		const found: Discovery[] = [];
		let line = 1;
		let lineStart = 0;
		for (const { at, kind, identity, attributes, keep } of this.entries) {
			for (let next = this.original.indexOf("\n", lineStart); next !== -1 && next < at; ) {
				line++;
				lineStart = next + 1;
				next = this.original.indexOf("\n", lineStart);
			}
			const key = `${line}\n${identity}`;
			const kept = seen.get(key);
			if (kept) {
				// Same asset twice on a line (a constant named after its OID): the first names the API, facts combine.
				for (const [field, value] of Object.entries(attributes)) kept[field] ??= value;
				continue;
			}
			const end = this.original.indexOf("\n", at);
			const text = this.original.slice(lineStart, end === -1 ? this.original.length : end);
			const described = { ...attributes, evidence: evidence(text, at - lineStart, keep) };
			seen.set(key, described);
			found.push({ kind, identity, line, crypto: { [kind]: described } });
		}
		// File order, except that a library comes first on its line (an import naming an algorithm).
		return found.sort((a, b) => a.line - b.line || Number(a.kind !== "library") - Number(b.kind !== "library"));
	}
}
