export interface TreeEntry {
	path: string;
	mode: string;
	size: number;
}

export interface TreeChange {
	path: string;
	oldMode: string;
	newMode: string;
}

/** Symlinks (120000), submodules (160000) and trees are never offered for scanning. */
export const isRegularFile = (mode: string): boolean => mode.startsWith("100");

const utf8 = new TextDecoder("utf-8", { fatal: true });

function splitNul(output: Buffer): Buffer[] {
	const records: Buffer[] = [];
	let start = 0;
	for (let end = output.indexOf(0); end !== -1; end = output.indexOf(0, start)) {
		records.push(output.subarray(start, end));
		start = end + 1;
	}
	return records;
}

/** Paths that are not valid UTF-8 cannot round-trip through a JS string, so they are dropped. */
function decodePath(bytes: Buffer): string | null {
	try {
		return utf8.decode(bytes);
	} catch {
		return null;
	}
}

/** Parses `git ls-tree -r -z --long`: `<mode> <type> <object> <size>\t<path>` per record. */
export function parseLsTree(output: Buffer): TreeEntry[] {
	const entries: TreeEntry[] = [];
	for (const record of splitNul(output)) {
		const tab = record.indexOf(9);
		const [mode, , , size] = record.subarray(0, tab).toString("latin1").trim().split(/ +/);
		const path = decodePath(record.subarray(tab + 1));
		if (tab === -1 || mode === undefined || path === null) continue;
		entries.push({ path, mode, size: size === undefined || size === "-" ? 0 : Number(size) });
	}
	return entries;
}

/** Parses `git diff --raw -z --no-renames`: a `:<old mode> <new mode> <old> <new> <status>` record, then the path. */
export function parseRawDiff(output: Buffer): TreeChange[] {
	const changes: TreeChange[] = [];
	let meta: string | null = null;
	for (const record of splitNul(output)) {
		if (meta === null) {
			meta = record.toString("latin1");
			continue;
		}
		const [oldMode, newMode] = meta.slice(1).split(" ");
		meta = null;
		const path = decodePath(record);
		if (oldMode === undefined || newMode === undefined || path === null) continue;
		changes.push({ path, oldMode, newMode });
	}
	return changes;
}
