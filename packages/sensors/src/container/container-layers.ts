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

	private isVisible(path: string): boolean {
		if (this.taken.has(path)) return false;
		if (this.covering.has("/")) return false;
		for (let slash = path.indexOf("/", 1); slash !== -1; slash = path.indexOf("/", slash + 1)) {
			if (this.covering.has(path.slice(0, slash))) return false;
		}
		return true;
	}
}
