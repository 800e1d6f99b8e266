import { rm } from "node:fs/promises";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { createNetworkPolicy, parseAllowedNetworks } from "@sensorium/network-policy";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gitSensor } from "../src/index.ts";
import { makeTempDir, rejection, runContext } from "./fixtures.ts";

/** The worker's default: SENSOR_ALLOWED_NETWORKS unset. */
const DEFAULT_POLICY = createNetworkPolicy([]);

let base: string;
const listeners: Array<{ server: Server; sockets: Socket[] }> = [];

/** A loopback TCP listener that records every connection made to it and never answers. */
async function recordingListener(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
	const sockets: Socket[] = [];
	let count = 0;
	const server = createServer((socket) => {
		count += 1;
		sockets.push(socket);
		// Ends the conversation at once so git and ssh fail fast once they got through.
		socket.destroy();
	});
	listeners.push({ server, sockets });
	const port = await new Promise<number>((resolve) =>
		server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
	);
	return {
		port,
		connections: () => count,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

beforeAll(async () => {
	base = await makeTempDir("git-policy");
});

afterEach(async () => {
	for (const { server, sockets } of listeners.splice(0)) {
		for (const socket of sockets) socket.destroy();
		if (server.listening) await new Promise((resolve) => server.close(resolve));
	}
});

afterAll(async () => {
	await rm(base, { recursive: true, force: true });
});

describe("GIT Sensor: network policy", () => {
	it.each([
		["http", (port: number) => `http://127.0.0.1:${port}/org/repo.git`],
		["https", (port: number) => `https://127.0.0.1:${port}/org/repo.git`],
		["http by host name", (port: number) => `http://localhost:${port}/org/repo.git`],
		["ssh", (port: number) => `ssh://git@127.0.0.1:${port}/org/repo.git`],
		["ssh by host name, scp-like", () => "git@localhost:org/repo.git"],
	])("refuses a loopback server by default over %s, and nothing reaches it (GIT-1007)", async (_, urlFor) => {
		const listener = await recordingListener();
		const error = await rejection(
			gitSensor.open(
				{ url: urlFor(listener.port) },
				await runContext(base, { settings: { networkPolicy: DEFAULT_POLICY } }),
			),
		);
		expect(error).toMatchObject({ code: "GIT-1007", retryable: false });
		expect(error.message).toMatch(/address not allowed: .*loopback, 127\.0\.0\.0\/8/);
		expect(error.message).toContain("SENSOR_ALLOWED_NETWORKS");
		expect(listener.connections()).toBe(0);
	});

	it("answers the same for an open and a closed port on a refused address", async () => {
		const open = await recordingListener();
		const closed = await recordingListener();
		await closed.close();
		const settings = { networkPolicy: DEFAULT_POLICY };
		const failures = [];
		for (const port of [open.port, closed.port]) {
			for (const scheme of ["http", "https"]) {
				const error = await rejection(
					gitSensor.open({ url: `${scheme}://127.0.0.1:${port}/repo.git` }, await runContext(base, { settings })),
				);
				failures.push({
					code: error.code,
					retryable: error.retryable,
					message: error.message.replaceAll(String(port), "PORT"),
				});
			}
		}
		expect(failures[0]).toEqual(failures[2]);
		expect(failures[1]).toEqual(failures[3]);
		expect(open.connections()).toBe(0);
	});

	it.each([
		["http", (port: number) => `http://127.0.0.1:${port}/org/repo.git`],
		["https", (port: number) => `https://127.0.0.1:${port}/org/repo.git`],
		["ssh by host name", (port: number) => `ssh://git@localhost:${port}/org/repo.git`],
	])("connects over %s when SENSOR_ALLOWED_NETWORKS allows the address", async (_, urlFor) => {
		const listener = await recordingListener();
		const networkPolicy = createNetworkPolicy(parseAllowedNetworks("127.0.0.0/8"));
		const error = await rejection(
			gitSensor.open({ url: urlFor(listener.port) }, await runContext(base, { settings: { networkPolicy } })),
		);
		expect(error.code).not.toBe("GIT-1007");
		expect(listener.connections()).toBeGreaterThan(0);
	});

	it("ignores the worker's proxy variables, so no_proxy cannot bypass the policy", async () => {
		const listener = await recordingListener();
		const saved = { ...process.env };
		Object.assign(process.env, { no_proxy: "*", NO_PROXY: "*", http_proxy: "", HTTP_PROXY: "" });
		try {
			const error = await rejection(
				gitSensor.open(
					{ url: `http://127.0.0.1:${listener.port}/repo.git` },
					await runContext(base, { settings: { networkPolicy: DEFAULT_POLICY } }),
				),
			);
			expect(error.code).toBe("GIT-1007");
		} finally {
			for (const name of ["no_proxy", "NO_PROXY", "http_proxy", "HTTP_PROXY"]) {
				if (saved[name] === undefined) delete process.env[name];
				else process.env[name] = saved[name];
			}
		}
		expect(listener.connections()).toBe(0);
	});
});
