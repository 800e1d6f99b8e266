import type { Dirent } from "node:fs";
import { constants, lstat, open, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { FilesystemSensorConfig } from "../config-schemas.ts";
import { createFileFilter, type FileFilter } from "../filters.ts";
import type { Sensor, SourceFile } from "../sensor.ts";
import { resolveScanRoot } from "./scan-root.ts";

/** Parts of the tree that vanish or are unreadable while walking are skipped rather than failing the scan. */
const SKIPPED_ERRORS = new Set(["ENOENT", "ENOTDIR", "EACCES", "EPERM"]);

function isSkipped(error: unknown): boolean {
	return SKIPPED_ERRORS.has((error as NodeJS.ErrnoException).code ?? "");
}

/** Directories sort as `name/`, so the order is that of the full paths, the same as git's. */
function sortKey(entry: Dirent): string {
	return entry.isDirectory() ? `${entry.name}/` : entry.name;
}

async function readRegularFile(path: string, signal: AbortSignal): Promise<Buffer> {
	// A file swapped for a symlink (or a FIFO) after the walk must not lead outside the roots or block.
	const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
	try {
		return await handle.readFile({ signal });
	} finally {
		await handle.close();
	}
}

async function* walk(
	directory: string,
	relative: string,
	filter: FileFilter,
	signal: AbortSignal,
): AsyncGenerator<SourceFile> {
	let entries: Dirent[];
	try {
		entries = await readdir(directory, { withFileTypes: true });
	} catch (error) {
		if (relative !== "" && isSkipped(error)) return;
		throw error;
	}
	const keyed = entries.map((entry) => ({ entry, key: sortKey(entry) }));
	keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
	for (const { entry } of keyed) {
		signal.throwIfAborted();
		const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
		const absolute = join(directory, entry.name);
		// Dirent types come from lstat semantics: symlinks are never followed, so nothing escapes the root.
		if (entry.isDirectory()) {
			yield* walk(absolute, path, filter, signal);
			continue;
		}
		if (!entry.isFile() || !filter.matchesPath(path)) continue;
		let size: number;
		try {
			const stats = await lstat(absolute);
			if (!stats.isFile()) continue;
			size = stats.size;
		} catch (error) {
			if (isSkipped(error)) continue;
			throw error;
		}
		// Files over max_file_size_mb are offered too: the scanner skips them unread, with a diagnostic.
		yield { path, size, read: () => readRegularFile(absolute, signal) };
	}
}

export const filesystemSensor: Sensor<FilesystemSensorConfig> = {
	sensorType: "Filesystem Sensor",
	async open(config, context) {
		const roots = context.settings.filesystemRoots
			.filter((root) => root.orgId === null || root.orgId === context.orgId)
			.map((root) => root.path);
		const root = await resolveScanRoot(config.path, roots);
		const filter = createFileFilter(config);
		// Without history to compare against, every scan is full; unchanged files cost a re-read only.
		return { cursor: null, mode: "full", deleted: [], files: () => walk(root, "", filter, context.signal) };
	},
};
