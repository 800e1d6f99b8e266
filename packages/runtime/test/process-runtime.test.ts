import type { AddressInfo } from "node:net";
import { createLogger } from "@sensorium/logger";
import { createRegistry } from "@sensorium/metrics";
import { describe, expect, it } from "vitest";
import { ProcessRuntime } from "../src/index.ts";

const silent = createLogger({ name: "test", level: "silent" });

function runtime(shutdownTimeoutMs = 5_000) {
	const exits: number[] = [];
	const rt = new ProcessRuntime({ logger: silent, shutdownTimeoutMs, exit: (code) => void exits.push(code) });
	return { rt, exits };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("ProcessRuntime", () => {
	it("runs the shutdown steps one after the other, in registration order, then exits 0", async () => {
		const { rt, exits } = runtime();
		const order: string[] = [];
		rt.onShutdown("worker", async () => {
			await sleep(20);
			order.push("worker");
		});
		rt.onShutdown("queues", () => void order.push("queues"));
		rt.onShutdown("database", () => void order.push("database"));
		await rt.shutdown("SIGTERM");
		expect(order).toEqual(["worker", "queues", "database"]);
		expect(exits).toEqual([0]);
	});

	it("goes on with the next steps when one fails, and shuts down once however often it is asked", async () => {
		const { rt, exits } = runtime();
		const order: string[] = [];
		rt.onShutdown("redis", () => {
			throw new Error("already disconnected");
		});
		rt.onShutdown("database", () => void order.push("database"));
		await Promise.all([rt.shutdown("SIGTERM"), rt.shutdown("SIGINT")]);
		expect(order).toEqual(["database"]);
		expect(exits).toEqual([0]);
	});

	it("exits 1 when the steps outlast the deadline", async () => {
		const { rt, exits } = runtime(50);
		rt.onShutdown("hanging worker", () => sleep(300));
		const stopped = rt.shutdown("SIGTERM");
		await sleep(150);
		expect(exits).toEqual([1]);
		await stopped;
	});

	it("repeats a loop, survives a failing round, never overlaps rounds, and stops at shutdown", async () => {
		const { rt } = runtime();
		let rounds = 0;
		let concurrent = 0;
		let maxConcurrent = 0;
		rt.every("reconciler", 5, async () => {
			rounds++;
			concurrent++;
			maxConcurrent = Math.max(maxConcurrent, concurrent);
			await sleep(15);
			concurrent--;
			if (rounds === 1) throw new Error("Postgres away");
		});
		await sleep(120);
		expect(rounds).toBeGreaterThan(2);
		expect(maxConcurrent).toBe(1);
		await rt.shutdown("SIGTERM");
		const after = rounds;
		await sleep(60);
		expect(rounds).toBe(after);
	});

	it("answers /readyz from its checks, 503 as soon as shutdown starts, and serves /metrics until the end", async () => {
		const { rt } = runtime();
		let ready = true;
		const port = await freePort();
		rt.serveOperations(createRegistry("worker"), [() => ready, async () => true], port);
		await sleep(50);
		const base = `http://127.0.0.1:${port}`;
		expect((await fetch(`${base}/readyz`)).status).toBe(200);
		ready = false;
		expect((await fetch(`${base}/readyz`)).status).toBe(503);
		ready = true;
		let duringDrain: number[] = [];
		rt.onShutdown("drain", async () => {
			duringDrain = [
				(await fetch(`${base}/readyz`)).status,
				(await fetch(`${base}/healthz`)).status,
				(await fetch(`${base}/metrics`)).status,
			];
		});
		await rt.shutdown("SIGTERM");
		expect(duringDrain).toEqual([503, 503, 200]);
		await expect(fetch(`${base}/metrics`)).rejects.toThrow();
	});
});

async function freePort(): Promise<number> {
	const { createServer } = await import("node:net");
	return new Promise((resolve) => {
		const server = createServer().listen(0, "127.0.0.1", () => {
			const { port } = server.address() as AddressInfo;
			server.close(() => resolve(port));
		});
	});
}
