import { chmod, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitSensor } from "../src/index.ts";
import { collect, makeTempDir, rejection, runContext, TestRepo } from "./fixtures.ts";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n";
const BIG = Buffer.alloc(2 * 1024 * 1024, 7);

let base: string;
let repo: TestRepo;
let mainHead: string;
let featureHead: string;

beforeAll(async () => {
	base = await makeTempDir("git");
	repo = await TestRepo.create(base);
	const dir = repo.dir;
	await mkdir(join(dir, "certs/nested/deep"), { recursive: true });
	await mkdir(join(dir, ".config"));
	await writeFile(join(dir, "README.md"), "# demo\n");
	await writeFile(join(dir, "certs/server.pem"), PEM);
	await writeFile(
		join(dir, "certs/nested/deep/key.pem"),
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
	);
	await writeFile(join(dir, ".config/app.yml"), "tls: true\n");
	await writeFile(join(dir, "big.bin"), BIG);
	await writeFile(join(dir, "run.sh"), "#!/bin/sh\n");
	await chmod(join(dir, "run.sh"), 0o755);
	// Checkout would turn these LF into CRLF; the scanner must see the committed bytes.
	await writeFile(join(dir, ".gitattributes"), "*.txt text eol=crlf\n");
	await writeFile(join(dir, "notes.txt"), "line one\nline two\n");
	await symlink("/etc/passwd", join(dir, "passwd-link"));
	repo.git("add", "--all");
	repo.git("update-index", "--add", "--cacheinfo", `160000,${"1".repeat(40)},vendor/submodule`);
	mainHead = repo.commitAll("initial");
	repo.git("checkout", "--quiet", "-b", "feature");
	await writeFile(join(dir, "feature.pem"), PEM);
	featureHead = repo.commitAll("feature work");
	repo.git("checkout", "--quiet", "main");
});

afterAll(async () => {
	await rm(base, { recursive: true, force: true });
});

describe("GIT Sensor: full scans", () => {
	it("clones the default branch and yields every regular file with its committed bytes", async () => {
		const snapshot = await gitSensor.open({ url: repo.url }, await runContext(base));
		expect(snapshot.mode).toBe("full");
		expect(snapshot.cursor).toBe(mainHead);
		expect(snapshot.deleted).toEqual([]);
		const files = await collect(snapshot);
		expect([...files.keys()]).toEqual([
			".config/app.yml",
			".gitattributes",
			"README.md",
			"big.bin",
			"certs/nested/deep/key.pem",
			"certs/server.pem",
			"notes.txt",
			"run.sh",
		]);
		expect(files.get("certs/server.pem")).toEqual({ size: PEM.length, content: Buffer.from(PEM) });
		expect(files.get("big.bin")?.size).toBe(BIG.length);
		expect(files.get("big.bin")?.content.equals(BIG)).toBe(true);
		expect(files.get("notes.txt")?.content.toString()).toBe("line one\nline two\n");
		for (const file of files.values()) expect(file.content.length).toBe(file.size);
	});

	it("applies include and exclude globs to repo-relative paths, dot files included", async () => {
		const snapshot = await gitSensor.open(
			{ url: repo.url, include_paths: ["**/*.pem", "**/*.yml"], exclude_paths: ["certs/nested/**"] },
			await runContext(base),
		);
		expect([...(await collect(snapshot)).keys()]).toEqual([".config/app.yml", "certs/server.pem"]);
	});

	it("offers files above max_file_size_mb with their size, for the scanner to skip unread", async () => {
		const snapshot = await gitSensor.open({ url: repo.url, max_file_size_mb: 1 }, await runContext(base));
		const files = await collect(snapshot);
		expect(files.get("big.bin")?.size).toBeGreaterThan(1024 * 1024);
		expect([...files.keys()]).toContain("README.md");
	});

	it("clones the configured branch", async () => {
		const snapshot = await gitSensor.open({ url: repo.url, branch: "feature" }, await runContext(base));
		expect(snapshot.cursor).toBe(featureHead);
		expect([...(await collect(snapshot)).keys()]).toContain("feature.pem");
	});

	it("reports an unknown branch as GIT-1003", async () => {
		const error = await rejection(gitSensor.open({ url: repo.url, branch: "no-such-branch" }, await runContext(base)));
		expect(error).toMatchObject({ code: "GIT-1003", retryable: false });
		expect(error.message).toContain("no-such-branch");
	});

	it("refuses file:// URLs unless the worker allows them (GIT-1005)", async () => {
		const context = await runContext(base, { settings: { allowGitFileUrls: false } });
		expect(await rejection(gitSensor.open({ url: repo.url }, context))).toMatchObject({
			code: "GIT-1005",
			retryable: false,
		});
	});

	it("reports a repository that does not exist as GIT-1001", async () => {
		const url = pathToFileURL(join(base, "does-not-exist")).href;
		expect(await rejection(gitSensor.open({ url }, await runContext(base)))).toMatchObject({
			code: "GIT-1001",
			retryable: false,
		});
	});

	it("names a repository the server cannot send (missing objects) as damaged, not unreachable, and does not retry", async () => {
		// Found on a real mirror with missing blobs: git said "early EOF", which read as a network failure.
		const damaged = await TestRepo.create(base, "damaged");
		await writeFile(join(damaged.dir, "server.pem"), PEM);
		damaged.commitAll("one file");
		const blob = damaged.git("rev-parse", "HEAD:server.pem").trim();
		await rm(join(damaged.dir, ".git", "objects", blob.slice(0, 2), blob.slice(2)));
		const error = await rejection(gitSensor.open({ url: damaged.url }, await runContext(base)));
		expect(error).toMatchObject({ code: "GIT-1099", retryable: false });
		expect(error.message).toContain("missing or damaged objects");
		expect(error.message).not.toContain("Could not reach");
	});

	it("refuses URLs the config schema would refuse (GIT-1006)", async () => {
		const error = await rejection(gitSensor.open({ url: "ext::sh -c touch% /tmp/pwned" }, await runContext(base)));
		expect(error.code).toBe("GIT-1006");
	});

	it("treats an empty repository as a full scan of nothing", async () => {
		const empty = await TestRepo.create(base, "empty");
		const snapshot = await gitSensor.open({ url: empty.url }, await runContext(base));
		expect(snapshot).toMatchObject({ cursor: null, mode: "full", deleted: [] });
		expect((await collect(snapshot)).size).toBe(0);
	});
});
