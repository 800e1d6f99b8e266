/**
 * The discovery engine over any directory, as a check on data no one here wrote: files, bytes, time, files
 * that raised (stage and message), assets by kind, and, where the openssl CLI is present, the files openssl
 * reads as a certificate, a key or a PKCS#12 store that the engine missed.
 * Run: npm run corpus -- DIR [--max-file-mb N] [--json]
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { type AssetKind, DEFAULT_KEYSTORE_PASSWORDS, discoverDetailed } from "../src/index.ts";

interface Options {
	dir: string;
	maxFileBytes: number;
	json: boolean;
}

function parseArgs(argv: string[]): Options {
	let dir: string | undefined;
	let maxFileMb = 25;
	let json = false;
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i] as string;
		if (arg === "--max-file-mb") maxFileMb = Number(argv[++i]);
		else if (arg === "--json") json = true;
		else if (arg === "--help" || arg === "-h") usage(0);
		else if (!dir) dir = arg;
		else usage(2);
	}
	if (!dir || !Number.isFinite(maxFileMb) || maxFileMb <= 0) usage(2);
	return { dir, maxFileBytes: Math.floor(maxFileMb * 1024 * 1024), json };
}

function usage(code: number): never {
	console.error("usage: npm run corpus -- DIR [--max-file-mb N (default 25)] [--json]");
	process.exit(code);
}

function* walk(dir: string): Generator<string> {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (entry.name === ".git") continue;
		const path = join(dir, entry.name);
		if (entry.isDirectory()) yield* walk(path);
		else if (entry.isFile()) yield path;
	}
}

/** What openssl itself can read in a file: a certificate, a key, a PKCS#12 store, or nothing. */
type OpensslView = "x509" | "key" | "keystore" | null;

function opensslReads(path: string, bytes: Buffer): OpensslView {
	const text = bytes.subarray(0, 64 * 1024).toString("latin1");
	const pem = text.includes("-----BEGIN ");
	const der = !pem && bytes[0] === 0x30;
	if (!pem && !der) return null;
	const form = pem ? "PEM" : "DER";
	const quiet = { stdio: ["ignore", "ignore", "ignore"] as ["ignore", "ignore", "ignore"], timeout: 10_000 };
	const tries: [OpensslView, string[]][] = [
		["x509", ["x509", "-in", path, "-inform", form, "-noout"]],
		["key", ["pkey", "-in", path, "-inform", form, "-noout", "-passin", "pass:"]],
		["key", ["pkey", "-pubin", "-in", path, "-inform", form, "-noout"]],
	];
	if (der) {
		for (const password of DEFAULT_KEYSTORE_PASSWORDS) {
			tries.push(["keystore", ["pkcs12", "-in", path, "-noout", "-passin", `pass:${password}`]]);
		}
	}
	for (const [view, args] of tries) {
		try {
			execFileSync("openssl", args, quiet);
			return view;
		} catch {
			// Not this kind, or not readable by openssl without a password.
		}
	}
	return null;
}

function hasOpenssl(): boolean {
	try {
		execFileSync("openssl", ["version"], { stdio: "ignore" });
		return true;
	} catch {
		return false;
	}
}

const options = parseArgs(process.argv.slice(2));
const compare = hasOpenssl();
const totals = { files: 0, bytes: 0, skipped: 0, ms: 0, filesWithDiagnostics: 0, opensslReadable: 0 };
const byKind = new Map<AssetKind, number>();
const raised: { path: string; stage: string; errorClass: string; message: string }[] = [];
const missed: { path: string; openssl: OpensslView }[] = [];

for (const path of walk(options.dir)) {
	const name = relative(options.dir, path);
	const size = statSync(path).size;
	if (size > options.maxFileBytes) {
		totals.skipped++;
		continue;
	}
	const bytes = readFileSync(path);
	const started = performance.now();
	const report = discoverDetailed(name, bytes, { maxFileBytes: options.maxFileBytes });
	totals.ms += performance.now() - started;
	totals.files++;
	totals.bytes += bytes.length;
	for (const found of report.discoveries) byKind.set(found.kind, (byKind.get(found.kind) ?? 0) + 1);
	if (report.diagnostics.length > 0) totals.filesWithDiagnostics++;
	for (const diagnostic of report.diagnostics) {
		raised.push({
			path: diagnostic.member ? `${name}!${diagnostic.member}` : name,
			stage: diagnostic.stage,
			errorClass: diagnostic.errorClass,
			message: diagnostic.message,
		});
	}
	if (!compare) continue;
	const view = opensslReads(path, bytes);
	if (!view) continue;
	totals.opensslReadable++;
	// Top-level finds only: openssl reads the file itself, not what an archive inside it holds.
	const kinds = new Set(report.discoveries.filter((d) => !d.member).map((d) => d.kind));
	if (!kinds.has(view)) missed.push({ path: name, openssl: view });
}

const summary = {
	dir: options.dir,
	files: totals.files,
	bytes: totals.bytes,
	skippedOverLimit: totals.skipped,
	seconds: Number((totals.ms / 1000).toFixed(2)),
	assetsByKind: Object.fromEntries([...byKind].sort()),
	filesWithDiagnostics: totals.filesWithDiagnostics,
	diagnostics: raised.length,
	diagnosticsByClass: Object.fromEntries(
		[
			...raised.reduce(
				(m, d) => m.set(`${d.stage}/${d.errorClass}`, (m.get(`${d.stage}/${d.errorClass}`) ?? 0) + 1),
				new Map<string, number>(),
			),
		].sort(),
	),
	openssl: compare
		? {
				filesReadable: totals.opensslReadable,
				missedByEngine: missed.length,
				foundShare: totals.opensslReadable === 0 ? 1 : Number((1 - missed.length / totals.opensslReadable).toFixed(4)),
			}
		: "openssl not found: no comparison",
};

if (options.json) {
	console.log(JSON.stringify({ ...summary, raised, missed }, null, 2));
} else {
	console.log(JSON.stringify(summary, null, 2));
	if (raised.length > 0) {
		console.log(`\nDiagnostics (first 50 of ${raised.length}):`);
		for (const d of raised.slice(0, 50)) console.log(`  ${d.path}  [${d.stage}] ${d.errorClass}: ${d.message}`);
	}
	if (missed.length > 0) {
		console.log(`\nRead by openssl, missed by the engine (${missed.length}):`);
		for (const m of missed) console.log(`  ${m.path}  (openssl: ${m.openssl})`);
	}
}
