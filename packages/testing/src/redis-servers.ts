import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";

const execFileAsync = promisify(execFile);

export interface RedisNodeAddress {
	host: string;
	port: number;
}

/** Real redis-server processes on loopback, private to one test file. */
export interface RedisServers {
	/** Every data node (cluster masters and replicas, or the sentinel set-up's master and replica). */
	nodes: RedisNodeAddress[];
	/** Kills one node's process at once, as a crash would. */
	kill(port: number): void;
	stop(): Promise<void>;
}

export interface RedisCluster extends RedisServers {
	/** The master currently serving the slot of `key`. */
	masterOf(key: string): Promise<RedisNodeAddress>;
}

export interface RedisSentinelSetup extends RedisServers {
	sentinels: RedisNodeAddress[];
	masterName: string;
	/** The master the sentinels name now. */
	currentMaster(): Promise<RedisNodeAddress>;
}

/** Ports the kernel hands out now; a listener closed at once leaves the port free for redis-server. */
export async function freePorts(count: number): Promise<number[]> {
	const ports: number[] = [];
	while (ports.length < count) {
		const port = await new Promise<number>((resolve, reject) => {
			const server = createServer();
			server.once("error", reject);
			server.listen(0, "127.0.0.1", () => {
				const address = server.address();
				server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
			});
		});
		// Cluster nodes also listen on port + 10000 (the cluster bus).
		if (port > 0 && port < 55_000 && !ports.includes(port)) ports.push(port);
	}
	return ports;
}

class Processes {
	readonly byPort = new Map<number, ChildProcess>();
	readonly logs = new Map<number, string>();

	start(port: number, args: string[], cwd: string): void {
		const child = spawn("redis-server", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
		let log = "";
		child.stdout?.on("data", (d) => {
			log = (log + d).slice(-8_000);
			this.logs.set(port, log);
		});
		child.stderr?.on("data", (d) => {
			log = (log + d).slice(-8_000);
			this.logs.set(port, log);
		});
		this.byPort.set(port, child);
	}

	kill(port: number): void {
		this.byPort.get(port)?.kill("SIGKILL");
	}

	async stopAll(): Promise<void> {
		await Promise.all(
			[...this.byPort.values()].map(
				(child) =>
					new Promise<void>((resolve) => {
						if (child.exitCode !== null || child.signalCode !== null) return resolve();
						child.once("exit", () => resolve());
						child.kill("SIGKILL");
					}),
			),
		);
	}
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (await probe().catch(() => false)) return;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

async function ask(port: number, ...command: [string, ...string[]]): Promise<unknown> {
	const client = new Redis({
		host: "127.0.0.1",
		port,
		lazyConnect: true,
		maxRetriesPerRequest: 0,
		retryStrategy: () => null,
	});
	client.on("error", () => {});
	try {
		await client.connect();
		return await client.call(...command);
	} finally {
		client.disconnect();
	}
}

const NO_PERSISTENCE = ["--save", "", "--appendonly", "no"];

/**
 * A Redis Cluster of `masters` masters with `replicasPerMaster` replicas each, made with
 * `redis-cli --cluster create` as an operator would, on loopback ports of its own.
 */
export async function startRedisCluster(masters = 3, replicasPerMaster = 1): Promise<RedisCluster> {
	const dir = await mkdtemp(join(tmpdir(), "sensorium-redis-cluster-"));
	const ports = await freePorts(masters * (1 + replicasPerMaster));
	const processes = new Processes();
	for (const port of ports) {
		processes.start(
			port,
			[
				"--port",
				String(port),
				"--bind",
				"127.0.0.1",
				"--cluster-enabled",
				"yes",
				"--cluster-config-file",
				`nodes-${port}.conf`,
				"--cluster-node-timeout",
				"2000",
				// A replica may be promoted however long its link was down: tests kill masters on purpose.
				"--cluster-replica-validity-factor",
				"0",
				"--dir",
				dir,
				...NO_PERSISTENCE,
			],
			dir,
		);
	}
	const stop = async () => {
		await processes.stopAll();
		await rm(dir, { recursive: true, force: true });
	};
	try {
		for (const port of ports)
			await waitUntil(`redis-server on ${port}`, async () => (await ask(port, "PING")) === "PONG");
		await execFileAsync("redis-cli", [
			"--cluster",
			"create",
			...ports.map((port) => `127.0.0.1:${port}`),
			"--cluster-replicas",
			String(replicasPerMaster),
			"--cluster-yes",
		]);
		for (const port of ports) {
			await waitUntil(`cluster state ok on ${port}`, async () =>
				String(await ask(port, "CLUSTER", "INFO")).includes("cluster_state:ok"),
			);
			// A replica that has not synced yet cannot take over; wait until every one has.
			await waitUntil(`replication link of ${port}`, async () => {
				const info = String(await ask(port, "INFO", "replication"));
				return info.includes("role:master") || info.includes("master_link_status:up");
			});
		}
	} catch (error) {
		await stop();
		throw error;
	}
	return {
		nodes: ports.map((port) => ({ host: "127.0.0.1", port })),
		kill: (port) => processes.kill(port),
		stop,
		async masterOf(key) {
			const slot = Number(await ask(ports[0] as number, "CLUSTER", "KEYSLOT", key));
			const live = [...processes.byPort.entries()].find(([, child]) => child.exitCode === null && !child.killed);
			const slots = (await ask(live?.[0] ?? (ports[0] as number), "CLUSTER", "SLOTS")) as [
				number,
				number,
				[string, number],
			][];
			const range = slots.find(([from, to]) => slot >= from && slot <= to);
			if (!range) throw new Error(`no master serves slot ${slot}`);
			return { host: "127.0.0.1", port: range[2][1] };
		},
	};
}

/** A master, one replica and three sentinels watching them (quorum 2), on loopback ports of their own. */
export async function startRedisSentinels(masterName = "sensorium"): Promise<RedisSentinelSetup> {
	const dir = await mkdtemp(join(tmpdir(), "sensorium-redis-sentinel-"));
	const [masterPort, replicaPort, ...sentinelPorts] = (await freePorts(5)) as [number, number, ...number[]];
	const processes = new Processes();
	processes.start(
		masterPort,
		["--port", String(masterPort), "--bind", "127.0.0.1", "--dir", dir, ...NO_PERSISTENCE],
		dir,
	);
	processes.start(
		replicaPort,
		[
			"--port",
			String(replicaPort),
			"--bind",
			"127.0.0.1",
			"--dir",
			dir,
			"--replicaof",
			"127.0.0.1",
			String(masterPort),
			...NO_PERSISTENCE,
		],
		dir,
	);
	for (const port of sentinelPorts) {
		// Sentinels rewrite their configuration file, so each gets its own.
		const file = join(dir, `sentinel-${port}.conf`);
		await writeFile(
			file,
			[
				`port ${port}`,
				"bind 127.0.0.1",
				`dir ${dir}`,
				`sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
				`sentinel down-after-milliseconds ${masterName} 1000`,
				`sentinel failover-timeout ${masterName} 5000`,
				`sentinel parallel-syncs ${masterName} 1`,
				"",
			].join("\n"),
		);
		processes.start(port, [file, "--sentinel"], dir);
	}
	const stop = async () => {
		await processes.stopAll();
		await rm(dir, { recursive: true, force: true });
	};
	const currentMaster = async (): Promise<RedisNodeAddress> => {
		for (const port of sentinelPorts) {
			const reply = await ask(port, "SENTINEL", "get-master-addr-by-name", masterName).catch(() => null);
			if (Array.isArray(reply) && reply.length === 2) return { host: String(reply[0]), port: Number(reply[1]) };
		}
		throw new Error("no sentinel names a master");
	};
	try {
		await waitUntil("the replica to sync", async () =>
			String(await ask(replicaPort, "INFO", "replication")).includes("master_link_status:up"),
		);
		for (const port of sentinelPorts) {
			await waitUntil(`sentinel ${port} to see the replica and the other sentinels`, async () => {
				const info = String(await ask(port, "INFO", "sentinel"));
				return /slaves=1,sentinels=3/.test(info);
			});
		}
	} catch (error) {
		await stop();
		throw error;
	}
	return {
		nodes: [masterPort, replicaPort].map((port) => ({ host: "127.0.0.1", port })),
		sentinels: sentinelPorts.map((port) => ({ host: "127.0.0.1", port })),
		masterName,
		kill: (port) => processes.kill(port),
		stop,
		currentMaster,
	};
}
