/** What `scan wait` and `demo` show while an execution runs, on stderr so stdout stays the result. */
export interface ScanProgress {
	update(status: Record<string, unknown>): void;
	done(): void;
}

const BAR_WIDTH = 20;

function figures(status: Record<string, unknown>, startedAt: number, now: () => number): string {
	const progress = status.progress as { filesScanned?: number; bytesScanned?: number } | undefined;
	const files = progress?.filesScanned ?? 0;
	const mib = ((progress?.bytesScanned ?? 0) / 1048576).toFixed(1);
	const elapsed = Math.round((now() - startedAt) / 1000);
	return `${status.status} | ${files} files | ${mib} MiB | ${elapsed} s`;
}

/**
 * On a terminal, one redrawn line with a bar (the API knows how much was read, not how much is
 * left, so the bar moves while running and fills when finished); elsewhere (CI logs, pipes) a plain
 * line whenever something changed.
 */
export function createScanProgress(
	stream: NodeJS.WriteStream = process.stderr,
	now: () => number = Date.now,
): ScanProgress {
	const startedAt = now();
	let tick = 0;
	let last = "";
	return {
		update(status) {
			const line = figures(status, startedAt, now);
			if (stream.isTTY) {
				const finished = status.status === "successful" || status.status === "failed";
				const bar = finished
					? "#".repeat(BAR_WIDTH)
					: Array.from({ length: BAR_WIDTH }, (_, i) => (Math.abs(i - (tick % BAR_WIDTH)) < 3 ? "#" : "-")).join("");
				tick += 1;
				stream.write(`\r[${bar}] ${line}\u001b[K`);
				return;
			}
			// Elapsed time alone is not a change worth a line.
			const key = line.replace(/ \| \d+ s$/, "");
			if (key !== last) stream.write(`${line}\n`);
			last = key;
		},
		done() {
			if (stream.isTTY) stream.write("\n");
		},
	};
}
