import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Discovery, discover, discoverDetailed } from "../src/index.ts";
import { attributes, hasCommand, jarsigner, keytool, only, openssl, scratch } from "./helpers.ts";
import { deflatedZeros, INVALID_DEFLATE_BLOCK, MIB, type ZipMember, zipArchive } from "./zip-writer.ts";

const fixtures = scratch("archives");
let certPem = "";
let certDer: Buffer = Buffer.alloc(0);
let signerDer: Buffer = Buffer.alloc(0);
/** A config file with the certificate starting on line 3. */
let yaml = "";

function listFiles(dir: string): string[] {
	return readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile() || entry.isSymbolicLink())
		.map((entry) => relative(dir, join(entry.parentPath, entry.name)))
		.sort();
}

/** The directory zipped by the zip CLI (symlinks stored as links), or by the test writer where it is missing. */
function zipTree(dir: string, out: string): Buffer {
	if (hasCommand("zip")) {
		execFileSync("zip", ["-qry", out, "."], { cwd: dir });
		return readFileSync(out);
	}
	const members = listFiles(dir).map((name) => ({ name, data: readFileSync(join(dir, name)) }));
	writeFileSync(out, zipArchive(members));
	return readFileSync(out);
}

function tree(name: string, files: Record<string, string | Buffer>): string {
	const root = fixtures.path(name);
	for (const [path, content] of Object.entries(files)) {
		mkdirSync(join(root, path, ".."), { recursive: true });
		writeFileSync(join(root, path), content);
	}
	return root;
}

function tar(args: string[], cwd: string): Buffer {
	return execFileSync("tar", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
}

const members = (found: Discovery[]) => found.map((d) => [d.kind, d.member, d.line]);

beforeAll(() => {
	const p = fixtures.path;
	openssl(
		"req",
		"-x509",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-keyout",
		p("cert.key"),
		"-out",
		p("cert.pem"),
		"-subj",
		"/CN=archived",
		"-days",
		"30",
	);
	certPem = fixtures.text("cert.pem");
	certDer = openssl("x509", "-in", p("cert.pem"), "-outform", "DER");
	yaml = `server:\n  tls: |\n${certPem}`;

	keytool(
		"-genkeypair",
		"-keystore",
		p("signer.p12"),
		"-storetype",
		"PKCS12",
		"-storepass",
		"changeit",
		"-alias",
		"signer",
		"-keyalg",
		"RSA",
		"-keysize",
		"2048",
		"-dname",
		"CN=jar-signer",
		"-validity",
		"30",
	);
	keytool(
		"-exportcert",
		"-keystore",
		p("signer.p12"),
		"-storepass",
		"changeit",
		"-alias",
		"signer",
		"-file",
		p("signer.der"),
	);
	signerDer = fixtures.read("signer.der");

	const classFile = Buffer.concat([Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 61]), Buffer.alloc(200, 1)]);
	zipTree(tree("jar", { "config/app.yaml": yaml, "com/example/App.class": classFile }), p("lib.jar"));
	jarsigner("-keystore", p("signer.p12"), "-storepass", "changeit", p("lib.jar"), "signer");
	const war = tree("war", { "WEB-INF/web.xml": "<web-app/>\n" });
	mkdirSync(join(war, "WEB-INF/lib"), { recursive: true });
	writeFileSync(join(war, "WEB-INF/lib/lib.jar"), fixtures.read("lib.jar"));
	zipTree(war, p("app.war"));
	writeFileSync(join(tree("outer", { "README.txt": "release\n" }), "app.war"), fixtures.read("app.war"));
	zipTree(p("outer"), p("release.zip"));

	tree("tarred/app", { "config/app.yaml": yaml, "bin/run.sh": "#!/bin/sh\n" });
	symlinkSync(join(fixtures.dir, "tarred/app/config/app.yaml"), join(fixtures.dir, "tarred/app/link.yaml"));
	symlinkSync("/etc/passwd", join(fixtures.dir, "tarred/app/passwd"));
	tar(["cf", p("app.tar"), "app"], p("tarred"));
	tar(["czf", p("app.tgz"), "app"], p("tarred"));
	writeFileSync(p("app.yaml"), yaml);
	execFileSync("gzip", ["-k", p("app.yaml")]);
});

afterAll(() => fixtures.remove());

describe("signed JARs and nesting", () => {
	it("reads the signer certificate from the jar's PKCS#7 signature block", () => {
		const found = discover("lib.jar", fixtures.read("lib.jar"));
		const signer = found.find((d) => d.member === "META-INF/SIGNER.RSA");
		expect(signer).toEqual({ ...only(discover("signer.der", signerDer)), member: "META-INF/SIGNER.RSA" });
		expect(attributes(signer as Discovery).subject).toBe("CN=jar-signer");
	});

	it("names members of a jar in a war in a zip with ! and keeps the member's own line numbers", () => {
		const report = discoverDetailed("release.zip", fixtures.read("release.zip"));
		expect(report.warnings).toEqual([]);
		expect(members(report.discoveries).sort()).toEqual([
			["x509", "app.war!WEB-INF/lib/lib.jar!META-INF/SIGNER.RSA", null],
			["x509", "app.war!WEB-INF/lib/lib.jar!config/app.yaml", 3],
		]);
		const nested = report.discoveries.find((d) => d.line === 3) as Discovery;
		const { member: _, ...plain } = nested;
		expect(plain).toEqual(only(discover("app.yaml", Buffer.from(yaml))));
	});

	it("looks into a jar behind a shell-script launcher, by name and, once binary, by content", () => {
		const jar = fixtures.read("lib.jar");
		const script = (size: number) => Buffer.from(`#!/bin/sh\nexec java -jar "$0" "$@"\n${"#".repeat(size)}\n`);
		const long = discover("app.jar", Buffer.concat([script(10_000), jar]));
		expect(long.map((d) => d.member).sort()).toEqual(["META-INF/SIGNER.RSA", "config/app.yaml"]);
		expect(
			discover("launcher", Buffer.concat([script(100), jar]))
				.map((d) => d.member)
				.sort(),
		).toEqual(["META-INF/SIGNER.RSA", "config/app.yaml"]);
	});
});

describe("zip variants", () => {
	it("reads zip64 records, also behind a stub where the zip64 locator's offset is stale", () => {
		if (!hasCommand("zip")) return;
		const dir = tree("zip64", { "certs/cert.pem": certPem });
		execFileSync("zip", ["-q", "-fz", "-r", fixtures.path("forced64.zip"), "."], { cwd: dir });
		const zip64 = fixtures.read("forced64.zip");
		expect(zip64.indexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBeGreaterThan(0);
		for (const bytes of [zip64, Buffer.concat([Buffer.alloc(300, 0x90), zip64])]) {
			expect(discoverDetailed("forced64.zip", bytes)).toEqual({
				discoveries: [expect.objectContaining({ kind: "x509", member: "certs/cert.pem", line: 1 })],
				warnings: [],
				diagnostics: [],
			});
		}
	});

	it("reads jars written by the JDK's jar tool (data descriptors after each member)", () => {
		if (!hasCommand("jar")) return;
		const dir = tree("jar-tool", { "config/app.yaml": yaml });
		execFileSync("jar", ["cf", fixtures.path("tool.jar"), "-C", dir, "."]);
		expect(members(discover("tool.jar", fixtures.read("tool.jar")))).toEqual([["x509", "config/app.yaml", 3]]);
	});
});

describe("tar, tar.gz and gz", () => {
	it("reads tar and tar.gz members under their own names, skipping symlinks", () => {
		for (const name of ["app.tar", "app.tgz"]) {
			const report = discoverDetailed(name, fixtures.read(name));
			expect(members(report.discoveries)).toEqual([["x509", "app/config/app.yaml", 3]]);
			expect(report.warnings).toEqual([]);
		}
	});

	it("names a gz's content after the name gzip recorded, or after the file", () => {
		expect(members(discover("app.yaml.gz", fixtures.read("app.yaml.gz")))).toEqual([["x509", "app.yaml", 3]]);
		const anonymous = gzipSync(Buffer.from(yaml));
		expect(members(discover("conf/tls.pem.gz", anonymous))).toEqual([["x509", "tls.pem", 3]]);
	});

	it("recognises archives by their magic bytes, whatever they are called", () => {
		expect(discover("blob.dat", fixtures.read("lib.jar"))).toHaveLength(2);
		expect(members(discover("backup", fixtures.read("app.tgz")))).toEqual([["x509", "app/config/app.yaml", 3]]);
		expect(members(discover("backup.bin", fixtures.read("app.tar")))).toEqual([["x509", "app/config/app.yaml", 3]]);
		expect(members(discover("data", fixtures.read("app.yaml.gz")))).toEqual([["x509", "app.yaml", 3]]);
	});

	it("recognises bzip2 and xz but does not open them, and says so", () => {
		for (const [tool, name] of [
			["bzip2", "bzip2"],
			["xz", "xz"],
		] as const) {
			if (!hasCommand(tool)) continue;
			const compressed = execFileSync(tool, ["-c", fixtures.path("app.yaml")]);
			expect(discoverDetailed(`app.yaml.${tool}`, compressed)).toEqual({
				discoveries: [],
				warnings: [`app.yaml.${tool}: not opened: ${name} compression is not supported`],
				diagnostics: [],
			});
		}
	});
});

describe("options", () => {
	it("opens no archive when scanArchives is false, but still reads keystores", () => {
		expect(discover("release.zip", fixtures.read("release.zip"), { scanArchives: false })).toEqual([]);
		expect(discover("app.tgz", fixtures.read("app.tgz"), { scanArchives: false })).toEqual([]);
		expect(discover("signer.p12", fixtures.read("signer.p12"), { scanArchives: false })[0]?.kind).toBe("keystore");
	});

	it("opens archives to archiveDepth levels and warns about deeper ones", () => {
		let archive = zipArchive([{ name: "cert.pem", data: certPem }]);
		for (let level = 2; level <= 6; level++) archive = zipArchive([{ name: `level${level - 1}.zip`, data: archive }]);
		const chain = "level5.zip!level4.zip!level3.zip!level2.zip!level1.zip!cert.pem";
		expect(discover("level6.zip", archive, { archiveDepth: 6 }).map((d) => d.member)).toEqual([chain]);
		const report = discoverDetailed("level6.zip", archive);
		expect(report.discoveries).toEqual([]);
		expect(report.warnings).toEqual([
			"level6.zip!level5.zip!level4.zip!level3.zip!level2.zip!level1.zip: not opened: nested deeper than archiveDepth (5)",
		]);
		expect(discover("level6.zip", archive, { archiveDepth: 1 })).toEqual([]);
	});

	it("skips members over maxFileBytes, with a warning", () => {
		const padded = `${certPem}${" ".repeat(64 * 1024)}`;
		const archive = zipArchive([
			{ name: "big.pem", data: padded },
			{ name: "small.pem", data: certPem },
		]);
		const report = discoverDetailed("certs.zip", archive, { maxFileBytes: 32 * 1024 });
		expect(members(report.discoveries)).toEqual([["x509", "small.pem", 1]]);
		expect(report.warnings).toEqual([
			`certs.zip!big.pem: skipped: ${Buffer.byteLength(padded)} bytes, over maxFileBytes (32768 bytes)`,
		]);
	});
});

describe("hostile archives", () => {
	it("stops a nested zip bomb at the decompression budget, quickly", () => {
		const leaf: ZipMember = { name: "zeros", raw: { deflated: deflatedZeros(4), size: 4 * MIB } };
		let bomb = zipArchive(Array.from({ length: 16 }, (_, i) => ({ ...leaf, name: `zeros${i}` })));
		for (let level = 1; level <= 3; level++) {
			bomb = zipArchive(Array.from({ length: 16 }, (_, i) => ({ name: `level${level}-${i}.zip`, data: bomb })));
		}
		// 16^4 members of 4 MiB: 256 GiB if nothing stopped it.
		expect(bomb.length).toBeLessThan(2 * MIB);
		const started = performance.now();
		const report = discoverDetailed("42.zip", bomb);
		expect(performance.now() - started).toBeLessThan(15_000);
		expect(report.discoveries).toEqual([]);
		expect(report.warnings).toHaveLength(1);
		expect(report.warnings[0]).toMatch(
			/^42\.zip!level3-0\.zip!level2-0\.zip!level1-7\.zip!zeros\d+: archive decompression budget \(512 MiB\) exhausted; no further archive members were opened$/,
		);
	});

	it("stops 1 GiB of zeros three archives deep, scanned as the worker does (no maxFileBytes)", () => {
		let bomb = zipArchive([{ name: "zeros.bin", raw: { deflated: deflatedZeros(1024), size: 1024 * MIB } }]);
		for (let level = 1; level <= 2; level++) bomb = zipArchive([{ name: `level${level}.zip`, data: bomb }]);
		const started = performance.now();
		const unlimited = discoverDetailed("bomb.zip", bomb, { maxFileBytes: Number.POSITIVE_INFINITY });
		expect(unlimited.warnings).toEqual([
			"bomb.zip!level2.zip!level1.zip!zeros.bin: archive decompression budget (512 MiB) exhausted; no further archive members were opened",
		]);
		// The same member claiming 1 KiB: inflating stops at the budget instead of being refused up front.
		let liar = zipArchive([{ name: "zeros.bin", raw: { deflated: deflatedZeros(1024), size: 1024 } }]);
		for (let level = 1; level <= 2; level++) liar = zipArchive([{ name: `level${level}.zip`, data: liar }]);
		expect(discoverDetailed("liar.zip", liar, { maxFileBytes: Number.POSITIVE_INFINITY }).warnings).toEqual([
			"liar.zip!level2.zip!level1.zip!zeros.bin: archive decompression budget (512 MiB) exhausted; no further archive members were opened",
		]);
		expect(performance.now() - started).toBeLessThan(15_000);
		expect(discoverDetailed("bomb.zip", bomb).warnings).toEqual([
			"bomb.zip!level2.zip!level1.zip!zeros.bin: skipped: 1024 MiB, over maxFileBytes (8 MiB)",
		]);
	});

	it("cuts a member that lies about its size at maxFileBytes and carries on", () => {
		const liar = zipArchive([
			{ name: "small.txt", raw: { deflated: deflatedZeros(64), size: 1000 } },
			{ name: "cert.pem", data: certPem },
		]);
		const report = discoverDetailed("liar.zip", liar);
		expect(members(report.discoveries)).toEqual([["x509", "cert.pem", 1]]);
		expect(report.warnings).toEqual(["liar.zip!small.txt: skipped: over maxFileBytes (8 MiB) once decompressed"]);
	});

	it("charges a corrupt member what it could have produced, so corruption cannot dodge the budget", () => {
		const corrupt = Buffer.concat([deflatedZeros(4).subarray(0, -2), INVALID_DEFLATE_BLOCK]);
		const archive = zipArchive([
			{ name: "corrupt.bin", raw: { deflated: corrupt, size: 0 } },
			{ name: "zeros.bin", raw: { deflated: deflatedZeros(2), size: 2 * MIB } },
		]);
		const report = discoverDetailed("mixed.zip", archive, { archiveMaxDecompressedBytes: 5 * MIB });
		expect(report.warnings).toEqual([
			"mixed.zip!corrupt.bin: corrupt compressed data (invalid block type)",
			"mixed.zip!zeros.bin: archive decompression budget (5 MiB) exhausted; no further archive members were opened",
		]);
	});

	it("counts entries, directories included, against archiveMaxEntries", () => {
		const entries: ZipMember[] = Array.from({ length: 300 }, (_, i) => ({ name: `dir${i}/` }));
		entries.splice(50, 0, { name: "early.pem", data: certPem });
		entries.splice(250, 0, { name: "late.pem", data: certPem });
		const report = discoverDetailed("many.zip", zipArchive(entries), { archiveMaxEntries: 100 });
		expect(report.discoveries.map((d) => d.member)).toEqual(["early.pem"]);
		expect(report.warnings).toEqual([
			"many.zip!dir99/: archive entry limit (100) reached; no further archive members were opened",
		]);
	});

	it("stops opening members once archiveTimeLimitMs has passed", () => {
		const report = discoverDetailed("release.zip", fixtures.read("release.zip"), { archiveTimeLimitMs: 0 });
		expect(report.discoveries).toEqual([]);
		expect(report.warnings).toEqual([
			expect.stringMatching(
				/^release\.zip!\S+: archive time limit \(0 ms\) reached; no further archive members were opened$/,
			),
		]);
	});

	it("treats traversal, absolute and control-character names as labels and writes nothing", () => {
		const names = ["../../etc/passwd", "/etc/ssl/private/evil.pem", "..\\..\\windows\\win.ini", "a/../../b.pem"];
		const archive = zipArchive([
			...names.map((name) => ({ name, data: certPem, stored: true })),
			{ name: "forged\nline.pem", data: certPem },
		]);
		const before = {
			scratch: listFiles(fixtures.dir),
			tmp: readdirSync(tmpdir()).sort(),
			cwd: readdirSync(".").sort(),
		};
		const found = discover("traversal.zip", archive);
		expect(found.map((d) => d.member)).toEqual([...names, "forged\uFFFDline.pem"]);
		expect({
			scratch: listFiles(fixtures.dir),
			tmp: readdirSync(tmpdir()).sort(),
			cwd: readdirSync(".").sort(),
		}).toEqual(before);
	});

	it("never follows or reads symlink members", () => {
		const crafted = zipArchive([
			{ name: "link.pem", data: certPem, symlink: true },
			{ name: "passwd", data: "/etc/passwd", symlink: true },
		]);
		expect(discoverDetailed("links.zip", crafted)).toEqual({ discoveries: [], warnings: [], diagnostics: [] });
		const dir = tree("linked", { "real.pem": certPem });
		symlinkSync(join(dir, "real.pem"), join(dir, "alias.pem"));
		symlinkSync("/etc/ssl/certs", join(dir, "certs"));
		const zipped = zipTree(dir, fixtures.path("linked.zip"));
		expect(discover("linked.zip", zipped).map((d) => d.member)).toEqual(["real.pem"]);
	});

	it("reports corrupt and truncated archives as warnings and never throws", () => {
		const zip = fixtures.read("release.zip");
		const tgz = fixtures.read("app.tgz");
		const tarball = fixtures.read("app.tar");
		const flipped = Buffer.from(zip);
		flipped.fill(0xff, zip.length - 120, zip.length - 30);
		const badChecksum = Buffer.from(tarball);
		badChecksum[10] = 0x41;
		const badLaterHeader = Buffer.from(tarball);
		badLaterHeader[512 + 10] = 0x41;
		const unsupported = zipArchive([{ name: "cert.pem", data: certPem }]);
		unsupported.writeUInt16LE(12, unsupported.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 10);
		const cases: [string, Buffer][] = [
			["head.zip", zip.subarray(0, zip.length >> 1)],
			["tail.zip", zip.subarray(zip.length >> 1)],
			["directory.zip", flipped],
			["junk.zip", Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(64, 0x5a)])],
			["checksum.tar", badChecksum],
			["later.tar", badLaterHeader],
			["cut.tgz", tgz.subarray(0, 40)],
			["junk.gz", Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff])],
			["method.zip", unsupported],
		];
		for (const [name, bytes] of cases) {
			let report: ReturnType<typeof discoverDetailed> | undefined;
			expect(() => {
				report = discoverDetailed(name, bytes);
			}, name).not.toThrow();
			expect(report?.warnings.length, name).toBeGreaterThan(0);
		}
		expect(discoverDetailed("method.zip", unsupported).warnings).toEqual([
			"method.zip!cert.pem: not opened: compression method 12 is not supported",
		]);
		expect(discoverDetailed("checksum.tar", badChecksum).warnings).toEqual([
			"checksum.tar: not opened: not a readable tar archive",
		]);
		expect(discoverDetailed("later.tar", badLaterHeader).warnings).toEqual([
			"later.tar: corrupt tar header at offset 512",
		]);
	});

	it("still reads the members before the cut in a truncated tar.gz", () => {
		const big = tree("cut/app", { "a/cert.pem": certPem, "z/noise.bin": randomBytes(64 * 1024) });
		const tgz = tar(["czf", "-", "--sort=name", "app"], join(big, ".."));
		const report = discoverDetailed("cut.tar.gz", tgz.subarray(0, tgz.length - 16 * 1024));
		expect(members(report.discoveries)).toEqual([["x509", "app/a/cert.pem", 1]]);
		expect(report.warnings).toEqual([
			expect.stringMatching(/^cut\.tar\.gz!cut\.tar: \d+ bytes recovered, \d+ recorded: truncated or corrupt$/),
			expect.stringMatching(/^cut\.tar\.gz: tar member at offset \d+ is truncated$/),
		]);
	});
});

describe("detailed and plain results", () => {
	it("discover returns exactly the discoveries of discoverDetailed", () => {
		for (const name of ["release.zip", "app.tgz", "lib.jar"]) {
			expect(discover(name, fixtures.read(name))).toEqual(discoverDetailed(name, fixtures.read(name)).discoveries);
		}
		expect(only(discover("cert.der", certDer)).member).toBeUndefined();
	});
});
