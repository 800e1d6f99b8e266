/**
 * PEM blocks in text, including blocks embedded in source code as string literals (escaped newlines,
 * concatenated literals, comment-prefixed lines). Only the armour is handled here; the body is confirmed by
 * the parsers the label routes to.
 */

export interface PemBlock {
	label: string;
	/** Offset of `-----BEGIN` in the text. */
	offset: number;
	/** RFC 1421 headers (`Proc-Type`, `DEK-Info`), names lower-cased. */
	headers: Map<string, string>;
	body: Buffer;
}

const PEM_LABELS = new Set([
	"CERTIFICATE",
	"X509 CERTIFICATE",
	"TRUSTED CERTIFICATE",
	"PKCS7",
	"CMS",
	"PRIVATE KEY",
	"ENCRYPTED PRIVATE KEY",
	"RSA PRIVATE KEY",
	"EC PRIVATE KEY",
	"DSA PRIVATE KEY",
	"OPENSSH PRIVATE KEY",
	"PUBLIC KEY",
	"RSA PUBLIC KEY",
]);

const BEGIN = "-----BEGIN ";
const DASHES = "-----";
const MAX_LABEL = 64;

/** Escaped line breaks (`\n`, `\r\n`, double-escaped `\\n`) and JSON's escaped slash. */
const ESCAPED_BREAK = /\\+[rnt]/g;
const ESCAPED_SLASH = /\\+\//g;
/** Prefixes of comment-style blocks, recognised only when the BEGIN line has the same prefix. */
const COMMENT_PREFIX = /(\/\/+|#+|\*|;+|--|%+)\s*$/;
/** How far before `-----BEGIN` a comment marker is looked for; bounded so a long minified line costs nothing. */
const COMMENT_WINDOW = 16;
/** Opening of a string literal (with concatenation operator or Python/C# prefixes) at the start of a line. */
const LEADING_LITERAL = /^[\s+,(]*[bBrRuUfF@]{0,2}["'`]/;
/** Literals joined on one line: `"..." + "..."` or `"..." "..."`. */
const INNER_JOIN = /["'`]\s*(?:\+\s*)?[bBrRuUfF@]{0,2}["'`]/g;
/** What may close a literal and join it to the next one at the end of a line. */
const TRAILING_JUNK = new Set([..." \t\"'`+,;)"]);
const OPENS_TAIL = new Set([..." \t\"'`"]);
const WHITESPACE = /\s+/g;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HEADER = /^([A-Za-z][A-Za-z0-9-]*):(.+)$/;

function commentPrefix(text: string, beginAt: number): string | undefined {
	const lineStart = text.lastIndexOf("\n", beginAt - 1) + 1;
	return COMMENT_PREFIX.exec(text.slice(Math.max(lineStart, beginAt - COMMENT_WINDOW), beginAt))?.[1];
}

/**
 * Drops a literal's closing quote and joining operator at the end of a line. The dropped tail must start at a
 * quote or space, so a base64 `+` that ends a bare PEM line survives. A loop rather than a regex: the regex
 * form backtracks quadratically on long runs of quotes.
 */
function stripTrailingLiteral(line: string): string {
	let junk = line.length;
	while (junk > 0 && TRAILING_JUNK.has(line.charAt(junk - 1))) junk--;
	for (let at = junk; at < line.length; at++) {
		if (OPENS_TAIL.has(line.charAt(at))) return line.slice(0, at);
	}
	return line;
}

function decodeBody(raw: string, comment: string | undefined): Pick<PemBlock, "headers" | "body"> | undefined {
	let unescaped = raw;
	if (raw.includes("\\")) unescaped = raw.replace(ESCAPED_BREAK, "\n").replace(ESCAPED_SLASH, "/");
	const headers = new Map<string, string>();
	let base64 = "";
	for (let line of unescaped.split("\n")) {
		line = line.trim();
		if (comment && line.startsWith(comment)) line = line.slice(comment.length);
		line = stripTrailingLiteral(line.replace(LEADING_LITERAL, "")).replace(INNER_JOIN, "").replace(WHITESPACE, "");
		if (line === "") continue;
		if (BASE64.test(line)) {
			base64 += line;
			continue;
		}
		const header = base64 === "" ? HEADER.exec(line) : null;
		if (!header) return undefined;
		headers.set((header[1] as string).toLowerCase(), header[2] as string);
	}
	// PEM bodies are always padded, so a length that is not a multiple of 4 means a cut or made-up body.
	if (base64.length < 16 || base64.length % 4 !== 0 || !BASE64.test(base64)) return undefined;
	return { headers, body: Buffer.from(base64, "base64") };
}

/** Blocks with a label we parse and a matching END marker; bodies that are not clean base64 are dropped. */
export function findPemBlocks(text: string, from: number): PemBlock[] {
	const blocks: PemBlock[] = [];
	// Per label, where its next END marker is (-1: none left), so unmatched BEGINs cost one search, not one each.
	const nextEnd = new Map<string, number>();
	let at = text.indexOf(BEGIN, from);
	while (at !== -1) {
		const labelStart = at + BEGIN.length;
		const labelEnd = text.indexOf(DASHES, labelStart);
		let resume = labelStart;
		const label = labelEnd !== -1 && labelEnd - labelStart <= MAX_LABEL ? text.slice(labelStart, labelEnd) : "";
		if (PEM_LABELS.has(label)) {
			const endMarker = `-----END ${label}-----`;
			const bodyStart = labelEnd + DASHES.length;
			let end = nextEnd.get(label);
			if (end === undefined || (end !== -1 && end < bodyStart)) {
				end = text.indexOf(endMarker, bodyStart);
				nextEnd.set(label, end);
			}
			const decoded = end !== -1 ? decodeBody(text.slice(bodyStart, end), commentPrefix(text, at)) : undefined;
			if (decoded) {
				blocks.push({ label, offset: at, ...decoded });
				resume = end + endMarker.length;
			}
		}
		at = text.indexOf(BEGIN, resume);
	}
	return blocks;
}
