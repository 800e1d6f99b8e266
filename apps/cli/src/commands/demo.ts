import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { authenticate, bootstrapOrganization, findUserByEmail, issueApiToken } from "@sensorium/accounts";
import { baseEnvSchema, parseEnv } from "@sensorium/config";
import { createDatabase, migrateDatabase } from "@sensorium/db";
import { SEVERITIES } from "@sensorium/vocabulary";
import { type ApiContext, call, flag, waitForExecution } from "./scan.ts";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const DEMO_EMAIL = "demo@sensorium.localhost";
/** What the demo repository holds, as finding kinds; the demo fails if a scan misses one. */
export const PLANTED_KINDS = ["x509", "key", "keystore", "algorithm"];

/** Under the data directory, which `npm start` lets the Filesystem Sensor read (single-machine mode). */
export function demoDirectory(): string {
	return resolve(ROOT, process.env.SENSORIUM_DATA_DIR ?? ".data", "demo");
}

/**
 * A small Git repository with what a real one leaks: a self-signed certificate and its unencrypted
 * key (openssl), a PKCS#12 keystore with the default password `changeit` (openssl), an Ed25519 key
 * (node:crypto) and code using MD5 and AES in ECB mode.
 */
function createDemoRepository(dir: string): void {
	rmSync(dir, { recursive: true, force: true });
	for (const sub of ["certs", "keys", "keystore", "src"]) mkdirSync(join(dir, sub), { recursive: true });
	const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
	openssl(
		"req",
		"-x509",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-sha256",
		"-days",
		"20",
		"-subj",
		"/CN=payments.demo.sensorium.localhost",
		"-keyout",
		"keys/server.key",
		"-out",
		"certs/server.pem",
	);
	openssl(
		"pkcs12",
		"-export",
		"-in",
		"certs/server.pem",
		"-inkey",
		"keys/server.key",
		"-name",
		"payments",
		"-passout",
		"pass:changeit",
		"-out",
		"keystore/payments.p12",
	);
	const deployKey = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" });
	writeFileSync(join(dir, "keys", "deploy_ed25519.pem"), deployKey);
	writeFileSync(
		join(dir, "src", "tokens.js"),
		[
			'const crypto = require("node:crypto");',
			"",
			"function fingerprint(data) {",
			'\treturn crypto.createHash("md5").update(data).digest("hex");',
			"}",
			"",
			"function seal(key, data) {",
			'\tconst cipher = crypto.createCipheriv("aes-128-ecb", key, null);',
			"\treturn Buffer.concat([cipher.update(data), cipher.final()]);",
			"}",
			"",
			"module.exports = { fingerprint, seal };",
			"",
		].join("\n"),
	);
	const git = (...args: string[]) =>
		execFileSync("git", ["-c", "user.name=Sensorium demo", "-c", `user.email=${DEMO_EMAIL}`, ...args], {
			cwd: dir,
			stdio: "ignore",
		});
	git("init", "-q", "-b", "main");
	git("add", ".");
	git("commit", "-q", "-m", "Payments service");
}

/**
 * The token the demo uses: --token / SENSORIUM_API_TOKEN, else the demo organisation's Admin Token
 * kept in the demo directory (mode 0600), created through the database the first time, as
 * `sensorium bootstrap` does.
 */
async function demoToken(ctx: ApiContext, dir: string): Promise<string> {
	const given = flag(ctx, "token") ?? process.env.SENSORIUM_API_TOKEN;
	if (given) return given;
	const { DATABASE_URL } = parseEnv(baseEnvSchema.pick({ DATABASE_URL: true }));
	const tokenFile = join(dir, "admin-token");
	const database = createDatabase(DATABASE_URL, { max: 1, applicationName: "sensorium-demo" });
	try {
		const saved = existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : "";
		if (saved && (await authenticate(database.db, saved))) return saved;
		await migrateDatabase(DATABASE_URL);
		const user = await findUserByEmail(database.db, DEMO_EMAIL);
		const token = user
			? (
					await issueApiToken(database.db, {
						userId: user.id,
						name: "demo",
						description: "Created by sensorium demo",
						type: "Admin Token",
						expiresInDays: 365,
					})
				).token
			: (await bootstrapOrganization(database.db, { orgName: "Sensorium demo", email: DEMO_EMAIL, tokenName: "demo" }))
					.token;
		writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
		chmodSync(tokenFile, 0o600);
		return token;
	} finally {
		await database.close();
	}
}

type Table = Record<string, Record<string, number>>;

async function findingsByKindAndPriority(ctx: ApiContext, executionId: string): Promise<Table> {
	const table: Table = {};
	let cursor: string | null = null;
	do {
		const query = new URLSearchParams({ limit: "500" });
		if (cursor) query.set("cursor", cursor);
		const page = await call(ctx, "GET", `/v3/scan/${encodeURIComponent(executionId)}/findings?${query}`);
		for (const finding of page.findings as { kind: string; analysis: { priority?: string } | null }[]) {
			const row = table[finding.kind] ?? {};
			table[finding.kind] = row;
			const priority = finding.analysis?.priority ?? "info";
			row[priority] = (row[priority] ?? 0) + 1;
		}
		cursor = (page.nextCursor as string | null) ?? null;
	} while (cursor);
	return table;
}

function renderTable(table: Table): string {
	const header = ["kind", ...SEVERITIES, "total"];
	const rows = Object.entries(table)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([kind, counts]) => [
			kind,
			...SEVERITIES.map((p) => String(counts[p] ?? 0)),
			String(Object.values(counts).reduce((a, b) => a + b, 0)),
		]);
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
	const line = (cells: string[]) =>
		cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
	return [line(header), ...rows.map(line)].join("\n");
}

/** `sensorium demo`: a first scan of a planted repository against the running system, in one command. */
export async function demo(ctx: ApiContext) {
	const dir = demoDirectory();
	const repository = join(dir, "repository");
	mkdirSync(dir, { recursive: true });
	try {
		createDemoRepository(repository);
	} catch (error) {
		ctx.out.fail(
			`Could not create the demo repository in ${repository} (needs git and openssl): ${(error as Error).message}`,
		);
	}
	ctx.flags.token = await demoToken(ctx, dir);
	const baseUrl = (flag(ctx, "api-url") ?? process.env.SENSORIUM_API_URL ?? "http://localhost:8080").replace(
		/\/+$/,
		"",
	);
	ctx.flags["api-url"] = baseUrl;

	const created = await call(ctx, "POST", "/v3/scan/create", {
		sensorType: "Filesystem Sensor",
		sensorName: `demo-${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}`,
		sensorConfig: { path: repository, exclude_paths: [".git/**"] },
		priority: "high",
		labels: [{ demo: "true" }],
	});
	const executionId = String(created.executionId);
	if (!ctx.out.json) process.stderr.write(`Scanning ${repository} (execution ${executionId})\n`);
	const { status, timedOut } = await waitForExecution(ctx, executionId, { intervalMs: 500, timeoutMs: 300_000 });
	const consoleUrl = `${baseUrl}/console/scans/${executionId}`;
	if (timedOut) ctx.out.fail(`The scan did not finish within 300 s (still ${status.status}); is a worker running?`, 3);
	if (status.status !== "successful") {
		const hint =
			status.errorCode === "FS-1001"
				? ` The worker may not read ${dir}: start the system with \`npm start\`, or add ${dir} to the worker's SENSOR_FS_ROOTS.`
				: "";
		ctx.out.fail(`The scan failed (${status.errorCode ?? "no error code"}): ${status.message}.${hint}`);
	}
	const table = await findingsByKindAndPriority(ctx, executionId);
	const byKind = Object.fromEntries(
		Object.entries(table).map(([kind, counts]) => [kind, Object.values(counts).reduce((a, b) => a + b, 0)]),
	);
	const missing = PLANTED_KINDS.filter((kind) => !byKind[kind]);
	if (missing.length > 0)
		ctx.out.fail(
			`The scan succeeded but found no ${missing.join(", ")} finding; expected all of ${PLANTED_KINDS.join(", ")}.`,
		);
	ctx.out.result(
		{ executionId, sensorId: created.sensorId, status: status.status, findings: byKind, consoleUrl },
		[`Findings by kind and priority:`, "", renderTable(table), "", `See them in the console: ${consoleUrl}`].join("\n"),
	);
}
