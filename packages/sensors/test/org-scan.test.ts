import { rm } from "node:fs/promises";
import { GitHubContractServer } from "@sensorium/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type GitHubSensorConfig, githubSensor } from "../src/index.ts";
import { collect, makeTempDir, memoryCheckpoint, runContext } from "./fixtures.ts";

const TOKEN = "ghp_orgScanContractToken0123456789abcdef";

let base: string;
const servers: GitHubContractServer[] = [];

beforeAll(async () => {
	base = await makeTempDir("org-scan");
});
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(() => rm(base, { recursive: true, force: true }));

const NAMES = ["r1", "r2", "r3", "r4", "r5"].map((name) => `acme/${name}`);

/** acme: r1…r5, each with a key and a README. */
async function startAcme(): Promise<GitHubContractServer> {
	const server = await GitHubContractServer.start({ token: TOKEN });
	servers.push(server);
	server.organization("acme");
	for (const name of NAMES) server.addRepository(name, { "key.pem": `${name} key\n`, "README.md": `${name}\n` });
	return server;
}

const configOf = (server: GitHubContractServer, extra: Partial<GitHubSensorConfig> = {}): GitHubSensorConfig => ({
	organization: "acme",
	token: TOKEN,
	url: server.url,
	...extra,
});

async function scan(config: GitHubSensorConfig, options: Parameters<typeof runContext>[1] = {}) {
	const snapshot = await githubSensor.open(config, await runContext(base, options));
	const files = await collect(snapshot);
	return { snapshot, files };
}

/** The repositories git fetched from since the `before`th git request. */
const clonedSince = (server: GitHubContractServer, before: number) =>
	[...new Set(server.gitRequests.slice(before).map((path) => path.replace(/^\/git\/|\.git\/.*$/g, "")))].sort();

/** An attempt that stops, as on a shutdown, once `after` repositories were recorded. */
async function interrupted(config: GitHubSensorConfig, after: number, previousCursor?: string | null) {
	const stop = new AbortController();
	const checkpoint = memoryCheckpoint(new Map(), () => {
		if (checkpoint.recorded.size === after) stop.abort(new Error("handed back"));
	});
	const snapshot = await githubSensor.open(
		config,
		await runContext(base, {
			signal: stop.signal,
			checkpoint,
			previousCursor,
			settings: { orgRepositoryConcurrency: 1 },
		}),
	);
	await expect(collect(snapshot)).rejects.toThrow("handed back");
	return checkpoint.recorded;
}

describe("an organisation scan resumed by a later attempt of the same execution", { timeout: 180_000 }, () => {
	it("does not clone the repositories finished before, and ends as an uninterrupted scan", async () => {
		const server = await startAcme();
		const whole = await scan(configOf(server));
		const recorded = await interrupted(configOf(server), 2);
		expect([...recorded.keys()]).toEqual(["acme/r1", "acme/r2"]);

		const gitRequestsBefore = server.gitRequests.length;
		const checkpoint = memoryCheckpoint(recorded);
		const resumed = await scan(configOf(server), { checkpoint });
		expect(checkpoint.resumed).toEqual(["acme/r1", "acme/r2"]);
		expect(clonedSince(server, gitRequestsBefore)).toEqual(["acme/r3", "acme/r4", "acme/r5"]);
		expect([...resumed.files.keys()]).toEqual(
			[...whole.files.keys()].filter((path) => !path.startsWith("acme/r1:") && !path.startsWith("acme/r2:")),
		);
		expect(resumed.snapshot.checkpointed).toBe(true);
		expect(resumed.snapshot.mode).toBe(whole.snapshot.mode);
		expect(resumed.snapshot.cursor).toBe(whole.snapshot.cursor);
		expect(resumed.snapshot.deleted).toEqual(whole.snapshot.deleted);
		expect(resumed.snapshot.progress).toEqual(whole.snapshot.progress);
		expect([...checkpoint.recorded.keys()]).toEqual(NAMES);
	});

	it("reads again what was recorded against another previous commit or with other paths", async () => {
		const server = await startAcme();
		const first = await scan(configOf(server));
		server.commit("acme/r2", { "key.pem": "rotated\n" });
		const recorded = await interrupted(configOf(server), 3, first.snapshot.cursor);
		// Another execution of the sensor finished in between: r2's previous commit is no longer r2's recorded one.
		const between = await scan(configOf(server), { previousCursor: first.snapshot.cursor });
		const checkpoint = memoryCheckpoint(recorded);
		await scan(configOf(server), { checkpoint, previousCursor: between.snapshot.cursor });
		expect(checkpoint.resumed).toEqual(["acme/r1", "acme/r3"]);

		const otherPaths = memoryCheckpoint(recorded);
		await scan(configOf(server, { include_paths: ["*.pem"] }), {
			checkpoint: otherPaths,
			previousCursor: first.snapshot.cursor,
		});
		expect(otherPaths.resumed).toEqual([]);
	});
});

describe("an incremental organisation scan", { timeout: 120_000 }, () => {
	it('says "unchanged" when no repository changed, and "changed" when one did or one went away', async () => {
		const server = await startAcme();
		const first = await scan(configOf(server));
		const gitRequestsBefore = server.gitRequests.length;
		const same = await scan(configOf(server), { previousCursor: first.snapshot.cursor });
		expect(same.snapshot.mode).toBe("unchanged");
		expect(same.files.size).toBe(0);
		expect(same.snapshot.cursor).toBe(first.snapshot.cursor);
		expect(server.gitRequests.length).toBe(gitRequestsBefore);

		server.commit("acme/r4", { "new.pem": "new\n" });
		const changed = await scan(configOf(server), { previousCursor: first.snapshot.cursor });
		expect(changed.snapshot.mode).toBe("changed");
		expect([...changed.files.keys()]).toEqual(["acme/r4:new.pem"]);

		server.deleteRepository("acme/r5");
		const gone = await scan(configOf(server), { previousCursor: changed.snapshot.cursor });
		expect(gone.snapshot.mode).toBe("changed");
		expect(gone.snapshot.deleted).toEqual(["acme/r5:"]);
	});
});
