// npm run bench:e2e — create → final status of one large generated Git repository through the API and one
// worker process, broken down into clone, discovery and recording, with WORKER_THREADS=1 and =2 side by side.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executions } from "@sensorium/db";
import { CpuMeter, seededText } from "@sensorium/testing";
import { eq } from "drizzle-orm";
import { call, createStack, isFinal, median } from "./stack.ts";

const FILES = Number(process.env.BENCH_FILES ?? 10_400);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const THREADS = (process.env.BENCH_THREADS ?? "1,2").split(",").map(Number);
// Bump when the generator changes: the cached repository is rebuilt.
const VERSION = 1;
const REPO = join(tmpdir(), `sensorium-bench-e2e-${FILES}-v${VERSION}`);

const repository = ensureRepository();
console.log(`repository: ${repository.files} files, ${(repository.bytes / 1e6).toFixed(1)} MB (${REPO})`);

const stack = await createStack("bench_e2e");
const api = await stack.startApi();
const runs: Run[] = [];
try {
	let n = 0;
	for (let round = 0; round < RUNS; round++) {
		for (const threads of THREADS) {
			const worker = await stack.startWorker({ WORKER_THREADS: String(threads), WORKER_CONCURRENCY: "1" });
			const meter = new CpuMeter({ worker: worker.child.pid ?? -1, api: api.role.child.pid ?? -1 });
			const { result, cpu } = await meter.measure(async () => {
				const started = performance.now();
				const created = await call(api.url, stack.token, "POST", "/v3/scan/create", {
					sensorType: "GIT Sensor",
					sensorName: `large-${n++}`,
					sensorConfig: { url: `file://${REPO}` },
					priority: "high",
				});
				if (created.status !== 200)
					throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
				const executionId = created.body.executionId as string;
				let status: Record<string, unknown>;
				for (;;) {
					status = (await call(api.url, stack.token, "GET", `/v3/scan/${executionId}`)).body;
					if (isFinal(status.status)) break;
					await new Promise((r) => setTimeout(r, 50));
				}
				const wallMs = performance.now() - started;
				if (status.status !== "successful") throw new Error(`the scan ended ${status.status}: ${status.message}`);
				const finished = await worker.waitForLine(
					(line) => line.msg === "execution finished" && line.executionId === executionId,
				);
				return { executionId, wallMs, status, finished };
			});
			const phases = result.finished.phasesMs as { open: number; discovery: number; record: number };
			const [row] = await stack.database.db
				.select({ summary: executions.summary })
				.from(executions)
				.where(eq(executions.id, result.executionId));
			const findings = Object.values(row?.summary ?? {}).reduce((a, b) => a + b, 0);
			const run: Run = {
				threads,
				wallMs: result.wallMs,
				...phases,
				bytes: Number(result.finished.bytes),
				files: Number(result.finished.files),
				findings,
				workerCpuS: cpu?.named.worker ?? Number.NaN,
				idle: cpu?.machineIdle ?? Number.NaN,
			};
			runs.push(run);
			console.log(
				`  threads=${threads}  wall ${ms(run.wallMs)}  clone ${ms(run.open)}  discovery ${ms(run.discovery)}  recording ${ms(run.record)}  ` +
					`${run.files} files  ${run.findings} findings  worker CPU ${run.workerCpuS.toFixed(1)} s  machine idle ${pct(run.idle)}`,
			);
			await worker.stop();
		}
	}
	report(runs);
} finally {
	await stack.close();
}

interface Run {
	threads: number;
	wallMs: number;
	open: number;
	discovery: number;
	record: number;
	bytes: number;
	files: number;
	findings: number;
	workerCpuS: number;
	idle: number;
}

function report(all: Run[]) {
	console.log("\nMedians");
	console.log("| WORKER_THREADS | wall | clone | discovery | recording | orchestration | discovery MB/s |");
	const rate = new Map<number, number>();
	for (const threads of THREADS) {
		const of = all.filter((r) => r.threads === threads);
		const wall = median(of.map((r) => r.wallMs));
		const open = median(of.map((r) => r.open));
		const discovery = median(of.map((r) => r.discovery));
		const record = median(of.map((r) => r.record));
		// Orchestration: everything but clone and discovery (API, queue, claim, recording, polling).
		const orchestration = median(of.map((r) => (r.wallMs - r.open - r.discovery) / r.wallMs));
		const mbs = median(of.map((r) => r.bytes / 1e6 / (r.discovery / 1000)));
		rate.set(threads, mbs);
		console.log(
			`| ${threads} | ${ms(wall)} | ${ms(open)} | ${ms(discovery)} | ${ms(record)} | ${pct(orchestration)} | ${mbs.toFixed(1)} |`,
		);
	}
	const one = rate.get(1);
	const two = rate.get(2);
	if (one && two) console.log(`\ndiscovery with 2 threads / 1 thread = ${(two / one).toFixed(2)}x (target >= 1.7x)`);
	console.log("orchestration target: <= 20 % of the wall time");
}

function ms(value: number): string {
	return `${(value / 1000).toFixed(2)} s`;
}

function pct(value: number): string {
	return `${(value * 100).toFixed(0)} %`;
}

/**
 * A repository shaped like a large service monorepo: Java, Python, Go, JS and C sources, most Java and Python
 * files using crypto APIs (JCA, hashlib, hmac), and keys committed by mistake in a few. Built once per
 * generator version with the real `git`, then reused.
 */
function ensureRepository(): { files: number; bytes: number } {
	const marker = join(REPO, ".git", "sensorium-bench-complete");
	if (existsSync(marker)) return JSON.parse(execFileSync("cat", [marker], { encoding: "utf8" }));
	rmSync(REPO, { recursive: true, force: true });
	mkdirSync(REPO, { recursive: true });
	const { pick, between, ident, phrase, random } = seededText(17_017);
	const keys = Array.from({ length: 64 }, (_, i) =>
		(i % 2 === 0
			? generateKeyPairSync("ec", { namedCurve: "P-256" })
			: generateKeyPairSync("rsa", { modulusLength: 1024 })
		).privateKey.export({ type: "pkcs8", format: "pem" }),
	);
	const JCA = [
		'Cipher.getInstance("AES/GCM/NoPadding")',
		'Cipher.getInstance("AES/ECB/PKCS5Padding")',
		'Cipher.getInstance("DESede/CBC/PKCS5Padding")',
		'Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding")',
		'MessageDigest.getInstance("SHA-256")',
		'MessageDigest.getInstance("MD5")',
		'Mac.getInstance("HmacSHA256")',
		'Signature.getInstance("SHA256withECDSA")',
		'SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1")',
		'KeyPairGenerator.getInstance("RSA")',
	];
	const PYTHON = [
		"hashlib.sha256(data).hexdigest()",
		"hashlib.md5(data).hexdigest()",
		"hashlib.new('sha1')",
		"hashlib.pbkdf2_hmac('sha256', password, salt, 100_000)",
		'hmac.new(key, message, digestmod="sha256")',
		"hashlib.sha3_256(data).digest()",
	];
	const filler = (ext: string) => {
		switch (ext) {
			case "java":
				return `    // ${phrase()}\n    private int ${ident()}(String ${ident()}) {\n        return ${ident()}.length() * ${between(2, 99)};\n    }`;
			case "py":
				return `def ${ident()}(${ident()}, ${ident()}=None):\n    """${phrase()}"""\n    return [x for x in ${ident()} if x > ${between(0, 99)}]`;
			case "go":
				return `// ${phrase()}\nfunc ${ident()}(n int) int {\n\treturn n * ${between(2, 99)}\n}`;
			case "js":
				return `// ${phrase()}\nexport function ${ident()}(${ident()}) {\n\treturn ${ident()}.map((x) => x * ${between(2, 9)});\n}`;
			default:
				return `/* ${phrase()} */\nstatic int ${ident()}(int n) { return n * ${between(2, 99)}; }`;
		}
	};
	let bytes = 0;
	for (let i = 0; i < FILES; i++) {
		const ext = pick(["java", "java", "java", "java", "py", "py", "py", "go", "js", "c"]);
		const dir = join(REPO, `module-${i % 40}`, `pkg-${Math.floor(i / 40) % 60}`);
		mkdirSync(dir, { recursive: true });
		const body: string[] = [];
		const size = between(3_000, 11_000);
		let length = 0;
		while (length < size) {
			const part = filler(ext);
			body.push(part);
			length += part.length + 1;
		}
		const crypto = random() < 0.75;
		let text: string;
		if (ext === "java") {
			const uses = crypto
				? Array.from({ length: between(4, 8) }, () => `        Object ${ident()} = ${pick(JCA)};`).join("\n")
				: "";
			const imports = crypto
				? "import javax.crypto.Cipher;\nimport javax.crypto.Mac;\nimport javax.crypto.SecretKeyFactory;\nimport java.security.KeyPairGenerator;\nimport java.security.MessageDigest;\nimport java.security.Signature;\n"
				: "import java.util.List;\n";
			text = `package com.example.m${i % 40};\n\n${imports}\npublic class C${i} {\n${body.join("\n")}\n    void run() throws Exception {\n${uses}\n    }\n}\n`;
		} else if (ext === "py") {
			const uses = crypto
				? Array.from({ length: between(4, 8) }, () => `    ${ident()} = ${pick(PYTHON)}`).join("\n")
				: "    pass";
			text = `${crypto ? "import hashlib\nimport hmac\n" : "import os\n"}\n${body.join("\n")}\n\ndef run(data, key, message, password, salt):\n${uses}\n`;
		} else {
			text = `${body.join("\n")}\n`;
		}
		if (random() < 0.03) text += `\n/*\n${pick(keys)}*/\n`;
		const path = join(dir, `f${i}.${ext}`);
		writeFileSync(path, text);
		bytes += Buffer.byteLength(text);
	}
	const git = (...args: string[]) =>
		execFileSync(
			"git",
			["-c", "user.name=Bench", "-c", "user.email=bench@example.test", "-c", "commit.gpgsign=false", ...args],
			{ cwd: REPO, stdio: "ignore" },
		);
	git("init", "-q", "-b", "main");
	git("add", "-A");
	git("commit", "-q", "-m", "generated");
	const summary = { files: FILES, bytes };
	writeFileSync(marker, JSON.stringify(summary));
	return summary;
}
