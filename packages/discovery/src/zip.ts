/**
 * Zip reader over an in-memory buffer (zip, jar, war, ear, apk). Only the central directory is trusted for the
 * listing, as every unzip tool does; nothing is written anywhere.
 */

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIZE = 56;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
const EOCD_MAGIC = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;
/** Creator systems whose external attributes carry a Unix mode: Unix and macOS. */
const UNIX_HOSTS = new Set([3, 19]);
const MODE_TYPE = 0o170000;
const MODE_FILE = 0o100000;
const MODE_DIRECTORY = 0o040000;
const ZIP64_EXTRA = 0x0001;
const ZIP32_MAX = 0xffffffff;

export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;

export interface ZipEntry {
	name: string;
	/** Symlinks and other special files have no content worth reading; only `file` entries are opened. */
	type: "file" | "directory" | "special";
	method: number;
	encrypted: boolean;
	compressedSize: number;
	/** As declared by the archive, which may lie. */
	size: number;
	localHeader: number;
}

export interface ZipDirectory {
	entries: ZipEntry[];
	/** Set when the directory could not be read to the end: the entries before the damage are kept. */
	error?: string;
}

interface DirectoryLocation {
	start: number;
	end: number;
	count: number;
	/** Bytes in front of the archive (executable jars start with a shell script, self-extractors with a stub). */
	shift: number;
}

function u64(bytes: Buffer, at: number): number {
	return Number(bytes.readBigUInt64LE(at));
}

/** The end-of-central-directory record, searched backwards over the comment area, or undefined if not a zip. */
export function findZipDirectory(bytes: Buffer): DirectoryLocation | undefined {
	if (bytes.length < EOCD_SIZE) return undefined;
	const floor = Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT);
	// Searching a bounded window keeps a miss cheap: lastIndexOf on the whole buffer would scan all of it.
	const window = bytes.subarray(floor, bytes.length - EOCD_SIZE + EOCD_MAGIC.length);
	for (let at = window.lastIndexOf(EOCD_MAGIC); at !== -1; at = at > 0 ? window.lastIndexOf(EOCD_MAGIC, at - 1) : -1) {
		const found = directoryAt(bytes, floor + at);
		if (found) return found;
	}
	return undefined;
}

function directoryAt(bytes: Buffer, eocd: number): DirectoryLocation | undefined {
	if (bytes.readUInt32LE(eocd) !== EOCD_SIGNATURE) return undefined;
	let count = bytes.readUInt16LE(eocd + 10);
	let size = bytes.readUInt32LE(eocd + 12);
	let offset = bytes.readUInt32LE(eocd + 16);
	let directoryEnd = eocd;
	if (count === 0xffff || size === ZIP32_MAX || offset === ZIP32_MAX) {
		const zip64 = zip64Record(bytes, eocd);
		if (zip64 !== undefined) {
			count = u64(bytes, zip64 + 32);
			size = u64(bytes, zip64 + 40);
			offset = u64(bytes, zip64 + 48);
			directoryEnd = zip64;
		}
	}
	const shift = directoryEnd - size - offset;
	const start = offset + shift;
	if (shift < 0 || start < 0) return undefined;
	if (count > 0 && (start + 4 > bytes.length || bytes.readUInt32LE(start) !== CENTRAL_SIGNATURE)) return undefined;
	return { start, end: start + size, count, shift };
}

function zip64Record(bytes: Buffer, eocd: number): number | undefined {
	const locator = eocd - ZIP64_LOCATOR_SIZE;
	if (locator < 0 || bytes.readUInt32LE(locator) !== ZIP64_LOCATOR_SIGNATURE) return undefined;
	// The locator's offset is wrong when bytes were prepended; the record normally sits right before it.
	for (const at of [u64(bytes, locator + 8), locator - ZIP64_EOCD_SIZE]) {
		if (at >= 0 && at + ZIP64_EOCD_SIZE <= locator && bytes.readUInt32LE(at) === ZIP64_EOCD_SIGNATURE) return at;
	}
	return undefined;
}

/** Reads at most `limit` entries, so a directory claiming millions costs no more than the entry budget allows. */
export function readZipDirectory(bytes: Buffer, location: DirectoryLocation, limit: number): ZipDirectory {
	const entries: ZipEntry[] = [];
	const end = Math.min(location.end, bytes.length);
	let pos = location.start;
	for (let i = 0; i < location.count && entries.length < limit; i++) {
		if (pos + CENTRAL_SIZE > end || bytes.readUInt32LE(pos) !== CENTRAL_SIGNATURE) {
			return { entries, error: "central directory is truncated or corrupt" };
		}
		const nameLength = bytes.readUInt16LE(pos + 28);
		const extraLength = bytes.readUInt16LE(pos + 30);
		const next = pos + CENTRAL_SIZE + nameLength + extraLength + bytes.readUInt16LE(pos + 32);
		if (next > end) return { entries, error: "central directory is truncated or corrupt" };
		entries.push(centralEntry(bytes, pos, nameLength, extraLength, location.shift));
		pos = next;
	}
	return { entries };
}

function centralEntry(bytes: Buffer, pos: number, nameLength: number, extraLength: number, shift: number): ZipEntry {
	const flags = bytes.readUInt16LE(pos + 8);
	const nameBytes = bytes.subarray(pos + CENTRAL_SIZE, pos + CENTRAL_SIZE + nameLength);
	// Names without the UTF-8 flag are CP437, which matches latin1 on the ASCII every real path uses.
	const name = nameBytes.toString(flags & FLAG_UTF8 ? "utf8" : "latin1");
	const sizes = {
		size: bytes.readUInt32LE(pos + 24),
		compressedSize: bytes.readUInt32LE(pos + 20),
		localHeader: bytes.readUInt32LE(pos + 42),
	};
	readZip64Extra(bytes.subarray(pos + CENTRAL_SIZE + nameLength, pos + CENTRAL_SIZE + nameLength + extraLength), sizes);
	const mode = UNIX_HOSTS.has(bytes[pos + 5] as number) ? (bytes.readUInt32LE(pos + 38) >>> 16) & MODE_TYPE : 0;
	const type =
		name.endsWith("/") || mode === MODE_DIRECTORY ? "directory" : mode === 0 || mode === MODE_FILE ? "file" : "special";
	return {
		name,
		type,
		method: bytes.readUInt16LE(pos + 10),
		encrypted: (flags & FLAG_ENCRYPTED) !== 0,
		compressedSize: sizes.compressedSize,
		size: sizes.size,
		localHeader: sizes.localHeader + shift,
	};
}

/** Zip64 stores the real values of the 32-bit fields set to 0xffffffff, in this order, in extra field 0x0001. */
function readZip64Extra(extra: Buffer, sizes: { size: number; compressedSize: number; localHeader: number }): void {
	for (let pos = 0; pos + 4 <= extra.length; ) {
		const id = extra.readUInt16LE(pos);
		const length = extra.readUInt16LE(pos + 2);
		if (id === ZIP64_EXTRA) {
			let field = pos + 4;
			for (const key of ["size", "compressedSize", "localHeader"] as const) {
				if (sizes[key] !== ZIP32_MAX) continue;
				if (field + 8 > pos + 4 + length || field + 8 > extra.length) return;
				sizes[key] = u64(extra, field);
				field += 8;
			}
			return;
		}
		pos += 4 + length;
	}
}

/** The stored (possibly compressed) bytes of an entry, or undefined when its local header is missing or cut. */
export function zipEntryData(bytes: Buffer, entry: ZipEntry): Buffer | undefined {
	const at = entry.localHeader;
	if (at < 0 || at + LOCAL_SIZE > bytes.length || bytes.readUInt32LE(at) !== LOCAL_SIGNATURE) return undefined;
	const start = at + LOCAL_SIZE + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
	const end = start + entry.compressedSize;
	return end <= bytes.length ? bytes.subarray(start, end) : undefined;
}
