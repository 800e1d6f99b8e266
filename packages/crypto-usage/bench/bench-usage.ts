/**
 * Throughput of `detectCryptoUsage` over a generated ~100 MB source tree with crypto calls sprinkled in, next to
 * ripgrep searching the same tree single-threaded for the same calls. Run: npx tsx packages/crypto-usage/bench/bench-usage.ts
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { SYNTHETIC_WORDS, seededText } from "@sensorium/testing";
import { detectCryptoUsage } from "../src/index.ts";
import { route } from "../src/route.ts";

const CORPUS = join(tmpdir(), "sensorium-usage-corpus");
const TARGET_BYTES = 100 * 1024 * 1024;
const FILES_PER_DIR = 100;
/** Files with real crypto calls, and files that only mention an anchor (an import, a comment). */
const USAGE_RATE = 0.03;
const NEAR_MISS_RATE = 0.1;
const RUNS = 5;
const RG_PATTERN =
	"getInstance\\(|hashlib\\.|createHash\\(|createCipheriv\\(|EVP_[a-z0-9_]+\\(|md5\\.New|rsa\\.GenerateKey|\\.Create\\(|ssl_protocols|openssl_[a-z]+\\(";

const { random, pick, between, ident, phrase: prose } = seededText(20_251_127);
const WORDS = SYNTHETIC_WORDS;

interface Language {
	ext: string;
	header: () => string;
	line: () => string;
	/** Real crypto use, weak and strong. */
	usage: readonly string[];
	/** An anchor with nothing to report: passes the prefilter, so the patterns run. */
	nearMiss: readonly string[];
}

const C_LIKE_FILLER = () =>
	pick([
		`\tint ${ident()} = ${ident()}(${between(0, 999)}, ${ident()});`,
		`\t// ${prose()}`,
		`\tif (${ident()} > ${between(1, 64)}) { return ${ident()}; }`,
		`\t/* ${prose()} */`,
		`\tlog("${prose()}", ${ident()});`,
	]);

const LANGUAGES: readonly Language[] = [
	{
		ext: "java",
		header: () => `package com.example.${pick(WORDS)};\n\nimport java.util.List;\n`,
		line: C_LIKE_FILLER,
		usage: [
			'\tCipher cipher = Cipher.getInstance("AES/ECB/PKCS5Padding");',
			'\tCipher gcm = Cipher.getInstance("AES/GCM/NoPadding");',
			'\tMessageDigest md = MessageDigest.getInstance("MD5");',
			'\tKeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");\n\tkpg.initialize(1024);',
			'\tSignature sig = Signature.getInstance("SHA1withRSA");',
			'\tSSLContext ctx = SSLContext.getInstance("TLSv1.2");',
			'\tKeyPairGenerator pq = KeyPairGenerator.getInstance("ML-KEM-768");',
		],
		nearMiss: ["import java.security.Principal;", "// encrypt the payload before it is queued"],
	},
	{
		ext: "py",
		header: () => `import os\nimport json\nfrom ${pick(WORDS)} import ${ident()}\n`,
		line: () =>
			pick([
				`${pick(WORDS)}_${pick(WORDS)} = [x for x in ${pick(WORDS)} if x > ${between(0, 100)}]`,
				`# ${prose()}`,
				`    logger.debug("%s ${prose()}", ${pick(WORDS)})`,
			]),
		usage: [
			"digest = hashlib.md5(data).hexdigest()",
			"key = rsa.generate_private_key(public_exponent=65537, key_size=2048)",
			"cipher = Cipher(algorithms.AES(key), modes.GCM(iv))",
			"ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)",
			"mac = hmac.new(key, msg, hashlib.sha256)",
		],
		nearMiss: ["import hashlib", "# the ssl layer is terminated upstream"],
	},
	{
		ext: "go",
		header: () => `package ${pick(WORDS)}\n\nimport (\n\t"fmt"\n\t"strings"\n)\n`,
		line: C_LIKE_FILLER,
		usage: [
			'import "crypto/md5"\nvar sum = md5.New()',
			'import "crypto/rsa"\nvar key, _ = rsa.GenerateKey(rand.Reader, 2048)',
			"var cfg = &tls.Config{MinVersion: tls.VersionTLS12}",
		],
		nearMiss: ['import "crypto/rand"'],
	},
	{
		ext: "js",
		header: () => `import { ${ident()} } from "./${pick(WORDS)}.js";\n`,
		line: C_LIKE_FILLER,
		usage: [
			"const h = crypto.createHash('sha1').update(x).digest('hex');",
			"const c = crypto.createCipheriv('aes-256-gcm', key, iv);",
			"const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });",
			"const k = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);",
		],
		nearMiss: ["const id = crypto.randomUUID();"],
	},
	{
		ext: "ts",
		header: () => `import type { ${ident()} } from "./${pick(WORDS)}.ts";\n`,
		line: C_LIKE_FILLER,
		usage: ["import { createHmac } from 'node:crypto';\nconst mac = createHmac('sha256', secret);"],
		nearMiss: ["import { randomBytes } from 'node:crypto';"],
	},
	{
		ext: "c",
		header: () => `#include <stdio.h>\n#include <stdlib.h>\n`,
		line: C_LIKE_FILLER,
		usage: [
			"#include <openssl/evp.h>\n\tEVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, key, iv);",
			"\tRSA_generate_key_ex(rsa, 2048, e, NULL);",
			"\tEVP_DigestInit_ex(mdctx, EVP_sha256(), NULL);",
		],
		nearMiss: ["#include <openssl/opensslv.h>"],
	},
	{
		ext: "cs",
		header: () => "using System;\nusing System.Collections.Generic;\n",
		line: C_LIKE_FILLER,
		usage: [
			"using System.Security.Cryptography;\n\tvar sha = SHA256.Create();",
			"\tvar rsa = RSA.Create(2048);",
			"\tvar aes = Aes.Create();\n\taes.Mode = CipherMode.CBC;",
		],
		nearMiss: ["using System.Security.Cryptography.X509Certificates;"],
	},
	{
		ext: "php",
		header: () => "<?php\nnamespace App;\n",
		line: () => pick([`$${pick(WORDS)} = ${ident()}(${between(0, 99)});`, `// ${prose()}`]),
		usage: ["$h = hash('sha256', $data);", "$c = openssl_encrypt($data, 'aes-256-cbc', $key, 0, $iv);"],
		nearMiss: ["// hash the id before logging"],
	},
	{
		ext: "rb",
		header: () => "require 'json'\n",
		line: () => pick([`  ${pick(WORDS)} = ${ident()}(${between(0, 99)})`, `# ${prose()}`]),
		usage: ["require 'openssl'\ncipher = OpenSSL::Cipher.new('aes-256-gcm')", "d = Digest::SHA256.hexdigest(x)"],
		nearMiss: ["# OpenSSL is configured by the platform"],
	},
	{
		ext: "rs",
		header: () => "use std::collections::HashMap;\n",
		line: C_LIKE_FILLER,
		usage: ["use sha2::{Sha256, Digest};\nlet h = Sha256::new();"],
		nearMiss: ["use crate::config::Settings;"],
	},
];

function sourceFile(language: Language): string {
	const target = between(2_000, 50_000);
	const lines = [language.header()];
	let size = 0;
	while (size < target) {
		const line = language.line();
		lines.push(line);
		size += line.length + 1;
	}
	const roll = random();
	if (roll < USAGE_RATE) {
		for (let i = between(1, 3); i > 0; i--) lines.splice(between(1, lines.length), 0, pick(language.usage));
	} else if (roll < USAGE_RATE + NEAR_MISS_RATE) {
		lines.splice(between(1, lines.length), 0, pick(language.nearMiss));
	}
	return `${lines.join("\n")}\n`;
}

function generateCorpus(): { path: string; text: string }[] {
	rmSync(CORPUS, { recursive: true, force: true });
	const files: { path: string; text: string }[] = [];
	let bytes = 0;
	for (let n = 0; bytes < TARGET_BYTES; n++) {
		const dir = join(CORPUS, `module${Math.floor(n / FILES_PER_DIR)}`);
		if (n % FILES_PER_DIR === 0) mkdirSync(dir, { recursive: true });
		const language = pick(LANGUAGES);
		const path = join(dir, `file${n}.${language.ext}`);
		const text = sourceFile(language);
		writeFileSync(path, text);
		files.push({ path, text });
		bytes += text.length;
	}
	return files;
}

function detectAll(files: readonly { path: string; text: string }[]): {
	seconds: number;
	findings: Map<string, number>;
} {
	const findings = new Map<string, number>();
	const start = performance.now();
	for (const { path, text } of files) {
		for (const found of detectCryptoUsage(path, text)) findings.set(found.kind, (findings.get(found.kind) ?? 0) + 1);
	}
	return { seconds: (performance.now() - start) / 1000, findings };
}

function readAndDetect(root: string): number {
	const start = performance.now();
	for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
		if (!entry.isFile()) continue;
		const path = join(entry.parentPath, entry.name);
		detectCryptoUsage(path, readFileSync(path, "latin1"));
	}
	return (performance.now() - start) / 1000;
}

function ripgrep(): number | undefined {
	const start = performance.now();
	const result = spawnSync("rg", ["-j1", "-c", RG_PATTERN, CORPUS], { stdio: ["ignore", "ignore", "ignore"] });
	return result.error ? undefined : (performance.now() - start) / 1000;
}

const mbps = (bytes: number, seconds: number) => (bytes / 1e6 / seconds).toFixed(0);

const files = generateCorpus();
const bytes = files.reduce((sum, { text }) => sum + text.length, 0);
console.log(`corpus: ${files.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB under ${CORPUS}`);
console.log(`host: ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`);

const inMemory = Array.from({ length: RUNS }, () => detectAll(files));
const best = Math.min(...inMemory.map((run) => run.seconds));
const counts = [...(inMemory[0]?.findings ?? new Map())].map(([kind, n]) => `${n} ${kind}`).join(", ");
console.log(
	`detectCryptoUsage, text in memory (best of ${RUNS}): ${best.toFixed(3)} s, ${mbps(bytes, best)} MB/s (${counts})`,
);

// The two populations cost very differently: most files stop at the anchors, the rest are scanned in full.
const anchored = files.filter(({ path, text }) =>
	route(path)?.detector.anchors.some((anchor) => text.includes(anchor)),
);
const plain = files.filter((file) => !anchored.includes(file));
for (const [label, subset] of [
	["with an anchor", anchored],
	["without", plain],
] as const) {
	const subsetBytes = subset.reduce((sum, { text }) => sum + text.length, 0);
	const seconds = Math.min(...Array.from({ length: RUNS }, () => detectAll(subset).seconds));
	const share = ((100 * subsetBytes) / bytes).toFixed(1);
	console.log(`  files ${label}: ${subset.length} (${share}% of bytes), ${mbps(subsetBytes, seconds)} MB/s`);
}

const withReads = Math.min(...Array.from({ length: 3 }, () => readAndDetect(CORPUS)));
console.log(`read + detectCryptoUsage (best of 3): ${withReads.toFixed(3)} s, ${mbps(bytes, withReads)} MB/s`);

const rgRuns = Array.from({ length: 3 }, ripgrep).filter((seconds) => seconds !== undefined);
if (rgRuns.length > 0) {
	const rg = Math.min(...rgRuns);
	console.log(
		`rg -j1 (best of 3): ${rg.toFixed(3)} s, ${mbps(bytes, rg)} MB/s; ratio ours/rg ${(rg / withReads).toFixed(2)}`,
	);
} else {
	console.log("rg not found: no ripgrep comparison");
}
rmSync(CORPUS, { recursive: true, force: true });
