import { mkdir, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitSensor } from "../src/index.ts";
import { collect, makeTempDir, runContext, TestRepo } from "./fixtures.ts";

let base: string;

beforeAll(async () => {
	base = await makeTempDir("git-incremental");
});

afterAll(async () => {
	await rm(base, { recursive: true, force: true });
});

describe("GIT Sensor: incremental scans", () => {
	let repo: TestRepo;
	let first: string;
	let second: string;

	beforeAll(async () => {
		repo = await TestRepo.create(base, "changes");
		const write = (path: string, content: string | Buffer) => writeFile(join(repo.dir, path), content);
		await mkdir(join(repo.dir, "keys"));
		await write("keep.txt", "unchanged\n");
		await write("modify.pem", "old\n");
		await write("remove.pem", "gone soon\n");
		await write("rename-from.pem", "moving\n");
		await write("becomes-link.pem", "regular for now\n");
		await write("grows.bin", "small\n");
		first = repo.commitAll("first");

		await write("modify.pem", "new\n");
		await unlink(join(repo.dir, "remove.pem"));
		repo.git("mv", "rename-from.pem", "rename-to.pem");
		await write("keys/added.pem", "fresh\n");
		await unlink(join(repo.dir, "becomes-link.pem"));
		await symlink("keep.txt", join(repo.dir, "becomes-link.pem"));
		await write("grows.bin", Buffer.alloc(2 * 1024 * 1024));
		second = repo.commitAll("second");
	});

	it("a first incremental scan is a full one", async () => {
		const snapshot = await gitSensor.open(
			{ url: repo.url },
			await runContext(base, { previousCursor: null, incremental: true }),
		);
		expect(snapshot.mode).toBe("full");
		expect(snapshot.cursor).toBe(second);
	});

	it("yields only added and modified files and lists what is gone", async () => {
		const snapshot = await gitSensor.open(
			{ url: repo.url, max_file_size_mb: 1 },
			await runContext(base, { previousCursor: first }),
		);
		expect(snapshot.mode).toBe("changed");
		expect(snapshot.cursor).toBe(second);
		const files = await collect(snapshot);
		// A file grown past max_file_size_mb is offered like any change: the scanner skips it with a diagnostic.
		expect([...files.keys()]).toEqual(["grows.bin", "keys/added.pem", "modify.pem", "rename-to.pem"]);
		expect(files.get("grows.bin")?.size).toBe(2 * 1024 * 1024);
		expect(files.get("modify.pem")?.content.toString()).toBe("new\n");
		expect(files.get("rename-to.pem")?.size).toBe("moving\n".length);
		// Renamed away, removed, replaced by a symlink.
		expect([...snapshot.deleted].sort()).toEqual(["becomes-link.pem", "remove.pem", "rename-from.pem"]);
	});

	it("filters changed and deleted paths with the same globs", async () => {
		const snapshot = await gitSensor.open(
			{ url: repo.url, exclude_paths: ["keys/**", "rename-*"] },
			await runContext(base, { previousCursor: first }),
		);
		expect([...(await collect(snapshot)).keys()]).toEqual(["grows.bin", "modify.pem"]);
		expect([...snapshot.deleted].sort()).toEqual(["becomes-link.pem", "remove.pem"]);
	});

	it("reports unchanged when HEAD is the previous cursor", async () => {
		const snapshot = await gitSensor.open(
			{ url: repo.url },
			await runContext(base, { previousCursor: second.toUpperCase() }),
		);
		expect(snapshot).toMatchObject({ mode: "unchanged", cursor: second, deleted: [] });
		expect((await collect(snapshot)).size).toBe(0);
	});

	it("ignores the previous cursor when the sensor is not incremental", async () => {
		const snapshot = await gitSensor.open(
			{ url: repo.url },
			await runContext(base, { previousCursor: first, incremental: false }),
		);
		expect(snapshot.mode).toBe("full");
		expect((await collect(snapshot)).has("keep.txt")).toBe(true);
	});

	it("falls back to a full scan when the cursor is not a commit id", async () => {
		const snapshot = await gitSensor.open({ url: repo.url }, await runContext(base, { previousCursor: "HEAD~1" }));
		expect(snapshot.mode).toBe("full");
	});
});

describe("GIT Sensor: rewritten history", () => {
	it("falls back to a full scan when the previous commit no longer exists", async () => {
		const repo = await TestRepo.create(base, "rewritten");
		await writeFile(join(repo.dir, "a.pem"), "a\n");
		const kept = repo.commitAll("kept");
		await writeFile(join(repo.dir, "b.pem"), "b\n");
		const dropped = repo.commitAll("dropped by a force push");
		repo.git("reset", "--quiet", "--hard", kept);
		await writeFile(join(repo.dir, "c.pem"), "c\n");
		const rewritten = repo.commitAll("rewritten");
		repo.git("reflog", "expire", "--expire=now", "--all");
		repo.git("gc", "--quiet", "--prune=now");
		expect(() => repo.git("cat-file", "-e", dropped)).toThrow();

		const snapshot = await gitSensor.open({ url: repo.url }, await runContext(base, { previousCursor: dropped }));
		expect(snapshot).toMatchObject({ mode: "full", cursor: rewritten, deleted: [] });
		expect([...(await collect(snapshot)).keys()]).toEqual(["a.pem", "c.pem"]);
	});
});
