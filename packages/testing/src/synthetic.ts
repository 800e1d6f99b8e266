/**
 * Reproducible text for benchmark corpora: the same seed gives the same corpus on every run, so
 * runs measured on different days compare the same work.
 */
export const SYNTHETIC_WORDS = (
	"account address buffer cache client config context count data decode delete encode entry error event " +
	"file filter handler header index item key length limit list load logger manager message metric node " +
	"offset option order parse path payload queue reader record request response result retry route scan " +
	"schema session size source state status stream table task timeout token total update user value writer"
).split(" ");

export interface SeededText {
	/** Uniform in [0, 1), from mulberry32. */
	random(): number;
	pick<T>(items: readonly T[]): T;
	/** An integer from min to max, both included. */
	between(min: number, max: number): number;
	/** Two words in camelCase, like an identifier in code. */
	ident(): string;
	/** Four to twelve words, like a comment or a log message. */
	phrase(): string;
}

export function seededText(seed: number): SeededText {
	let state = seed >>> 0;
	const random = () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
	const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
	return {
		random,
		pick,
		between,
		ident: () => pick(SYNTHETIC_WORDS) + pick(SYNTHETIC_WORDS).replace(/^./, (c) => c.toUpperCase()),
		phrase: () => Array.from({ length: between(4, 12) }, () => pick(SYNTHETIC_WORDS)).join(" "),
	};
}
