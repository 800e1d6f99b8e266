import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { PassThrough, type Readable, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { Decompress } from "fzstd";
import { extract, type Header } from "tar-stream";

/** One tar entry: its header, and a stream of its bytes that must be read or resumed before the next. */
export type TarEntry = AsyncIterable<Buffer> & { header: Header; resume(): unknown };

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];

/** fzstd's streaming decoder as a Transform (Node 20's zlib has no zstd). */
function zstdDecompressor(): Transform {
	const transform = new Transform({
		transform(chunk: Buffer, _encoding, done) {
			try {
				decoder.push(chunk);
				done();
			} catch (error) {
				done(error as Error);
			}
		},
		flush(done) {
			try {
				decoder.push(new Uint8Array(0), true);
				done();
			} catch (error) {
				done(error as Error);
			}
		},
	});
	const decoder = new Decompress((data) => {
		if (data.length > 0) transform.push(Buffer.from(data));
	});
	return transform;
}

/**
 * The layer blob at `file` as a tar stream. The compression is sniffed from the magic bytes, not
 * taken from the media type: registries and tools do mislabel layers.
 */
export async function openLayer(file: string): Promise<Readable> {
	const handle = await open(file, "r");
	const head = Buffer.alloc(4);
	try {
		await handle.read(head, 0, 4, 0);
	} finally {
		await handle.close();
	}
	const source = createReadStream(file, { highWaterMark: 256 * 1024 });
	const starts = (magic: number[]) => magic.every((byte, i) => head[i] === byte);
	const decoder = starts(GZIP) ? createGunzip() : starts(ZSTD) ? zstdDecompressor() : new PassThrough();
	source.on("error", (error) => decoder.destroy(error));
	return source.pipe(decoder);
}

/** The entries of a tar stream in order; each must be consumed (or resumed) before the next. */
export async function* tarEntries(stream: Readable): AsyncGenerator<TarEntry> {
	const parser = extract();
	stream.on("error", (error) => parser.destroy(error));
	stream.pipe(parser);
	try {
		for await (const entry of parser) yield entry as unknown as TarEntry;
	} finally {
		stream.destroy();
		parser.destroy();
	}
}

/** Whole bytes of one entry. */
export async function entryBytes(entry: AsyncIterable<Buffer>): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of entry) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/**
 * `/`-rooted, without `.`, `..` or repeated separators. `..` stops at the root, as a container's
 * filesystem does: nothing in a layer can name a path outside the image.
 */
export function normalisePath(name: string): string {
	const parts: string[] = [];
	for (const part of name.split("/")) {
		if (part === "" || part === ".") continue;
		if (part === "..") parts.pop();
		else parts.push(part);
	}
	return `/${parts.join("/")}`;
}

function parentOf(path: string): string {
	const slash = path.lastIndexOf("/");
	return slash <= 0 ? "/" : path.slice(0, slash);
}

export type EntryKind = "file" | "hardlink" | "directory" | "other";

export function entryKind(header: Pick<Header, "type">): EntryKind {
	switch (header.type) {
		case "file":
		case "contiguous-file":
			return "file";
		case "link":
			return "hardlink";
		case "directory":
			return "directory";
		default:
			return "other";
	}
}

export type LayerEntry =
	| { kind: "whiteout"; path: string }
	| { kind: "opaque"; directory: string }
	| { kind: EntryKind; path: string };

const WHITEOUT = ".wh.";
const OPAQUE = ".wh..wh..opq";

/** What one tar header means for the flattened filesystem; null for entries without a path (the root, `.wh.`). */
export function classify(header: Pick<Header, "name" | "type">): LayerEntry | null {
	const path = normalisePath(header.name);
	if (path === "/") return null;
	const base = path.slice(path.lastIndexOf("/") + 1);
	if (base === OPAQUE) return { kind: "opaque", directory: parentOf(path) };
	if (base.startsWith(WHITEOUT)) {
		if (base.length === WHITEOUT.length) return null;
		const directory = parentOf(path);
		return { kind: "whiteout", path: `${directory === "/" ? "" : directory}/${base.slice(WHITEOUT.length)}` };
	}
	return { kind: entryKind(header), path };
}

/**
 * The union filesystem seen from the top layer down (OCI image-spec, layer.md). An entry of a lower
 * layer is visible unless an upper layer has an entry at the same path, whites it or an ancestor out,
 * makes an ancestor opaque, or puts a non-directory at an ancestor. A layer's own whiteouts and
 * opaque markers apply only to the layers below it, so they take effect at `endLayer()`.
 */
export class Overlay {
	/** Paths an upper layer has an entry at (any type) or whited out. */
	private readonly taken = new Set<string>();
	/** Paths whose descendants in lower layers are hidden: whiteouts, opaque directories, non-directories. */
	private readonly covering = new Set<string>();
	private pendingTaken: string[] = [];
	private pendingCovering: string[] = [];

	/** Records an entry of the current layer and tells whether the running container sees it. */
	add(entry: LayerEntry): boolean {
		if (entry.kind === "whiteout") {
			this.pendingTaken.push(entry.path);
			this.pendingCovering.push(entry.path);
			return false;
		}
		if (entry.kind === "opaque") {
			this.pendingCovering.push(entry.directory);
			return false;
		}
		const visible = this.isVisible(entry.path);
		this.pendingTaken.push(entry.path);
		if (entry.kind !== "directory") this.pendingCovering.push(entry.path);
		return visible;
	}

	endLayer(): void {
		for (const path of this.pendingTaken) this.taken.add(path);
		for (const path of this.pendingCovering) this.covering.add(path);
		this.pendingTaken = [];
		this.pendingCovering = [];
	}

	/** Whether the layers above the current one leave `path` visible. */
	sees(path: string): boolean {
		return this.isVisible(path);
	}

	private isVisible(path: string): boolean {
		if (this.taken.has(path)) return false;
		if (this.covering.has("/")) return false;
		for (let slash = path.indexOf("/", 1); slash !== -1; slash = path.indexOf("/", slash + 1)) {
			if (this.covering.has(path.slice(0, slash))) return false;
		}
		return true;
	}
}

/**
 * One tar entry of a layer as the layer cache keeps it, in tar order: what flattening needs and no
 * bytes. `f` regular file (size), `h` hardlink (its target's path), `d` directory, `o` anything else
 * (symlink, device, FIFO), `w` whiteout, `q` opaque directory, null an entry without a path.
 */
export type IndexEntry =
	| ["f", string, number]
	| ["h", string, string]
	| ["d", string]
	| ["o", string]
	| ["w", string]
	| ["q", string]
	| null;

const INDEX_FORMAT = 1;

function indexEntryOf(header: Header): IndexEntry {
	const classified = classify(header);
	if (classified === null) return null;
	if (classified.kind === "opaque") return ["q", classified.directory];
	if (classified.kind === "whiteout") return ["w", classified.path];
	if (classified.kind === "file") return ["f", classified.path, header.size ?? 0];
	if (classified.kind === "hardlink") return ["h", classified.path, normalisePath(header.linkname ?? "")];
	return [classified.kind === "directory" ? "d" : "o", classified.path];
}

/**
 * The layer's entry list in one pass, holding on the way the bytes of the regular files the layers
 * above leave visible and `inScope` lets through, as long as they fit `holdBytes` in all: a layer
 * whose files fit is decompressed once. Past the budget only the list is made (`held` null), and the
 * files are read in a second pass.
 */
export async function indexLayerHolding(
	stream: Readable,
	overlay: Overlay,
	inScope: (path: string) => boolean,
	maxBytes: number,
	holdBytes: number,
): Promise<{ entries: IndexEntry[]; held: Map<number, Buffer> | null }> {
	const entries: IndexEntry[] = [];
	let held: Map<number, Buffer> | null = new Map();
	let holding = 0;
	for await (const entry of tarEntries(stream)) {
		const indexed = indexEntryOf(entry.header);
		const position = entries.length;
		entries.push(indexed);
		const wanted =
			held !== null &&
			indexed?.[0] === "f" &&
			indexed[2] <= maxBytes &&
			overlay.sees(indexed[1]) &&
			inScope(indexed[1].slice(1));
		if (wanted && holding + (indexed[2] as number) <= holdBytes) {
			held?.set(position, await entryBytes(entry));
			holding += indexed[2] as number;
			continue;
		}
		if (wanted) held = null;
		entry.resume();
	}
	return { entries, held };
}

/** What the layer cache stores for a layer. */
export function encodeIndex(entries: IndexEntry[]): unknown {
	return { format: INDEX_FORMAT, entries };
}

/** The entries a cached value holds, or null when it is not an index of this format (the layer is read again). */
export function decodeIndex(value: unknown): IndexEntry[] | null {
	const { format, entries } = (value ?? {}) as { format?: unknown; entries?: unknown };
	if (format !== INDEX_FORMAT || !Array.isArray(entries)) return null;
	for (const entry of entries) {
		if (entry === null) continue;
		if (!Array.isArray(entry) || typeof entry[1] !== "string" || !entry[1].startsWith("/")) return null;
		const [kind, , extra] = entry as unknown[];
		if (kind === "f" ? typeof extra !== "number" : kind === "h" ? typeof extra !== "string" : entry.length !== 2)
			return null;
		if (!["f", "h", "d", "o", "w", "q"].includes(kind as string)) return null;
	}
	return entries as IndexEntry[];
}

/** A file of the layer a container sees and the filters let through. */
export interface LayerFile {
	path: string;
	size: number;
	/** The tar entry (its position in the layer) whose bytes the file has: its own, or a hardlink's target's. */
	source: number;
}

export interface LayerPlan {
	files: LayerFile[];
	/** Visible hardlinks in scope whose target is no regular file earlier in the layer. */
	brokenLinks: { path: string; target: string }[];
}

function layerEntryOf(entry: Exclude<IndexEntry, null>): LayerEntry {
	switch (entry[0]) {
		case "w":
			return { kind: "whiteout", path: entry[1] };
		case "q":
			return { kind: "opaque", directory: entry[1] };
		case "f":
			return { kind: "file", path: entry[1] };
		case "h":
			return { kind: "hardlink", path: entry[1] };
		case "d":
			return { kind: "directory", path: entry[1] };
		default:
			return { kind: "other", path: entry[1] };
	}
}

/**
 * Adds one layer, from its entries, to `overlay` and tells which of its files the container sees and
 * `inScope` lets through. Within the layer, a later entry at a path wins over an earlier one (as
 * extraction overwrites), a later non-directory removes what the layer put below it, and a hardlink
 * has the bytes of the regular file its target named at that point of the tar.
 */
export function planLayer(entries: readonly IndexEntry[], overlay: Overlay, inScope: (path: string) => boolean) {
	/** The last entry of the layer at each path, by its position. */
	const last = new Map<string, number>();
	/** Paths below which the layer has entries, so that a later non-directory at one of them drops them. */
	const parents = new Set<string>();
	/** Where the bytes at a path come from so far in the tar: the regular file, or a hardlink's source. */
	const bytesAt = new Map<string, { source: number; size: number }>();
	const linked = new Map<number, { source: number; size: number } | null>();
	const markers: Exclude<IndexEntry, null>[] = [];
	entries.forEach((entry, position) => {
		if (entry === null) return;
		const [kind, path] = entry;
		if (kind === "w" || kind === "q") {
			markers.push(entry);
			return;
		}
		if (kind !== "d" && parents.has(path)) {
			const below = `${path}/`;
			for (const other of [...last.keys()]) if (other.startsWith(below)) last.delete(other);
			for (const other of [...bytesAt.keys()]) if (other.startsWith(below)) bytesAt.delete(other);
		}
		for (let slash = path.lastIndexOf("/"); slash > 0; slash = path.lastIndexOf("/", slash - 1)) {
			parents.add(path.slice(0, slash));
		}
		last.set(path, position);
		if (kind === "f") bytesAt.set(path, { source: position, size: entry[2] });
		else if (kind === "h") {
			const source = bytesAt.get(entry[2]) ?? null;
			linked.set(position, source);
			if (source) bytesAt.set(path, source);
			else bytesAt.delete(path);
		} else bytesAt.delete(path);
	});
	for (const marker of markers) overlay.add(layerEntryOf(marker));
	const plan: LayerPlan = { files: [], brokenLinks: [] };
	for (const position of [...last.values()].sort((a, b) => a - b)) {
		const entry = entries[position] as Exclude<IndexEntry, null>;
		const visible = overlay.add(layerEntryOf(entry));
		const [kind, path] = entry;
		if (!visible || (kind !== "f" && kind !== "h") || !inScope(path.slice(1))) continue;
		if (kind === "f") {
			plan.files.push({ path, size: entry[2], source: position });
			continue;
		}
		const source = linked.get(position);
		if (source) plan.files.push({ path, size: source.size, source: source.source });
		else plan.brokenLinks.push({ path, target: entry[2] as string });
	}
	return plan;
}

/**
 * The bytes of `files` from the layer's tar stream, in tar order, in one pass that stops after the
 * last entry needed; a file larger than `maxBytes` comes with null instead.
 */
export async function* readLayerFiles(
	stream: Readable,
	files: readonly LayerFile[],
	maxBytes: number,
): AsyncGenerator<{ file: LayerFile; bytes: Buffer | null }> {
	const wanted = new Map<number, LayerFile[]>();
	let lastNeeded = -1;
	for (const file of files) {
		wanted.set(file.source, [...(wanted.get(file.source) ?? []), file]);
		lastNeeded = Math.max(lastNeeded, file.source);
	}
	if (lastNeeded < 0) return;
	let position = 0;
	for await (const entry of tarEntries(stream)) {
		const at = wanted.get(position);
		if (at === undefined) entry.resume();
		else {
			const size = entry.header.size ?? 0;
			const bytes = size > maxBytes ? null : await entryBytes(entry);
			if (bytes === null) entry.resume();
			for (const file of at) yield { file, bytes };
		}
		if (position >= lastNeeded) return;
		position += 1;
	}
}
