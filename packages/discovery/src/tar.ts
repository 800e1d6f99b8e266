/** Tar reader (POSIX ustar, GNU and pax extensions) over an in-memory buffer; members are views, never copies. */

const BLOCK = 512;
const MAGIC_OFFSET = 257;
const USTAR = Buffer.from("ustar", "latin1");
/** POSIX ustar's magic; GNU's ("ustar  ") reuses the prefix field for times, so only ustar has a prefix. */
const POSIX_MAGIC = Buffer.from("ustar\0", "latin1");
const CHECKSUM_OFFSET = 148;
const CHECKSUM_LENGTH = 8;
const SPACE = 0x20;

export interface TarEntry {
	name: string;
	/** Links, devices and FIFOs have no content of their own; only `file` entries are opened. */
	type: "file" | "directory" | "special";
	data: Buffer;
}

function field(header: Buffer, offset: number, length: number): string {
	const raw = header.subarray(offset, offset + length);
	const end = raw.indexOf(0);
	return raw.subarray(0, end === -1 ? length : end).toString("utf8");
}

function octal(header: Buffer, offset: number, length: number): number | undefined {
	// GNU base-256: the high bit of the first byte marks a big-endian binary number (sizes of 8 GiB and more).
	if ((header[offset] as number) & 0x80) {
		let value = (header[offset] as number) & 0x7f;
		for (let i = 1; i < length; i++) value = value * 256 + (header[offset + i] as number);
		return value;
	}
	const text = field(header, offset, length).trim();
	return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : text === "" ? 0 : undefined;
}

function checksumMatches(header: Buffer): boolean {
	const stored = octal(header, CHECKSUM_OFFSET, CHECKSUM_LENGTH);
	let sum = CHECKSUM_LENGTH * SPACE;
	for (let i = 0; i < BLOCK; i++) {
		if (i < CHECKSUM_OFFSET || i >= CHECKSUM_OFFSET + CHECKSUM_LENGTH) sum += header[i] as number;
	}
	return stored === sum;
}

/** A ustar or GNU tar: the magic at offset 257 and a header whose checksum adds up. */
export function isTar(bytes: Buffer): boolean {
	return (
		bytes.length >= BLOCK &&
		bytes.compare(USTAR, 0, USTAR.length, MAGIC_OFFSET, MAGIC_OFFSET + USTAR.length) === 0 &&
		checksumMatches(bytes.subarray(0, BLOCK))
	);
}

/** The `path` record of a pax extended header ("<length> <key>=<value>\n" records). */
function paxPath(data: Buffer): string | undefined {
	let path: string | undefined;
	for (let pos = 0; pos < data.length; ) {
		const space = data.indexOf(SPACE, pos);
		const length = Number(data.subarray(pos, space).toString("latin1"));
		if (space === -1 || !Number.isInteger(length) || length <= 0) break;
		const record = data.subarray(space + 1, pos + length - 1).toString("utf8");
		if (record.startsWith("path=")) path = record.slice("path=".length);
		pos += length;
	}
	return path;
}

function isZeroBlock(header: Buffer): boolean {
	for (let i = 0; i < BLOCK; i++) if (header[i] !== 0) return false;
	return true;
}

function entryType(flag: string): TarEntry["type"] {
	if (flag === "0" || flag === "\0" || flag === "7") return "file";
	return flag === "5" ? "directory" : "special";
}

/** Members in order; throws on a corrupt header, after yielding everything before it. */
export function* tarEntries(bytes: Buffer): Generator<TarEntry> {
	let longName: string | undefined;
	let extendedPath: string | undefined;
	for (let pos = 0; pos + BLOCK <= bytes.length; ) {
		const header = bytes.subarray(pos, pos + BLOCK);
		if (header[0] === 0 && isZeroBlock(header)) return;
		const size = octal(header, 124, 12);
		if (size === undefined || !checksumMatches(header)) throw new Error(`corrupt tar header at offset ${pos}`);
		const start = pos + BLOCK;
		if (start + size > bytes.length) throw new Error(`tar member at offset ${pos} is truncated`);
		const data = bytes.subarray(start, start + size);
		pos = start + Math.ceil(size / BLOCK) * BLOCK;
		const flag = String.fromCharCode(header[156] as number);
		if (flag === "L") {
			longName = field(data, 0, data.length);
			continue;
		}
		if (flag === "x") {
			extendedPath = paxPath(data) ?? extendedPath;
			continue;
		}
		// Global pax headers and GNU long link names describe no member of their own.
		if (flag === "g" || flag === "K") continue;
		const posix = header.compare(POSIX_MAGIC, 0, POSIX_MAGIC.length, MAGIC_OFFSET, MAGIC_OFFSET + 6) === 0;
		const prefix = posix ? field(header, 345, 155) : "";
		const name = extendedPath ?? longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
		longName = undefined;
		extendedPath = undefined;
		yield { name, type: entryType(flag), data };
	}
}
