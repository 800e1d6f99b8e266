import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createConnection, createServer } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitSensor, sensorTypeContracts } from "../src/index.ts";
import { collect, makeTempDir, memoryHostKeys, rejection, runContext, TestRepo } from "./fixtures.ts";

let base: string;
let sshd: ChildProcess;
let port: number;
let url: string;
let clientKey: string;
let hostPublicKey: string;

function keygen(path: string): void {
	execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path], { stdio: "pipe" });
}

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port: free } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return free;
}

async function waitForPort(target: number): Promise<void> {
	for (let attempt = 0; attempt < 100; attempt++) {
		const open = await new Promise<boolean>((resolve) => {
			const socket = createConnection(target, "127.0.0.1", () => {
				socket.destroy();
				resolve(true);
			}).on("error", () => resolve(false));
		});
		if (open) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error("sshd did not start");
}

beforeAll(async () => {
	base = await makeTempDir("git-ssh");
	const repo = await TestRepo.create(base);
	await writeFile(join(repo.dir, "README.md"), "hello over ssh\n");
	repo.commitAll("first");

	keygen(join(base, "host_key"));
	keygen(join(base, "client_key"));
	clientKey = await readFile(join(base, "client_key"), "utf8");
	hostPublicKey = (await readFile(join(base, "host_key.pub"), "utf8")).trim();
	await writeFile(join(base, "authorized_keys"), await readFile(join(base, "client_key.pub")));
	// sshd's privilege separation directory, needed when it runs as root.
	if (process.getuid?.() === 0) await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
	port = await freePort();
	await writeFile(
		join(base, "sshd_config"),
		[
			"ListenAddress 127.0.0.1",
			`Port ${port}`,
			`HostKey ${join(base, "host_key")}`,
			`AuthorizedKeysFile ${join(base, "authorized_keys")}`,
			"PidFile none",
			"StrictModes no",
			"UsePAM no",
			"PasswordAuthentication no",
			"KbdInteractiveAuthentication no",
			"PubkeyAuthentication yes",
			"PermitRootLogin prohibit-password",
			"",
		].join("\n"),
	);
	sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", join(base, "sshd_config")], { stdio: "ignore" });
	await waitForPort(port);
	url = `ssh://${userInfo().username}@127.0.0.1:${port}${repo.dir}`;
});

afterAll(async () => {
	sshd?.kill();
	await rm(base, { recursive: true, force: true });
});

describe("GIT Sensor over ssh (real sshd on loopback)", () => {
	it("clones with the sensor's own key and pins the host key on first use", async () => {
		const hostKeys = memoryHostKeys();
		const snapshot = await gitSensor.open(
			{ url, ssh_private_key: clientKey },
			await runContext(base, { sshHostKeys: hostKeys }),
		);
		expect((await collect(snapshot)).get("README.md")?.content.toString()).toBe("hello over ssh\n");
		const [pinnedName, ...pinnedKey] = (hostKeys.pinned ?? "").split(" ");
		expect(pinnedName).toBe(`[127.0.0.1]:${port}`);
		expect(pinnedKey.join(" ")).toBe(hostPublicKey);

		// The next scan checks against the pin instead of accepting afresh.
		const again = await gitSensor.open(
			{ url, ssh_private_key: clientKey },
			await runContext(base, { sshHostKeys: hostKeys }),
		);
		expect((await collect(again)).has("README.md")).toBe(true);
	});

	it("fails with GIT-1008 when the server's key differs from the pinned one", async () => {
		const otherKey = join(base, "other_host_key");
		keygen(otherKey);
		const other = (await readFile(`${otherKey}.pub`, "utf8")).trim();
		const hostKeys = memoryHostKeys(`[127.0.0.1]:${port} ${other}`);
		const error = await rejection(
			gitSensor.open({ url, ssh_private_key: clientKey }, await runContext(base, { sshHostKeys: hostKeys })),
		);
		expect(error).toMatchObject({ code: "GIT-1008", retryable: false });
		expect(hostKeys.pinned).toBe(`[127.0.0.1]:${port} ${other}`);
	});

	it("checks against ssh_known_hosts when given, and pins nothing", async () => {
		const hostKeys = memoryHostKeys();
		const ok = await gitSensor.open(
			{ url, ssh_private_key: clientKey, ssh_known_hosts: `[127.0.0.1]:${port} ${hostPublicKey}\n` },
			await runContext(base, { sshHostKeys: hostKeys }),
		);
		expect((await collect(ok)).has("README.md")).toBe(true);
		expect(hostKeys.pinned).toBeNull();
		const wrong = await rejection(
			gitSensor.open(
				{ url, ssh_private_key: clientKey, ssh_known_hosts: `other.example ${hostPublicKey}` },
				await runContext(base),
			),
		);
		expect(wrong.code).toBe("GIT-1008");
	});

	it("never offers the worker's ssh agent: without its own key the sensor is refused (GIT-1002)", async () => {
		const socket = join(base, "agent.sock");
		const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
		const saved = process.env.SSH_AUTH_SOCK;
		try {
			for (let attempt = 0; attempt < 100; attempt++) {
				try {
					execFileSync("ssh-add", [join(base, "client_key")], {
						env: { ...process.env, SSH_AUTH_SOCK: socket },
						stdio: "pipe",
					});
					break;
				} catch {
					await new Promise((resolve) => setTimeout(resolve, 50));
				}
			}
			expect(
				execFileSync("ssh-add", ["-l"], { env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: "utf8" }),
			).toContain("ED25519");
			process.env.SSH_AUTH_SOCK = socket;
			const error = await rejection(gitSensor.open({ url }, await runContext(base)));
			expect(error.code).toBe("GIT-1002");
		} finally {
			if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
			else process.env.SSH_AUTH_SOCK = saved;
			agent.kill();
		}
	});
});

describe("GIT Sensor ssh config", () => {
	const schema = sensorTypeContracts({ allowGitFileUrls: false }).find((c) => c.sensorType === "GIT Sensor");

	it("seals ssh_private_key at rest", () => {
		expect(schema?.secretKeys).toContain("ssh_private_key");
	});

	it.each([
		"ssh://-oProxyCommand=touch%20x/repo.git",
		"ssh://-oProxyCommand=x@host/repo.git",
		"-oProxyCommand=x@host:repo.git",
		"git@-oProxyCommand=x:repo.git",
	])("refuses a host or user starting with '-': %s", (candidate) => {
		expect(schema?.configSchema.safeParse({ url: candidate }).success).toBe(false);
	});

	it("accepts a private key and known hosts, and refuses what is not a private key", () => {
		expect(
			schema?.configSchema.safeParse({
				url: "git@example.com:a/b.git",
				ssh_private_key: clientKey,
				ssh_known_hosts: "x",
			}).success,
		).toBe(true);
		expect(schema?.configSchema.safeParse({ url: "git@example.com:a/b.git", ssh_private_key: "hello" }).success).toBe(
			false,
		);
	});
});
