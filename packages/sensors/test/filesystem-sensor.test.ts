import { execFileSync } from "node:child_process";
import { chmod, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FilesystemSensorConfig, filesystemSensor, type SensorSettings } from "../src/index.ts";
import { collect, makeTempDir, rejection, runContext } from "./fixtures.ts";

const SECRET = "outside-the-roots-secret";
const BIG = Buffer.alloc(2 * 1024 * 1024, 1);

let base: string;
let root: string;
let scan: string;
let outside: string;

const everyOrg = (path: string) => ({ orgId: null, path });

async function open(config: FilesystemSensorConfig, settings: Partial<SensorSettings> = {}) {
	return filesystemSensor.open(
		config,
		await runContext(base, { settings: { filesystemRoots: [everyOrg(root)], ...settings } }),
	);
}

beforeAll(async () => {
	base = await makeTempDir("fs");
	root = join(base, "root");
	scan = join(root, "scan");
	outside = join(base, "outside");
	await mkdir(join(scan, "sub/deeper"), { recursive: true });
	await mkdir(join(scan, ".hidden"));
	await mkdir(outside);
	await writeFile(join(outside, "secret.pem"), SECRET);
	await writeFile(join(scan, "a.txt"), "alpha\n");
	await writeFile(join(scan, "a-b.txt"), "dash\n");
	await writeFile(join(scan, "sub/cert.pem"), "-----BEGIN CERTIFICATE-----\n");
	await writeFile(join(scan, "sub/deeper/key.pem"), "-----BEGIN PRIVATE KEY-----\n");
	await writeFile(join(scan, ".hidden/token.jwt"), "eyJ.eyJ.sig\n");
	await writeFile(join(scan, "big.bin"), BIG);
	await symlink(join(outside, "secret.pem"), join(scan, "linked-secret.pem"));
	await symlink(outside, join(scan, "linked-dir"));
	execFileSync("mkfifo", [join(scan, "pipe")]);
});

afterAll(async () => {
	await rm(base, { recursive: true, force: true });
});

describe("Filesystem Sensor: walking", () => {
	it("yields every regular file in path order, never following symlinks", async () => {
		const snapshot = await open({ path: scan });
		expect(snapshot).toMatchObject({ cursor: null, mode: "full", deleted: [] });
		const files = await collect(snapshot);
		expect([...files.keys()]).toEqual([
			".hidden/token.jwt",
			"a-b.txt",
			"a.txt",
			"big.bin",
			"sub/cert.pem",
			"sub/deeper/key.pem",
		]);
		expect(files.get("a.txt")).toEqual({ size: 6, content: Buffer.from("alpha\n") });
		expect(files.get("big.bin")?.content.equals(BIG)).toBe(true);
		for (const file of files.values()) expect(file.content.toString()).not.toContain(SECRET);
	});

	it("applies globs, and offers files over the size cap for the scanner to skip unread", async () => {
		const snapshot = await open({
			path: scan,
			include_paths: ["**/*.pem", "**/*.jwt", "*.bin"],
			exclude_paths: ["sub/deeper/**"],
			max_file_size_mb: 1,
		});
		const files = await collect(snapshot);
		expect([...files.keys()].sort()).toEqual([".hidden/token.jwt", "big.bin", "sub/cert.pem"]);
		expect(files.get("big.bin")?.size).toBeGreaterThan(1024 * 1024);
	});

	it("accepts a root given through a symlink", async () => {
		const linkedRoot = join(base, "root-link");
		await symlink(root, linkedRoot);
		const snapshot = await open({ path: join(linkedRoot, "scan", "sub") }, { filesystemRoots: [everyOrg(linkedRoot)] });
		expect([...(await collect(snapshot)).keys()]).toEqual(["cert.pem", "deeper/key.pem"]);
	});

	it("ignores the previous cursor: every scan is full", async () => {
		const context = await runContext(base, {
			settings: { filesystemRoots: [everyOrg(root)] },
			previousCursor: "anything",
		});
		expect((await filesystemSensor.open({ path: scan }, context)).mode).toBe("full");
	});
});

describe("Filesystem Sensor: confinement", () => {
	it.each([
		["a directory outside the roots", () => outside],
		["a .. escape", () => join(scan, "..", "..", "outside")],
		["a symlinked directory pointing outside", () => join(scan, "linked-dir")],
		["a missing path behind such a symlink", () => join(scan, "linked-dir", "missing")],
		["the filesystem root", () => "/"],
	])("refuses %s with FS-1001", async (_, path) => {
		const error = await rejection(open({ path: path() }));
		expect(error).toMatchObject({ code: "FS-1001", retryable: false });
		expect(error.message).toContain("SENSOR_FS_ROOTS");
		expect(error.message).not.toContain(SECRET);
	});

	it("reads an organisation's own root, and refuses it to another organisation (FS-1001)", async () => {
		const settings = { filesystemRoots: [{ orgId: "org-a", path: root }] };
		const own = await filesystemSensor.open({ path: scan }, await runContext(base, { settings, orgId: "org-a" }));
		expect((await collect(own)).has("a.txt")).toBe(true);
		const other = await rejection(
			filesystemSensor.open({ path: scan }, await runContext(base, { settings, orgId: "org-b" })),
		);
		expect(other).toMatchObject({ code: "FS-1001", retryable: false });
		expect(other.message).toContain(scan);
	});

	it("refuses everything when no roots are configured", async () => {
		expect((await rejection(open({ path: scan }, { filesystemRoots: [] }))).code).toBe("FS-1001");
	});

	it("reports a missing path as FS-1002", async () => {
		expect((await rejection(open({ path: join(scan, "missing") }))).code).toBe("FS-1002");
	});

	it("reports a file as FS-1003", async () => {
		expect((await rejection(open({ path: join(scan, "a.txt") }))).code).toBe("FS-1003");
	});

	it("reports an unreadable directory as FS-1004", async () => {
		const parent = await makeTempDir("fs-locked");
		await chmod(parent, 0o755);
		const locked = join(parent, "locked");
		await mkdir(locked, { mode: 0o000 });
		try {
			if (process.getuid?.() !== 0) {
				expect((await rejection(open({ path: locked }, { filesystemRoots: [everyOrg(parent)] }))).code).toBe("FS-1004");
				return;
			}
			// Root reads everything, so the check runs in a child process as `nobody`.
			const source = new URL("../src/index.ts", import.meta.url).href;
			const script = `
				const { filesystemSensor } = await import(${JSON.stringify(source)});
				const context = { workDir: ${JSON.stringify(parent)}, signal: new AbortController().signal, previousCursor: null,
					incremental: false, orgId: "org", settings: { allowGitFileUrls: false, filesystemRoots: [{ orgId: null, path: ${JSON.stringify(parent)} }], gitTimeoutMs: 1000 } };
				await filesystemSensor.open({ path: ${JSON.stringify(locked)} }, context).then(() => console.log("opened"), (e) => console.log(e.code));`;
			const tsx = new URL("../../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
			const output = execFileSync(process.execPath, ["--import", tsx, "--input-type=module", "-e", script], {
				uid: 65534,
				gid: 65534,
				cwd: parent,
				encoding: "utf8",
			});
			expect(output.trim()).toBe("FS-1004");
		} finally {
			await chmod(locked, 0o700);
			await rm(parent, { recursive: true, force: true });
		}
	});
});
