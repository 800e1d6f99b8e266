// For `npm start` on a laptop with nothing set up: when nothing answers at DATABASE_URL or
// REDIS_URL (on this machine) and the postgres / redis-server binaries are installed, start private
// instances with their data under .data/ (or SENSORIUM_DATA_DIR). With services present, use them.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

function answers(host, port) {
	return new Promise((done) => {
		const socket = connect({ host: host.replace(/^\[|\]$/g, ""), port, timeout: 1000 });
		socket.once("connect", () => {
			socket.destroy();
			done(true);
		});
		socket.once("error", () => done(false));
		socket.once("timeout", () => {
			socket.destroy();
			done(false);
		});
	});
}

function findBinary(name, extraDirs = []) {
	for (const dir of [...(process.env.PATH ?? "").split(":"), ...extraDirs]) {
		if (dir && existsSync(join(dir, name))) return join(dir, name);
	}
	return null;
}

function postgresBinDirs() {
	const base = "/usr/lib/postgresql";
	if (!existsSync(base)) return [];
	return readdirSync(base)
		.sort((a, b) => Number(b) - Number(a))
		.map((version) => join(base, version, "bin"));
}

async function waitFor(what, probe, timeoutMs = 30_000) {
	const deadline = Date.now() + timeoutMs;
	while (!(await probe())) {
		if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs / 1000} s`);
		await new Promise((r) => setTimeout(r, 200));
	}
}

/** Starts what is missing; returns the child processes to stop on exit. */
export async function ensureLocalServices({ root, log }) {
	const dataDir = resolve(root, process.env.SENSORIUM_DATA_DIR ?? ".data");
	const children = [];
	const databaseUrl = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/sensorium");
	const redisUrl = new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");

	const pgPort = Number(databaseUrl.port || 5432);
	if (LOCAL_HOSTS.has(databaseUrl.hostname) && !(await answers(databaseUrl.hostname, pgPort))) {
		const binDirs = postgresBinDirs();
		const initdb = findBinary("initdb", binDirs);
		const postgres = findBinary("postgres", binDirs);
		if (initdb && postgres) {
			const dir = join(dataDir, "postgres");
			// Postgres refuses to run as root; on a machine where we are root, run it as `postgres`.
			const asUser = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
			if (!existsSync(join(dir, "PG_VERSION"))) {
				mkdirSync(dir, { recursive: true });
				if (asUser.length) execFileSync("chown", ["-R", "postgres", dataDir]);
				log(`No Postgres at ${databaseUrl.host}: creating a private cluster in ${dir}`);
				const cmd = [
					...asUser,
					initdb,
					"-D",
					dir,
					"-U",
					databaseUrl.username || "postgres",
					"--auth=trust",
					"-E",
					"UTF8",
				];
				execFileSync(cmd[0], cmd.slice(1), { stdio: "ignore" });
			}
			const logFile = join(dataDir, "postgres.log");
			log(`Starting a private Postgres on port ${pgPort} with its data in ${dir} (log: ${logFile})`);
			const cmd = [...asUser, postgres, "-D", dir, "-p", String(pgPort), "-k", dir, "-c", "listen_addresses=127.0.0.1"];
			const child = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "ignore", openSync(logFile, "a")] });
			children.push(child);
			await waitFor("Postgres", () => answers("127.0.0.1", pgPort));
		} else {
			log(
				`Nothing answers at ${databaseUrl.host} and no postgres binaries were found: install PostgreSQL or set DATABASE_URL`,
			);
		}
	}

	const redisPort = Number(redisUrl.port || 6379);
	if (LOCAL_HOSTS.has(redisUrl.hostname) && !(await answers(redisUrl.hostname, redisPort))) {
		const server = findBinary("redis-server");
		if (server) {
			const dir = join(dataDir, "redis");
			mkdirSync(dir, { recursive: true });
			log(`No Redis at ${redisUrl.host}: starting a private one on port ${redisPort} with its data in ${dir}`);
			const args = ["--bind", "127.0.0.1", "--port", String(redisPort), "--dir", dir];
			args.push("--appendonly", "yes", "--maxmemory-policy", "noeviction", "--save", "");
			const child = spawn(server, args, { stdio: "ignore" });
			children.push(child);
			await waitFor("Redis", () => answers("127.0.0.1", redisPort));
		} else {
			log(`Nothing answers at ${redisUrl.host} and redis-server was not found: install Redis or set REDIS_URL`);
		}
	}
	return children;
}
