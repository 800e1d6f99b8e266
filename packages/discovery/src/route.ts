import { type ArchiveFormat, archiveDiscoveries } from "./archive.ts";
import { derFileAssets } from "./der-file.ts";
import { JCEKS_MAGIC, JKS_MAGIC, javaKeystoreAssets } from "./jks.ts";
import { isPkcs12, pkcs12Assets } from "./pkcs12.ts";
import type { Scan } from "./scan.ts";
import { isTar } from "./tar.ts";
import { textAssets } from "./text.ts";
import type { Asset, Discovery } from "./types.ts";
import { findZipDirectory } from "./zip.ts";

/** Git's own heuristic: a NUL byte early in the file means binary. */
const BINARY_SNIFF_BYTES = 8192;
const NEWLINE = 0x0a;

/** Zip-based formats, looked into even when they start as text: executable jars begin with a shell script. */
const ZIP_EXTENSIONS = new Set(["zip", "jar", "war", "ear", "apk", "aar"]);
/** Names that promise an archive: a binary file under one that cannot be opened gets a warning. */
const ARCHIVE_EXTENSIONS = new Set([...ZIP_EXTENSIONS, "tar", "tgz", "gz"]);

/** Compressions that are recognised but not opened: Node has no decoder for them (see the README). */
const UNSUPPORTED_COMPRESSIONS: readonly { name: string; magic: Buffer }[] = [
	{ name: "bzip2", magic: Buffer.from("BZh", "latin1") },
	{ name: "xz", magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
	{ name: "zstd", magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]) },
];

/** Locations are `path!member!member`; the extension is that of the innermost name. */
function extensionOf(location: string): string {
	const name = location.slice(Math.max(location.lastIndexOf("/"), location.lastIndexOf("!")) + 1);
	const dot = name.lastIndexOf(".");
	return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

function isBinary(bytes: Buffer): boolean {
	return bytes.subarray(0, BINARY_SNIFF_BYTES).indexOf(0) !== -1;
}

/** Turns offsets into 1-based lines in one forward pass (assets are sorted) and drops repeats of (identity, line). */
function locate(bytes: Buffer, assets: Asset[]): Discovery[] {
	assets.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
	const seen = new Set<string>();
	const discoveries: Discovery[] = [];
	let line = 1;
	let counted = 0;
	for (const { kind, identity, offset, crypto } of assets) {
		if (offset !== null) {
			for (let at = bytes.indexOf(NEWLINE, counted); at !== -1 && at < offset; at = bytes.indexOf(NEWLINE, at + 1)) {
				line++;
			}
			counted = Math.max(counted, offset);
		}
		const located = offset === null ? null : line;
		const key = `${identity}\n${located}`;
		if (seen.has(key)) continue;
		seen.add(key);
		discoveries.push({ kind, identity, line: located, crypto });
	}
	return discoveries;
}

function isZipStart(bytes: Buffer): boolean {
	// "PK\3\4" starts every non-empty zip, "PK\5\6" an empty one.
	return bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/** Archives in a binary file that does not start with a magic number: tar, or a zip behind a stub. */
function binaryArchiveFormat(location: string, bytes: Buffer, scan: Scan): ArchiveFormat | undefined {
	if (isTar(bytes)) return "tar";
	if (findZipDirectory(bytes)) return "zip";
	const unsupported = UNSUPPORTED_COMPRESSIONS.find(
		({ magic }) => bytes.compare(magic, 0, magic.length, 0, magic.length) === 0,
	);
	if (unsupported) scan.warn(location, `not opened: ${unsupported.name} compression is not supported`);
	return undefined;
}

function openArchive(format: ArchiveFormat, location: string, bytes: Buffer, scan: Scan, depth: number): Discovery[] {
	if (!scan.scanArchives) return [];
	return scan.guard(location, "archive", [], () => archiveDiscoveries(format, location, bytes, scan, depth, route));
}

function keystore(location: string, bytes: Buffer, scan: Scan, read: () => Asset[]): Discovery[] {
	return scan.guard(location, "keystore", [], () => locate(bytes, read()));
}

/**
 * Magic bytes first (keystores, archives, PKCS#12, one DER structure), then extension (DER with trailing bytes,
 * stub-prefixed zips), then content. A text file costs one switch on its first byte before the text scan.
 * `depth` counts the archives `location` is inside of.
 */
export function route(location: string, bytes: Buffer, scan: Scan, depth: number): Discovery[] {
	// Each stage below is guarded on its own; this catches what routing itself could throw.
	return scan.guard(location, "route", [], () => routeByContent(location, bytes, scan, depth));
}

function routeByContent(location: string, bytes: Buffer, scan: Scan, depth: number): Discovery[] {
	switch (bytes[0]) {
		case 0xfe:
		case 0xce:
			if (bytes.length >= 4 && (bytes.readUInt32BE(0) === JKS_MAGIC || bytes.readUInt32BE(0) === JCEKS_MAGIC)) {
				return keystore(location, bytes, scan, () => javaKeystoreAssets(bytes, location, scan));
			}
			break;
		case 0x1f:
			// Deflate (8) is the only compression method gzip defines.
			if (bytes[1] === 0x8b && bytes[2] === 8) return openArchive("gzip", location, bytes, scan, depth);
			break;
		case 0x50:
			if (isZipStart(bytes)) return openArchive("zip", location, bytes, scan, depth);
			break;
		case 0x30:
			if (isPkcs12(bytes)) return keystore(location, bytes, scan, () => pkcs12Assets(bytes, location, scan));
			break;
	}
	const extension = extensionOf(location);
	const der = scan.guard(location, "parse", [], () => derFileAssets(bytes, extension));
	if (der.length > 0) return locate(bytes, der);
	const binary = isBinary(bytes);
	if (scan.scanArchives && (binary || ZIP_EXTENSIONS.has(extension))) {
		const format = binary ? binaryArchiveFormat(location, bytes, scan) : findZipDirectory(bytes) && "zip";
		if (format) return openArchive(format, location, bytes, scan, depth);
		// A text file named .jar is usually a Git LFS pointer, not worth a warning; a binary one is a broken archive.
		if (binary && ARCHIVE_EXTENSIONS.has(extension))
			scan.warn(location, `not opened: not a readable ${extension} archive`);
	}
	if (binary) return [];
	return locate(bytes, textAssets(bytes, location, scan));
}
