/**
 * Minimal DER reader and writer: enough to tell certificate and key structures apart, read the few
 * fields Node's crypto does not expose, and build SubjectPublicKeyInfo for SSH keys.
 */

export const TAG = {
	integer: 0x02,
	bitString: 0x03,
	octetString: 0x04,
	null: 0x05,
	oid: 0x06,
	utcTime: 0x17,
	generalizedTime: 0x18,
	sequence: 0x30,
	context0: 0xa0,
	context1: 0xa1,
} as const;

/** One element: its value occupies bytes[valueStart, end). */
export interface Tlv {
	tag: number;
	start: number;
	valueStart: number;
	end: number;
}

export function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv | undefined {
	if (offset + 2 > limit) return undefined;
	const tag = bytes[offset] as number;
	// Multi-byte tags never occur in the structures we read; refusing them keeps the walker tiny.
	if ((tag & 0x1f) === 0x1f) return undefined;
	let length = bytes[offset + 1] as number;
	let pos = offset + 2;
	if (length & 0x80) {
		const count = length & 0x7f;
		// count 0 is BER's indefinite length, which DER forbids.
		if (count === 0 || count > 4 || pos + count > limit) return undefined;
		length = 0;
		for (let i = 0; i < count; i++) length = length * 256 + (bytes[pos++] as number);
	}
	const end = pos + length;
	return end > limit ? undefined : { tag, start: offset, valueStart: pos, end };
}

export function readChildren(bytes: Uint8Array, parent: Tlv): Tlv[] | undefined {
	const children: Tlv[] = [];
	let pos = parent.valueStart;
	while (pos < parent.end) {
		const child = readTlv(bytes, pos, parent.end);
		if (!child) return undefined;
		children.push(child);
		pos = child.end;
	}
	return children;
}

/** The top-level element when it spans `bytes` exactly, which is what a DER file or PEM body must be. */
export function readWhole(bytes: Uint8Array): Tlv | undefined {
	const top = readTlv(bytes, 0);
	return top && top.end === bytes.length ? top : undefined;
}

export function decodeOid(bytes: Uint8Array, tlv: Tlv | undefined): string | undefined {
	if (!tlv || tlv.tag !== TAG.oid || tlv.end === tlv.valueStart) return undefined;
	const arcs: number[] = [];
	let value = 0;
	for (let i = tlv.valueStart; i < tlv.end; i++) {
		const byte = bytes[i] as number;
		value = value * 128 + (byte & 0x7f);
		if (!(byte & 0x80)) {
			arcs.push(value);
			value = 0;
		}
	}
	const head = arcs.shift() ?? 0;
	const top = head >= 80 ? 2 : Math.floor(head / 40);
	return [top, head - top * 40, ...arcs].join(".");
}

/** Small non-negative INTEGER value (versions, iteration counts); undefined when too large or not an INTEGER. */
export function decodeSmallInteger(bytes: Uint8Array, tlv: Tlv | undefined): number | undefined {
	if (!tlv || tlv.tag !== TAG.integer || tlv.end === tlv.valueStart || tlv.end - tlv.valueStart > 4) return undefined;
	if ((bytes[tlv.valueStart] as number) & 0x80) return undefined;
	let value = 0;
	for (let i = tlv.valueStart; i < tlv.end; i++) value = value * 256 + (bytes[i] as number);
	return value;
}

/** UTCTime or GeneralizedTime in the `Z` form RFC 5280 mandates, as ISO 8601. */
export function decodeTime(bytes: Uint8Array, tlv: Tlv | undefined): string | undefined {
	if (!tlv) return undefined;
	const text = Buffer.from(bytes.subarray(tlv.valueStart, tlv.end)).toString("latin1");
	const utc = tlv.tag === TAG.utcTime ? /^(\d\d)(\d{10})Z$/.exec(text) : null;
	const generalized = tlv.tag === TAG.generalizedTime ? /^(\d{4})(\d{10})(?:\.\d+)?Z$/.exec(text) : null;
	const match = utc ?? generalized;
	if (!match) return undefined;
	let year = Number(match[1]);
	// RFC 5280 4.1.2.5.1: two-digit years 50-99 are 19xx.
	if (utc) year += year >= 50 ? 1900 : 2000;
	const rest = match[2] as string;
	const part = (at: number) => Number(rest.slice(at, at + 2));
	const date = new Date(Date.UTC(year, part(0) - 1, part(2), part(4), part(6), part(8)));
	// Date.UTC maps years 0-99 to 1900-1999, so set the year explicitly.
	date.setUTCFullYear(year);
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function encodeLength(length: number): Uint8Array {
	if (length < 0x80) return Uint8Array.of(length);
	const octets: number[] = [];
	for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
	return Uint8Array.of(0x80 | octets.length, ...octets);
}

export function encodeTlv(tag: number, ...parts: Uint8Array[]): Buffer {
	const value = Buffer.concat(parts);
	return Buffer.concat([Uint8Array.of(tag), encodeLength(value.length), value]);
}

/** INTEGER from an unsigned big-endian magnitude (SSH mpints are also accepted, their sign byte is re-derived). */
export function encodeUnsignedInteger(magnitude: Uint8Array): Buffer {
	let start = 0;
	while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
	const trimmed = magnitude.subarray(start);
	const needsSignByte = trimmed.length === 0 || ((trimmed[0] as number) & 0x80) !== 0;
	return encodeTlv(TAG.integer, needsSignByte ? Uint8Array.of(0) : new Uint8Array(0), trimmed);
}

export function encodeOid(dotted: string): Buffer {
	const arcs = dotted.split(".").map(Number);
	const values = [(arcs[0] ?? 0) * 40 + (arcs[1] ?? 0), ...arcs.slice(2)];
	const octets: number[] = [];
	for (const value of values) {
		const group = [value & 0x7f];
		for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128))
			group.unshift(0x80 | (rest & 0x7f));
		octets.push(...group);
	}
	return encodeTlv(TAG.oid, Uint8Array.from(octets));
}
