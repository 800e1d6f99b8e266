import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "./redis-servers.ts";

/** A Postgres server of its own (initdb in a temp dir, trust auth on loopback) that a test may stop and start. */
export interface PrivatePostgres {
	port: number;
	/** A URL to database `name` on this server. */
	url(name?: string): string;
	/** Starts the server (again), waiting until it accepts connections. */
	start(): Promise<void>;
	/** Stops it: "fast" disconnects clients cleanly, "immediate" is a crash (recovery on the next start). */
	stop(mode?: "fast" | "immediate"): void;
	/** Stops it and removes its data directory. */
	remove(): void;
}

/** PgBouncer in front of a Postgres server, as an operator would run it. */
export interface PgBouncer {
	port: number;
	url(database: string): string;
	stop(): Promise<void>;
}

function postgresBin(name: string): string {
	const base = "/usr/lib/postgresql";
	const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
	for (const version of versions) {
		const path = join(base, version, "bin", name);
		if (existsSync(path)) return path;
	}
	throw new Error(`${name} not found under ${base}: install PostgreSQL`);
}

/** Postgres and PgBouncer refuse to run as root; where the tests are root they run as `postgres`. */
function asServiceUser(command: string, args: string[]): [string, string[]] {
	return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

function serviceOwnedTempDir(prefix: string): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	if (process.getuid?.() === 0) execFileSync("chown", ["postgres", dir]);
	chmodSync(dir, 0o700);
	return dir;
}

export async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const open = await new Promise<boolean>((resolve) => {
			const socket = connect(port, "127.0.0.1");
			socket.once("connect", () => {
				socket.destroy();
				resolve(true);
			});
			socket.once("error", () => resolve(false));
		});
		if (open) return;
		if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
	const dir = serviceOwnedTempDir("sensorium-pg-");
	const data = join(dir, "data");
	const [port] = (await freePorts(1)) as [number];
	const [initdb, initArgs] = asServiceUser(postgresBin("initdb"), [
		"-D",
		data,
		"-U",
		"postgres",
		"--auth=trust",
		"-E",
		"UTF8",
	]);
	execFileSync(initdb, initArgs, { stdio: "ignore" });
	const pgCtl = (args: string[]) => {
		const [command, all] = asServiceUser(postgresBin("pg_ctl"), ["-D", data, ...args]);
		execFileSync(command, all, { stdio: "ignore" });
	};
	const server: PrivatePostgres = {
		port,
		url: (name = "postgres") => `postgres://postgres@127.0.0.1:${port}/${name}`,
		async start() {
			pgCtl([
				"-o",
				`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
				"-l",
				join(dir, "postgres.log"),
				"-w",
				"start",
			]);
			await waitForPort(port);
		},
		stop(mode = "fast") {
			pgCtl(["-m", mode, "-w", "stop"]);
		},
		remove() {
			try {
				server.stop("immediate");
			} catch {
				// Already stopped.
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
	await server.start();
	return server;
}

/** PgBouncer on a free loopback port, pooling `mode` connections to the Postgres at `upstreamPort`. */
export async function startPgBouncer(
	upstreamPort: number,
	mode: "session" | "transaction" = "session",
): Promise<PgBouncer> {
	const dir = serviceOwnedTempDir("sensorium-pgbouncer-");
	const [port] = (await freePorts(1)) as [number];
	const config = join(dir, "pgbouncer.ini");
	writeFileSync(
		config,
		[
			"[databases]",
			`* = host=127.0.0.1 port=${upstreamPort}`,
			"[pgbouncer]",
			"listen_addr = 127.0.0.1",
			`listen_port = ${port}`,
			`unix_socket_dir = ${dir}`,
			"auth_type = trust",
			`auth_file = ${join(dir, "users.txt")}`,
			`pool_mode = ${mode}`,
			"max_client_conn = 200",
			"default_pool_size = 20",
			"ignore_startup_parameters = extra_float_digits,options,application_name",
			"",
		].join("\n"),
	);
	writeFileSync(join(dir, "users.txt"), '"postgres" ""\n');
	if (process.getuid?.() === 0) execFileSync("chown", ["-R", "postgres", dir]);
	const [command, args] = asServiceUser("pgbouncer", [config]);
	const child = spawn(command, args, { stdio: "ignore" });
	await waitForPort(port);
	return {
		port,
		url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise((resolve) => child.once("exit", resolve));
				// runuser forwards the signal to pgbouncer.
				child.kill("SIGTERM");
				await exited;
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
