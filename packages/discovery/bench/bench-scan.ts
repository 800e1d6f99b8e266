/**
 * Throughput of `discover` over a synthetic source tree, next to ripgrep searching the same tree for the
 * same anchors single-threaded; then over an archive-heavy corpus (jars in wars in zips), next to ripgrep on
 * the same content extracted. Run: npm run bench:scan
 */
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import {
	closeSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	openSync,
	readdirSync,
	readFileSync,
	readSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { SYNTHETIC_WORDS, seededText } from "@sensorium/testing";
import { discover, discoverDetailed } from "../src/index.ts";
import { clearParseCache } from "../src/memo.ts";
import { EXTRACTED, ensureArchiveCorpus, RELEASES, treeBytes } from "./archive-corpus.ts";

const CORPUS = join(tmpdir(), "sensorium-bench-corpus");
const COMPLETE_MARKER = join(CORPUS, ".complete");
const TARGET_BYTES = 210 * 1024 * 1024;
const FILES_PER_DIR = 80;
const ASSET_RATE = 0.01;
const BINARY_RATE = 0.01;
const RUNS = 3;
const RG_PATTERN = "-----BEGIN [A-Z0-9 ]+-----|ssh-(rsa|ed25519|dss) AAAA|ecdsa-sha2-nistp|eyJ[A-Za-z0-9_-]{10,}\\.eyJ";

const { random, pick, between, ident, phrase: comment } = seededText(20_240_601);
const WORDS = SYNTHETIC_WORDS;

type Language = { ext: string; file: (lines: string[]) => string; line: () => string };

const LANGUAGES: Language[] = [
	{
		ext: "js",
		file: (lines) => `import { ${ident()} } from "./${pick(WORDS)}.js";\n\n${lines.join("\n")}\n`,
		line: () =>
			pick([
				`export function ${ident()}(${ident()}, ${ident()}) {\n\tconst ${ident()} = ${ident()}.${ident()}(${between(0, 999)});\n\tif (!${ident()}) throw new Error("${comment()}");\n\treturn ${ident()}.map((x) => x * ${between(2, 9)});\n}`,
				`// ${comment()}`,
				`const ${ident()} = { ${ident()}: "${pick(WORDS)}", ${ident()}: ${between(0, 99999)}, enabled: true };`,
				`\tawait ${ident()}.${ident()}({ ${ident()}, timeout: ${between(100, 5000)} });`,
			]),
	},
	{
		ext: "java",
		file: (lines) =>
			`package com.example.${pick(WORDS)};\n\nimport java.util.List;\n\npublic class ${ident().replace(/^./, (c) => c.toUpperCase())} {\n${lines.join("\n")}\n}\n`,
		line: () =>
			pick([
				`    private final List<String> ${ident()} = new ArrayList<>();`,
				`    /** ${comment()} */\n    public int ${ident()}(String ${ident()}, int ${ident()}) {\n        for (int i = 0; i < ${between(1, 64)}; i++) {\n            ${ident()}.add(String.valueOf(i));\n        }\n        return ${ident()}.size();\n    }`,
				`    // ${comment()}`,
				`    LOG.info("${comment()} {}", ${ident()});`,
			]),
	},
	{
		ext: "py",
		file: (lines) => `import os\nimport json\nfrom ${pick(WORDS)} import ${ident()}\n\n${lines.join("\n")}\n`,
		line: () =>
			pick([
				`def ${pick(WORDS)}_${pick(WORDS)}(${pick(WORDS)}, ${pick(WORDS)}=None):\n    """${comment()}"""\n    result = [x for x in ${pick(WORDS)} if x > ${between(0, 100)}]\n    return json.dumps(result)`,
				`# ${comment()}`,
				`${pick(WORDS).toUpperCase()}_${pick(WORDS).toUpperCase()} = os.environ.get("${pick(WORDS).toUpperCase()}", "${pick(WORDS)}")`,
				`    logger.debug("%s ${comment()}", ${pick(WORDS)})`,
			]),
	},
	{
		ext: "go",
		file: (lines) => `package ${pick(WORDS)}\n\nimport (\n\t"fmt"\n\t"strings"\n)\n\n${lines.join("\n")}\n`,
		line: () =>
			pick([
				`func ${ident()}(${pick(WORDS)} string, n int) (string, error) {\n\tif n > ${between(1, 500)} {\n\t\treturn "", fmt.Errorf("${comment()}: %d", n)\n\t}\n\treturn strings.Repeat(${pick(WORDS)}, n), nil\n}`,
				`// ${comment()}`,
				`var ${ident()} = map[string]int{"${pick(WORDS)}": ${between(0, 9999)}, "${pick(WORDS)}": ${between(0, 9999)}}`,
			]),
	},
	{
		ext: "c",
		file: (lines) => `#include <stdio.h>\n#include <stdlib.h>\n#include "${pick(WORDS)}.h"\n\n${lines.join("\n")}\n`,
		line: () =>
			pick([
				`static int ${pick(WORDS)}_${pick(WORDS)}(const char *${pick(WORDS)}, size_t len) {\n    /* ${comment()} */\n    for (size_t i = 0; i < len; i++) {\n        if (${pick(WORDS)}[i] == '\\0') return -1;\n    }\n    return ${between(0, 255)};\n}`,
				`/* ${comment()} */`,
				`#define ${pick(WORDS).toUpperCase()}_${pick(WORDS).toUpperCase()} ${between(0, 65535)}`,
			]),
	},
];

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

const DISTINCT_ASSETS = 16;

/**
 * Assets to sprinkle, mostly distinct so the parse cache does not flatter the numbers: certificates from the
 * openssl CLI, keys and tokens from node:crypto, PEM embedded in string literals, and decoys.
 */
function assetSnippets(): { text: string[]; binary: Buffer[] } {
	const work = mkdtempSync(join(tmpdir(), "sensorium-bench-assets-"));
	try {
		const text: string[] = [];
		const binary: Buffer[] = [];
		const certs: string[] = [];
		for (let i = 0; i < DISTINCT_ASSETS; i++) {
			const cert = join(work, "cert.pem");
			const keyArgs = i % 2 === 0 ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
			execFileSync(
				"openssl",
				[
					"req",
					"-x509",
					...keyArgs,
					"-nodes",
					"-keyout",
					join(work, "cert.key"),
					"-out",
					cert,
					"-subj",
					`/CN=bench-${i}`,
					"-days",
					"365",
				],
				{ stdio: "ignore" },
			);
			const pem = readFileSync(cert, "latin1");
			certs.push(pem);
			binary.push(execFileSync("openssl", ["x509", "-in", cert, "-outform", "DER"]));
			const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
			const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
			const ed = generateKeyPairSync("ed25519");
			const keyPem = rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
			const edRaw = Buffer.from(ed.publicKey.export({ format: "jwk" }).x ?? "", "base64url");
			const sshBlob = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(edRaw)]);
			const claims = `{"iss":"https://issuer${i}.example","sub":"${1000 + i}","exp":${1_900_000_000 + i}}`;
			const jwt = `${base64url('{"alg":"RS256","typ":"JWT"}')}.${base64url(claims)}.${base64url(Buffer.alloc(256, i))}`;
			text.push(
				pem,
				keyPem,
				ec.privateKey.export({ type: "sec1", format: "pem" }).toString(),
				ed.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
				rsa.publicKey.export({ type: "spki", format: "pem" }).toString(),
				`const caCert = ${JSON.stringify(pem)};`,
				`private static final String KEY = ${JSON.stringify(keyPem)};`,
				`const authorization = "Bearer ${jwt}";`,
				`authorized_key = "ssh-ed25519 ${sshBlob.toString("base64")} deploy${i}@bench"`,
			);
			binary.push(rsa.privateKey.export({ type: "pkcs8", format: "der" }));
		}
		text.push(
			certs.slice(0, 8).join(""),
			"# -----BEGIN CERTIFICATE----- is how a PEM certificate starts",
			"-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
			'const notAToken = "eyJhbGciOiJub25lIn0"; // header only',
		);
		return { text, binary };
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

function sshString(value: Buffer): Buffer {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(value.length);
	return Buffer.concat([length, value]);
}

function sourceFile(snippets: string[]): { ext: string; source: string } {
	const language = pick(LANGUAGES);
	const targetSize = between(2_000, 50_000);
	const lines: string[] = [];
	let size = 0;
	while (size < targetSize) {
		const line = language.line();
		lines.push(line);
		size += line.length + 1;
	}
	if (random() < ASSET_RATE) lines.splice(between(0, lines.length), 0, pick(snippets));
	return { ext: language.ext, source: language.file(lines) };
}

function generateCorpus(): void {
	rmSync(CORPUS, { recursive: true, force: true });
	const { text, binary } = assetSnippets();
	let written = 0;
	for (let n = 0; written < TARGET_BYTES; n++) {
		const dir = join(CORPUS, `repo${Math.floor(n / (FILES_PER_DIR * 20))}`, `module${Math.floor(n / FILES_PER_DIR)}`);
		if (n % FILES_PER_DIR === 0) mkdirSync(dir, { recursive: true });
		let content: Buffer;
		let name: string;
		if (random() < BINARY_RATE) {
			const der = random() < 0.3;
			content = der
				? pick(binary)
				: Buffer.from(Array.from({ length: between(2_000, 50_000) }, () => (random() < 0.2 ? 0 : between(1, 255))));
			name = der ? `asset${n}.der` : `blob${n}.bin`;
		} else {
			const { ext, source } = sourceFile(text);
			content = Buffer.from(source, "latin1");
			name = `file${n}.${ext}`;
		}
		writeFileSync(join(dir, name), content);
		written += content.length;
	}
	writeFileSync(COMPLETE_MARKER, new Date().toISOString());
}

function listFiles(root = CORPUS): string[] {
	return readdirSync(root, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile() && entry.name !== ".complete")
		.map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Reads into one reusable buffer. readFileSync's fstat and per-file allocation showed up in profiles, and a
 * regular file on Linux returns everything in one read, so no EOF probe either (as long as it fits).
 */
function readInto(path: string, buffer: Buffer): Buffer {
	const fd = openSync(path, "r");
	try {
		const length = readSync(fd, buffer, 0, buffer.length, 0);
		if (length === buffer.length) throw new Error(`${path} does not fit the read buffer`);
		return buffer.subarray(0, length);
	} finally {
		closeSync(fd);
	}
}

interface ScanResult {
	seconds: number;
	bytes: number;
	files: number;
	findings: Map<string, number>;
}

function scanOnce(): ScanResult {
	const buffer = Buffer.allocUnsafe(16 * 1024 * 1024);
	const findings = new Map<string, number>();
	let bytes = 0;
	const started = performance.now();
	const files = listFiles();
	for (const path of files) {
		const content = readInto(path, buffer);
		bytes += content.length;
		for (const discovery of discover(path, content))
			findings.set(discovery.kind, (findings.get(discovery.kind) ?? 0) + 1);
	}
	return { seconds: (performance.now() - started) / 1000, bytes, files: files.length, findings };
}

/** Seconds taken and the number of files rg reports a match in (one `path:count` line each). */
function ripgrepOnce(root = CORPUS): { seconds: number; files: number } | undefined {
	const started = performance.now();
	const result = spawnSync("rg", ["-j1", "--no-ignore", "--hidden", "--no-messages", "-c", "-e", RG_PATTERN, root], {
		stdio: ["ignore", "pipe", "ignore"],
		encoding: "utf8",
	});
	const seconds = (performance.now() - started) / 1000;
	return result.error ? undefined : { seconds, files: result.stdout.split("\n").filter(Boolean).length };
}

const mb = (bytes: number) => bytes / (1024 * 1024);

/** A cold start: fresh process, so JIT warm-up, OpenSSL initialisation and an empty parse cache all count. */
function scanInFreshProcess(): ScanResult {
	const script = process.argv[1] ?? "";
	const output = execFileSync(process.execPath, [...process.execArgv, script, "--once"], { encoding: "utf8" });
	const parsed = JSON.parse(output) as Omit<ScanResult, "findings"> & { findings: [string, number][] };
	return { ...parsed, findings: new Map(parsed.findings) };
}

/** Steady state, as in a long-running worker: JIT warmed up, but no parse results carried over between runs. */
function scanWarm(): ScanResult {
	clearParseCache();
	return scanOnce();
}

const rate = (result: ScanResult) => mb(result.bytes) / result.seconds;

/** The worker's settings: sensors bound file sizes, so only the archive budgets limit what is opened. */
const WORKER_OPTIONS = { maxFileBytes: Number.POSITIVE_INFINITY };

function scanArchivesOnce(): ScanResult & { warnings: number } {
	clearParseCache();
	const buffer = Buffer.allocUnsafe(64 * 1024 * 1024);
	const findings = new Map<string, number>();
	let bytes = 0;
	let warnings = 0;
	const started = performance.now();
	const files = listFiles(RELEASES);
	for (const path of files) {
		const content = readInto(path, buffer);
		bytes += content.length;
		const report = discoverDetailed(path, content, WORKER_OPTIONS);
		warnings += report.warnings.length;
		for (const discovery of report.discoveries) findings.set(discovery.kind, (findings.get(discovery.kind) ?? 0) + 1);
	}
	return { seconds: (performance.now() - started) / 1000, bytes, files: files.length, findings, warnings };
}

function archiveBenchmark(): void {
	if (!ensureArchiveCorpus()) {
		console.log("archives: zip or unzip CLI not found, archive benchmark skipped");
		return;
	}
	scanArchivesOnce();
	const best = Array.from({ length: RUNS }, scanArchivesOnce).reduce((a, b) => (b.seconds < a.seconds ? b : a));
	const content = treeBytes(EXTRACTED);
	const findings = [...best.findings].map(([kind, count]) => `${kind}=${count}`).join(" ");
	console.log(
		`archives: ${best.files} release zips, ${mb(best.bytes).toFixed(1)} MB holding wars holding jars; ${mb(content).toFixed(1)} MB once extracted (${EXTRACTED})`,
	);
	console.log(`archive findings: ${findings}, warnings ${best.warnings}`);
	const ours = mb(content) / best.seconds;
	console.log(
		`discover over the zips, warm (best of ${RUNS}): ${best.seconds.toFixed(3)} s, ${(mb(best.bytes) / best.seconds).toFixed(1)} MB/s of archives, ${ours.toFixed(1)} MB/s of extracted content`,
	);
	const rgRuns = Array.from({ length: RUNS }, () => ripgrepOnce(EXTRACTED));
	if (rgRuns.some((run) => run === undefined)) return;
	const rgBest = (rgRuns as { seconds: number; files: number }[]).reduce((a, b) => (b.seconds < a.seconds ? b : a));
	const rg = mb(content) / rgBest.seconds;
	console.log(
		`rg -j1 over the extracted tree (best of ${RUNS}): ${rgBest.seconds.toFixed(3)} s, ${rg.toFixed(1)} MB/s, ${rgBest.files} files matched`,
	);
	console.log(
		`ratio ours/rg on content MB/s: ${(ours / rg).toFixed(2)} (ours also decompresses; rg reads extracted files)`,
	);
}

function main(): void {
	if (process.argv.includes("--once")) {
		const result = scanOnce();
		process.stdout.write(JSON.stringify({ ...result, findings: [...result.findings] }));
		return;
	}
	if (!existsSync(COMPLETE_MARKER)) {
		console.log(`generating corpus in ${CORPUS} ...`);
		generateCorpus();
	}
	const fastest = (runs: ScanResult[]) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
	const cold = fastest(Array.from({ length: RUNS }, scanInFreshProcess));
	scanWarm();
	const best = fastest(Array.from({ length: RUNS }, scanWarm));
	const ours = rate(best);
	const total = [...best.findings.values()].reduce((a, b) => a + b, 0);
	console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? "unknown cpu"}, node ${process.version}`);
	console.log(`corpus: ${best.files} files, ${mb(best.bytes).toFixed(1)} MB in ${CORPUS}`);
	console.log(`findings: ${[...best.findings].map(([kind, count]) => `${kind}=${count}`).join(" ")} (total ${total})`);
	console.log(`discover, cold process (best of ${RUNS}): ${cold.seconds.toFixed(3)} s, ${rate(cold).toFixed(1)} MB/s`);
	console.log(
		`discover, warm (best of ${RUNS}): ${best.seconds.toFixed(3)} s, ${ours.toFixed(1)} MB/s, ${(best.files / best.seconds).toFixed(0)} files/s`,
	);
	const rgRuns = Array.from({ length: RUNS }, () => ripgrepOnce());
	if (rgRuns.some((run) => run === undefined)) {
		console.log("rg (ripgrep) not found: install it with `apt-get install -y ripgrep` to get the comparison");
	} else {
		const rgBest = (rgRuns as { seconds: number; files: number }[]).reduce((a, b) => (b.seconds < a.seconds ? b : a));
		const rg = mb(best.bytes) / rgBest.seconds;
		console.log(
			`rg -j1 (best of ${RUNS}): ${rgBest.seconds.toFixed(3)} s, ${rg.toFixed(1)} MB/s, ${rgBest.files} files matched`,
		);
		console.log(`ratio ours/rg: warm ${(ours / rg).toFixed(2)}, cold process ${(rate(cold) / rg).toFixed(2)}`);
	}
	archiveBenchmark();
}

main();
