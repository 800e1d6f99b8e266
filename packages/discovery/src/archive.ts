import { gunzipSync, inflateRawSync } from "node:zlib";
import type { Scan } from "./scan.ts";
import { isTar, type TarEntry, tarEntries } from "./tar.ts";
import type { Discovery } from "./types.ts";
import {
	findZipDirectory,
	METHOD_DEFLATED,
	METHOD_STORED,
	readZipDirectory,
	type ZipEntry,
	zipEntryData,
} from "./zip.ts";

export type ArchiveFormat = "zip" | "tar" | "gzip";

/** How a member is scanned: `route`, passed in so that archives and files recurse through one entry point. */
export type ScanMember = (location: string, bytes: Buffer, scan: Scan, depth: number) => Discovery[];

const GZIP_FLAG_EXTRA = 0x04;
const GZIP_FLAG_NAME = 0x08;
const GZIP_HEADER = 10;
const GZIP_TRAILER = 8;

/**
 * Member names are labels, never paths: nothing is extracted, so `../` and absolute names cannot escape
 * anywhere. Control characters are replaced so a name cannot forge extra lines in logs or reports.
 */
function memberName(name: string): string {
	return name.replace(/\p{Cc}/gu, "\uFFFD");
}

function nested(name: string, discoveries: Discovery[]): Discovery[] {
	return discoveries.map(({ kind, identity, line, member, crypto }) => ({
		kind,
		identity,
		line,
		member: member ? `${name}!${member}` : name,
		crypto,
	}));
}

function zipDiscoveries(location: string, bytes: Buffer, scan: Scan, depth: number, scanMember: ScanMember) {
	const directory = findZipDirectory(bytes);
	if (!directory) {
		scan.warn(location, "not opened: no zip central directory (truncated or corrupt)");
		return [];
	}
	const { entries, error } = readZipDirectory(bytes, directory, scan.entriesLeft + 1);
	const found: Discovery[] = [];
	for (const entry of entries) {
		const name = memberName(entry.name);
		const here = `${location}!${name}`;
		if (!scan.admitEntry(here)) break;
		if (entry.type !== "file") continue;
		if (entry.encrypted) {
			scan.warn(here, "not opened: encrypted member");
			continue;
		}
		const content = scan.guard(here, "archive", undefined, () => zipMemberContent(bytes, entry, here, scan));
		if (content && content.length > 0) found.push(...nested(name, scanMember(here, content, scan, depth + 1)));
	}
	if (error) scan.warn(location, error);
	return found;
}

function zipMemberContent(bytes: Buffer, entry: ZipEntry, here: string, scan: Scan): Buffer | undefined {
	const data = zipEntryData(bytes, entry);
	let content: Buffer | undefined;
	if (!data) scan.warn(here, "not opened: local header missing or member cut off");
	else if (entry.method === METHOD_STORED) content = scan.fits(here, data.length) ? data : undefined;
	else if (entry.method === METHOD_DEFLATED) content = scan.decompress(here, data, entry.size, inflateRawSync);
	else scan.warn(here, `not opened: compression method ${entry.method} is not supported`);
	if (content) checkSize(here, content.length, entry.size, scan);
	return content;
}

/** Inflating with a sync flush hides truncation, which shows as a size other than the one the archive recorded. */
function checkSize(location: string, size: number, recorded: number, scan: Scan): void {
	if (size !== recorded) scan.warn(location, `${size} bytes recovered, ${recorded} recorded: truncated or corrupt`);
}

function tarDiscoveries(location: string, bytes: Buffer, scan: Scan, depth: number, scanMember: ScanMember) {
	const found: Discovery[] = [];
	const entries = tarEntries(bytes);
	for (;;) {
		let next: IteratorResult<TarEntry>;
		try {
			next = entries.next();
		} catch (error) {
			scan.warn(location, (error as Error).message);
			break;
		}
		if (next.done) break;
		const { type, data } = next.value;
		const name = memberName(next.value.name);
		const here = `${location}!${name}`;
		if (!scan.admitEntry(here)) break;
		if (type === "file" && data.length > 0 && scan.fits(here, data.length)) {
			found.push(...nested(name, scanMember(here, data, scan, depth + 1)));
		}
	}
	return found;
}

/** The name gzip recorded for its content, else the file's own name without its compression suffix. */
function gzipContentName(bytes: Buffer, location: string): string {
	const flags = bytes[3] as number;
	let pos = GZIP_HEADER;
	if (flags & GZIP_FLAG_EXTRA && pos + 2 <= bytes.length) pos += 2 + bytes.readUInt16LE(pos);
	if (flags & GZIP_FLAG_NAME) {
		const end = bytes.indexOf(0, pos);
		const recorded = end === -1 ? "" : bytes.subarray(pos, end).toString("latin1");
		const base = recorded.slice(Math.max(recorded.lastIndexOf("/"), recorded.lastIndexOf("\\")) + 1);
		if (base) return memberName(base);
	}
	const own = location.slice(Math.max(location.lastIndexOf("/"), location.lastIndexOf("!")) + 1);
	if (/\.tgz$/i.test(own)) return `${own.slice(0, -".tgz".length)}.tar`;
	return own.replace(/\.(gz|gzip|z)$/i, "") || own;
}

/**
 * A gzip stream. A compressed tar is one archive, so its members are named as the tar's: `x.tar.gz!etc/a.pem`.
 * The decompressed content is held whole, so it is bounded by maxFileBytes like any file.
 */
function gzipDiscoveries(location: string, bytes: Buffer, scan: Scan, depth: number, scanMember: ScanMember) {
	const name = gzipContentName(bytes, location);
	const here = `${location}!${name}`;
	if (!scan.admitEntry(here)) return [];
	// The trailer's ISIZE (size modulo 2^32, of the last gzip member only) is noise in a cut file, so it cannot
	// refuse anything up front; afterwards it shows truncation (a concatenation of gzip members warns too).
	const content = scan.decompress(here, bytes, 0, gunzipSync);
	if (!content) return [];
	const recorded = bytes.length >= GZIP_HEADER + GZIP_TRAILER ? bytes.readUInt32LE(bytes.length - 4) : -1;
	checkSize(here, content.length % 2 ** 32, recorded, scan);
	if (content.length === 0) return [];
	if (isTar(content)) return tarDiscoveries(location, content, scan, depth, scanMember);
	return nested(name, scanMember(here, content, scan, depth + 1));
}

/** Members of an archive, each scanned like a file of its own, within the scan's depth and budgets. */
export function archiveDiscoveries(
	format: ArchiveFormat,
	location: string,
	bytes: Buffer,
	scan: Scan,
	depth: number,
	scanMember: ScanMember,
): Discovery[] {
	if (!scan.open) return [];
	if (depth >= scan.archiveDepth) {
		scan.warn(location, `not opened: nested deeper than archiveDepth (${scan.archiveDepth})`);
		return [];
	}
	scan.startArchive();
	switch (format) {
		case "zip":
			return zipDiscoveries(location, bytes, scan, depth, scanMember);
		case "tar":
			return tarDiscoveries(location, bytes, scan, depth, scanMember);
		case "gzip":
			return gzipDiscoveries(location, bytes, scan, depth, scanMember);
	}
}
