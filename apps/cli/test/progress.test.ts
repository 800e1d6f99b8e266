import { expect, it } from "vitest";
import { createScanProgress } from "../src/progress.ts";

function stream(isTTY: boolean) {
	const writes: string[] = [];
	return { writes, stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}

const running = (files: number) => ({
	status: "running",
	progress: { filesScanned: files, bytesScanned: files * 1048576 },
});

it("redraws one line with a bar, files, bytes and elapsed time on a terminal", () => {
	const tty = stream(true);
	let now = 0;
	const progress = createScanProgress(tty.stream, () => now);
	progress.update(running(3));
	now = 4000;
	progress.update({ status: "successful", progress: { filesScanned: 7, bytesScanned: 7340032 } });
	progress.done();
	expect(tty.writes[0]).toMatch(/^\r\[[#-]{20}\] running \| 3 files \| 3\.0 MiB \| 0 s/);
	expect(tty.writes[0]?.endsWith("\u001b[K")).toBe(true);
	expect(tty.writes[1]).toBe(`\r[${"#".repeat(20)}] successful | 7 files | 7.0 MiB | 4 s\u001b[K`);
	expect(tty.writes[2]).toBe("\n");
});

it("writes a plain line only when something changed elsewhere", () => {
	const plain = stream(false);
	let now = 0;
	const progress = createScanProgress(plain.stream, () => now);
	progress.update(running(1));
	now = 2000;
	progress.update(running(1));
	progress.update(running(2));
	progress.done();
	expect(plain.writes).toEqual(["running | 1 files | 1.0 MiB | 0 s\n", "running | 2 files | 2.0 MiB | 2 s\n"]);
});
