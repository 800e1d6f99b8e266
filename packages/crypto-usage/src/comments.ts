/** `slash`: `//` and `/* *\/` (C family); `hash`: `#` (Python, Ruby); `both`: PHP. */
export type CommentStyle = "slash" | "hash" | "both";

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const STAR = 0x2a;
const DOUBLE = 0x22;
const SINGLE = 0x27;
const BACKTICK = 0x60;
const OPEN_BRACKET = 0x5b;

let spaces = " ".repeat(256);

function blanks(length: number): string {
	while (spaces.length < length) spaces += spaces;
	return spaces.slice(0, length);
}

/** Pushes `text[start, end)` with everything but line breaks turned into spaces. */
function pushBlank(pieces: string[], text: string, start: number, end: number): void {
	let from = start;
	for (let newline = text.indexOf("\n", from); newline !== -1 && newline < end; newline = text.indexOf("\n", from)) {
		pieces.push(blanks(newline - from), "\n");
		from = newline + 1;
	}
	pieces.push(blanks(end - from));
}

/**
 * End of a string literal opening at `start`. Single- and double-quoted literals stop at a line break so that
 * a quote the scanner misreads (a Rust lifetime, a JS regex) costs at most one line; backtick literals (JS
 * templates, Go raw strings) and triple-quoted ones (Python, Java/Kotlin text blocks) span lines.
 */
function stringEnd(text: string, start: number, quote: number): number {
	if (quote !== BACKTICK && text.charCodeAt(start + 1) === quote && text.charCodeAt(start + 2) === quote) {
		const delimiter = quote === DOUBLE ? '"""' : "'''";
		const close = text.indexOf(delimiter, start + 3);
		return close === -1 ? text.length : close + 3;
	}
	for (let at = start + 1; at < text.length; at++) {
		const code = text.charCodeAt(at);
		if (code === BACKSLASH) at++;
		else if (code === quote) return at + 1;
		else if (code === NEWLINE && quote !== BACKTICK) return at;
	}
	return text.length;
}

function lineEnd(text: string, from: number): number {
	const end = text.indexOf("\n", from);
	return end === -1 ? text.length : end;
}

const STOPS: Readonly<Record<CommentStyle, readonly string[]>> = {
	slash: ["/", '"', "'", "`"],
	hash: ["#", '"', "'", "`"],
	both: ["/", "#", '"', "'", "`"],
};

/**
 * The text with comments blanked (every character but line breaks becomes a space), so offsets and line
 * numbers stay those of the original. String literals are kept: algorithm names live in them. A scanner, not a
 * parser: it knows quotes and comment markers, nothing else. It jumps between those characters with `indexOf`
 * (memchr) rather than looking at every character.
 */
export function blankComments(text: string, style: CommentStyle): string {
	const stops = STOPS[style];
	const next = stops.map((stop) => text.indexOf(stop));
	const pieces: string[] = [];
	let copied = 0;
	let at = 0;
	for (;;) {
		let found = -1;
		for (let i = 0; i < stops.length; i++) {
			let position = next[i] as number;
			if (position !== -1 && position < at) {
				position = text.indexOf(stops[i] as string, at);
				next[i] = position;
			}
			if (position !== -1 && (found === -1 || position < found)) found = position;
		}
		if (found === -1) break;
		at = found;
		const code = text.charCodeAt(at);
		if (code === DOUBLE || code === SINGLE || code === BACKTICK) {
			at = stringEnd(text, at, code);
			continue;
		}
		let commentEnd = -1;
		if (code === SLASH) {
			const following = text.charCodeAt(at + 1);
			if (following === SLASH) commentEnd = lineEnd(text, at);
			else if (following === STAR) {
				const close = text.indexOf("*/", at + 2);
				commentEnd = close === -1 ? text.length : close + 2;
			}
		} else if (!(style === "both" && text.charCodeAt(at + 1) === OPEN_BRACKET)) {
			// A `#`; in PHP, `#[...]` is an attribute rather than a comment.
			commentEnd = lineEnd(text, at);
		}
		if (commentEnd === -1) {
			at++;
			continue;
		}
		pieces.push(text.slice(copied, at));
		pushBlank(pieces, text, at, commentEnd);
		copied = at = commentEnd;
	}
	if (copied === 0) return text;
	pieces.push(text.slice(copied));
	return pieces.join("");
}

/** `#` at the start of a line or after a blank: what config formats (nginx, sshd, properties, YAML) call a comment. */
const HASH_LINE_COMMENT = /(^|[ \t])#[^\n]*/gm;

export function blankHashComments(text: string): string {
	if (!text.includes("#")) return text;
	return text.replace(HASH_LINE_COMMENT, (comment, lead: string) => lead + " ".repeat(comment.length - lead.length));
}
