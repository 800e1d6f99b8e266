// The processes of a deployment, started from source exactly as `npm run start:*` starts them, on a scratch
// database and a private queue prefix: what bench:e2e, bench:throughput and the soak drive through the API.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { bootstrapOrganization } from "@sensorium/accounts";
import { createDatabase, type DatabaseHandle } from "@sensorium/db";
import { createMigratedDatabase, type TestDatabase } from "@sensorium/testing";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECRET_KEY = randomBytes(32).toString("base64");

export interface RoleProcess {
	readonly child: ChildProcess;
	/** Parsed JSON log lines so far (LOG_FORMAT=json). */
	readonly lines: Record<string, unknown>[];
	waitForLine(
		predicate: (line: Record<string, unknown>) => boolean,
		timeoutMs?: number,
	): Promise<Record<string, unknown>>;
	stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startRole(script: string, env: Record<string, string>): RoleProcess {
	// BENCH_CPU_PROFILE=DIR: V8 CPU profiles of every worker process and thread, written when they exit.
	const profile = process.env.BENCH_CPU_PROFILE && script.includes("worker");
	const child = spawn(
		process.execPath,
		[...(profile ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : []), "--import", "tsx", script],
		{
			cwd: ROOT,
			env: { ...process.env, LOG_FORMAT: "json", ...env },
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	const lines: Record<string, unknown>[] = [];
	const waiters: {
		predicate: (line: Record<string, unknown>) => boolean;
		resolve(line: Record<string, unknown>): void;
	}[] = [];
	let pending = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		pending += chunk.toString("utf8");
		let newline = pending.indexOf("\n");
		while (newline !== -1) {
			const text = pending.slice(0, newline);
			pending = pending.slice(newline + 1);
			newline = pending.indexOf("\n");
			let line: Record<string, unknown>;
			try {
				line = JSON.parse(text);
			} catch {
				continue;
			}
			lines.push(line);
			for (const waiter of waiters.splice(0)) {
				if (waiter.predicate(line)) waiter.resolve(line);
				else waiters.push(waiter);
			}
		}
	});
	child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	return {
		child,
		lines,
		waitForLine(predicate, timeoutMs = 60_000) {
			const seen = lines.find(predicate);
			if (seen) return Promise.resolve(seen);
			return new Promise((resolve, reject) => {
				const timer = setTimeout(
					() => reject(new Error(`${script}: no such log line within ${timeoutMs} ms`)),
					timeoutMs,
				);
				waiters.push({
					predicate,
					resolve: (line) => {
						clearTimeout(timer);
						resolve(line);
					},
				});
			});
		},
		async stop(signal = "SIGTERM") {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			await exited;
		},
	};
}

export interface Stack {
	scratch: TestDatabase;
	database: DatabaseHandle;
	prefix: string;
	token: string;
	orgId: string;
	/** Environment every role of this stack shares. */
	env: Record<string, string>;
	startApi(extra?: Record<string, string>): Promise<{ role: RoleProcess; url: string }>;
	startWorker(extra?: Record<string, string>): Promise<RoleProcess>;
	close(): Promise<void>;
}

export async function createStack(label: string, env: Record<string, string> = {}): Promise<Stack> {
	const scratch = await createMigratedDatabase(label, ADMIN_URL);
	const database = createDatabase(scratch.url, { max: 10 });
	const boot = await bootstrapOrganization(database.db, { orgName: "Bench", email: "bench@bench.test" });
	const prefix = `sensorium-bench-${randomBytes(4).toString("hex")}`;
	const roles: RoleProcess[] = [];
	const shared: Record<string, string> = {
		DATABASE_URL: scratch.url,
		QUEUE_PREFIX: prefix,
		SENSORIUM_SECRET_KEY: SECRET_KEY,
		SENSOR_GIT_ALLOW_FILE_URLS: "true",
		LOG_LEVEL: "info",
		...env,
	};
	return {
		scratch,
		database,
		prefix,
		token: boot.token,
		orgId: boot.orgId,
		env: shared,
		async startApi(extra = {}) {
			const port = 18_000 + Math.floor(Math.random() * 2000);
			const role = startRole("apps/api/src/main.ts", {
				...shared,
				PORT: String(port),
				HOST: "127.0.0.1",
				// The benchmark is one client submitting on purpose: measure the system, not its rate limits.
				API_RATE_LIMIT_PER_TOKEN: "0",
				API_RATE_LIMIT_PER_ADDRESS: "0",
				...extra,
			});
			roles.push(role);
			const url = `http://127.0.0.1:${port}`;
			await waitForHttp(`${url}/healthz`);
			return { role, url };
		},
		async startWorker(extra = {}) {
			const role = startRole("apps/worker/src/main.ts", { ...shared, WORKER_HEALTH_PORT: "0", ...extra });
			roles.push(role);
			try {
				await role.waitForLine((line) => line.msg === "Sensorium worker started", 180_000);
			} catch (error) {
				await role.stop("SIGKILL");
				throw error;
			}
			return role;
		},
		async close() {
			await Promise.all(roles.map((role) => role.stop("SIGKILL")));
			await database.close();
			await scratch.drop();
		},
	};
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			if ((await fetch(url)).ok) return;
		} catch {
			// Not listening yet.
		}
		if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

/** One API call with the organisation's token; the body parsed as JSON. */
export async function call(
	url: string,
	token: string,
	method: string,
	path: string,
	body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
	const res = await fetch(`${url}${path}`, {
		method,
		headers: { "isg-api-token": token, "content-type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export const isFinal = (status: unknown) => status === "successful" || status === "failed";

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
