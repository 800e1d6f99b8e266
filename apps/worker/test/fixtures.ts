import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export function tempDir(label: string): { path: string; remove(): void } {
	const path = mkdtempSync(join(tmpdir(), `sensorium-${label}-`));
	return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function selfSignedCertificate(dir: string, cn: string): string {
	const key = join(dir, `${cn}.key`);
	const crt = join(dir, `${cn}.crt`);
	execFileSync(
		"openssl",
		[
			"req",
			"-x509",
			"-newkey",
			"ec",
			"-pkeyopt",
			"ec_paramgen_curve:P-256",
			"-nodes",
			"-keyout",
			key,
			"-out",
			crt,
			"-days",
			"30",
			"-subj",
			`/CN=${cn}`,
		],
		{ stdio: "ignore" },
	);
	return execFileSync("cat", [crt], { encoding: "utf8" });
}

export function rsaPrivateKeyPem(bits = 2048): string {
	return generateKeyPairSync("rsa", { modulusLength: bits }).privateKey.export({
		type: "pkcs8",
		format: "pem",
	}) as string;
}

export function ecPrivateKeyPem(): string {
	return generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
		type: "sec1",
		format: "pem",
	}) as string;
}

export function jwt(): string {
	const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
	const signingInput = `${enc({ alg: "HS256", typ: "JWT" })}.${enc({ iss: "sensorium-tests", exp: 1893456000 })}`;
	return `${signingInput}.${createHmac("sha256", "test-secret").update(signingInput).digest("base64url")}`;
}

/** A Git repository built with the real `git`, committed to on demand. */
export class FixtureRepo {
	readonly url: string;

	constructor(readonly path: string) {
		mkdirSync(path, { recursive: true });
		this.git("init", "-q", "-b", "main");
		this.url = `file://${path}`;
	}

	git(...args: string[]): string {
		return execFileSync(
			"git",
			["-c", "user.name=Fixture", "-c", "user.email=fixture@example.test", "-c", "commit.gpgsign=false", ...args],
			{
				cwd: this.path,
				encoding: "utf8",
			},
		).trim();
	}

	write(relative: string, content: string): this {
		const file = join(this.path, relative);
		mkdirSync(dirname(file), { recursive: true });
		writeFileSync(file, content);
		return this;
	}

	remove(relative: string): this {
		this.git("rm", "-q", relative);
		return this;
	}

	commit(message: string): string {
		this.git("add", "-A");
		this.git("commit", "-q", "--allow-empty", "-m", message);
		return this.git("rev-parse", "HEAD");
	}
}

export interface WorkerProcess {
	child: ChildProcess;
	output(): string;
	stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A real worker process, as `npm run start:worker` runs it. */
export function startWorker(env: Record<string, string>): WorkerProcess {
	return startRole("apps/worker/src/main.ts", { WORKER_HEALTH_PORT: "0", ...env });
}

/** One Sensorium process (worker, dispatcher) from its source, with `env` on top of this one's. */
export function startRole(script: string, env: Record<string, string>): WorkerProcess {
	let output = "";
	// One process (tsx as a loader, not the tsx CLI, which would put a second process in between),
	// so the signals a test sends reach the role itself.
	const child = spawn(process.execPath, ["--import", "tsx", script], {
		cwd: ROOT,
		env: { ...process.env, LOG_LEVEL: "info", ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	child.stdout?.on("data", (d) => {
		output += d;
	});
	child.stderr?.on("data", (d) => {
		output += d;
	});
	const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
	return {
		child,
		output: () => output,
		async stop(signal = "SIGTERM") {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			return exited;
		},
	};
}

export async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined | null | false>,
	timeoutMs = 30_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}
