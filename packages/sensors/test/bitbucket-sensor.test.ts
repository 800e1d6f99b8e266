import { rm } from "node:fs/promises";
import { BitbucketContractServer } from "@sensorium/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bitbucketRateLimitWaitMs } from "../src/bitbucket/bitbucket-sensor.ts";
import {
	type BitbucketSensorConfig,
	bitbucketConfigSchema,
	bitbucketSensor,
	sensorTypeContracts,
} from "../src/index.ts";
import { collect, makeTempDir, rejection, runContext } from "./fixtures.ts";

const TOKEN = "ATCTT3xFfGN0contractTestToken0123";
const USER = { username: "scanner", password: "app-password-0123" };

let base: string;
const servers: BitbucketContractServer[] = [];

beforeAll(async () => {
	base = await makeTempDir("bitbucket");
});
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(() => rm(base, { recursive: true, force: true }));

/** Workspace `acme` with 5 repositories (one empty) and Data Center project `PLAT` with 3. */
async function start(): Promise<BitbucketContractServer> {
	const server = await BitbucketContractServer.start({ token: TOKEN, ...USER, maxPerPage: 2 });
	servers.push(server);
	for (const name of ["api", "billing", "docs", "web"])
		server.addRepository(`acme/${name}`, { "key.pem": `${name}\n` });
	server.addRepository("acme/empty");
	for (const name of ["core", "gateway", "infra"]) server.addRepository(`PLAT/${name}`, { "cert.crt": `${name}\n` });
	return server;
}

async function scan(config: BitbucketSensorConfig, options: Parameters<typeof runContext>[1] = {}) {
	const snapshot = await bitbucketSensor.open(config, await runContext(base, options));
	return { snapshot, files: await collect(snapshot) };
}

describe("Bitbucket sensorConfig", () => {
	const schema = bitbucketConfigSchema();
	it("accepts a workspace or a Data Center project with a token or username and password", () => {
		for (const config of [
			{ workspace: "acme", token: TOKEN },
			{ workspace: "acme", ...USER, include_repositories: ["acme/*"], max_repositories: 3 },
			{ project_key: "PLAT", token: TOKEN, url: "https://bitbucket.example.com" },
			{ project_key: "PLAT", token: TOKEN, username: "scanner", url: "https://bitbucket.example.com" },
		]) {
			expect(schema.safeParse(config).success, JSON.stringify(config)).toBe(true);
		}
	});
	it("rejects ambiguous owners or credentials, a Data Center project without url and unknown keys", () => {
		for (const config of [
			{ token: TOKEN },
			{ workspace: "acme", project_key: "PLAT", token: TOKEN },
			{ workspace: "acme" },
			{ workspace: "acme", token: TOKEN, password: "x", username: "u" },
			{ workspace: "acme", password: "x" },
			{ project_key: "PLAT", token: TOKEN },
			{ workspace: "acme", token: TOKEN, group: "x" },
			{ workspace: "../x", token: TOKEN },
		]) {
			expect(schema.safeParse(config).success, JSON.stringify(config)).toBe(false);
		}
	});
	it("is registered with the token and password sealed at rest", () => {
		const contract = sensorTypeContracts({ allowGitFileUrls: false }).find((c) => c.errorNamespace === "BITBUCKET");
		expect(contract?.sensorType).toBe("Bitbucket Sensor");
		expect(contract?.secretKeys).toEqual(["token", "password"]);
	});
});

describe("Bitbucket Sensor against the contract server", { timeout: 180_000 }, () => {
	it("Cloud: follows `next` across pages, skips the empty repository, clones without the link's username", async () => {
		const server = await start();
		const { snapshot, files } = await scan({ workspace: "acme", token: TOKEN, url: server.cloudUrl });
		expect([...files.keys()]).toEqual([
			"acme/api:key.pem",
			"acme/billing:key.pem",
			"acme/docs:key.pem",
			"acme/web:key.pem",
		]);
		expect(snapshot.diagnostics).toEqual([]);
		expect(server.apiRequests).toHaveLength(3);
		expect(server.apiRequests[0]).toBe("GET /2.0/repositories/acme?pagelen=100");
	});

	it("Cloud with username and app password, and the repository globs", async () => {
		const server = await start();
		const { files } = await scan({
			workspace: "acme",
			...USER,
			url: server.cloudUrl,
			exclude_repositories: ["acme/[bd]*"],
		});
		expect([...files.keys()]).toEqual(["acme/api:key.pem", "acme/web:key.pem"]);
	});

	it("Data Center: pages with isLastPage and nextPageStart", async () => {
		const server = await start();
		const { files } = await scan({ project_key: "PLAT", token: TOKEN, url: server.origin });
		expect([...files.keys()]).toEqual(["PLAT/core:cert.crt", "PLAT/gateway:cert.crt", "PLAT/infra:cert.crt"]);
		expect(server.apiRequests).toEqual([
			"GET /rest/api/1.0/projects/PLAT/repos?limit=100",
			"GET /rest/api/1.0/projects/PLAT/repos?limit=100&start=2",
		]);
	});

	it("waits out a 429 with Retry-After mid-listing, then fails with BITBUCKET-1006", async () => {
		const server = await start();
		server.rateLimit({ nth: 2, retryAfterSeconds: 1 });
		const { snapshot } = await scan({ workspace: "acme", token: TOKEN, url: server.cloudUrl, include_paths: ["none"] });
		expect(snapshot.progress?.repositoriesListed).toBe(4);
		server.rateLimit({ nth: 5, times: 5, retryAfterSeconds: 0 });
		const error = await rejection(
			bitbucketSensor.open({ workspace: "acme", token: TOKEN, url: server.cloudUrl }, await runContext(base)),
		);
		expect(error.code).toBe("BITBUCKET-1006");
	});

	it("maps rejected credentials and an unknown workspace or project", async () => {
		const server = await start();
		const unauthorized = await rejection(
			bitbucketSensor.open({ workspace: "acme", token: "wrong", url: server.cloudUrl }, await runContext(base)),
		);
		expect(unauthorized.code).toBe("BITBUCKET-1002");
		const missing = await rejection(
			bitbucketSensor.open({ project_key: "NOPE", token: TOKEN, url: server.origin }, await runContext(base)),
		);
		expect(missing.code).toBe("BITBUCKET-1004");
		expect(missing.message).toContain('project "NOPE"');
	});

	it("re-reads only the repository that changed", async () => {
		const server = await start();
		const config = { workspace: "acme", token: TOKEN, url: server.cloudUrl };
		const first = await scan(config);
		server.commit("acme/docs", { "key.pem": "rotated\n" });
		const gitRequestsBefore = server.gitRequests.length;
		const second = await scan(config, { previousCursor: first.snapshot.cursor });
		expect([...second.files.keys()]).toEqual(["acme/docs:key.pem"]);
		// The API's branch heads spared the clones of the three unchanged repositories.
		const cloned = new Set(server.gitRequests.slice(gitRequestsBefore).map((path) => path.replace(/\.git\/.*$/, "")));
		expect([...cloned]).toEqual(["/git/acme/docs"]);
	});
});

describe("Bitbucket Data Center heads from the REST API", { timeout: 180_000 }, () => {
	const clonedSince = (server: BitbucketContractServer, before: number) =>
		[...new Set(server.gitRequests.slice(before).map((path) => path.replace(/\.git\/.*$/, "")))].sort();

	it("asks branches/default for each repository's head and clones only the one that changed", async () => {
		const server = await start();
		const config = { project_key: "PLAT", token: TOKEN, url: server.origin };
		const first = await scan(config);
		server.commit("PLAT/gateway", { "cert.crt": "renewed\n" });
		const [requestsBefore, gitRequestsBefore] = [server.apiRequests.length, server.gitRequests.length];
		const second = await scan(config, { previousCursor: first.snapshot.cursor });
		expect([...second.files.keys()]).toEqual(["PLAT/gateway:cert.crt"]);
		expect(server.apiRequests.slice(requestsBefore).filter((r) => r.includes("/branches"))).toEqual([
			"GET /rest/api/1.0/projects/PLAT/repos/core/branches/default",
			"GET /rest/api/1.0/projects/PLAT/repos/gateway/branches/default",
			"GET /rest/api/1.0/projects/PLAT/repos/infra/branches/default",
		]);
		expect(clonedSince(server, gitRequestsBefore)).toEqual(["/git/PLAT/gateway"]);
	});

	it("finds a configured branch's exact ref among those filterText matches", async () => {
		const server = await start();
		for (const name of ["core", "gateway", "infra"]) {
			server.commit(`PLAT/${name}`, { "release.crt": `${name} release\n` }, "release");
			server.commit(`PLAT/${name}`, { "release.crt": `${name} pre\n` }, "pre-release");
		}
		const config = { project_key: "PLAT", token: TOKEN, url: server.origin, branch: "release" };
		const first = await scan(config);
		expect(first.files.get("PLAT/core:release.crt")?.content.toString()).toBe("core release\n");
		// filterText=release also matches pre-release, listed first: its head must not be taken for release's.
		server.commit("PLAT/infra", { "release.crt": "infra pre again\n" }, "pre-release");
		server.commit("PLAT/core", { "release.crt": "core renewed\n" }, "release");
		const gitRequestsBefore = server.gitRequests.length;
		const second = await scan(config, { previousCursor: first.snapshot.cursor });
		expect(server.apiRequests).toContain(
			"GET /rest/api/1.0/projects/PLAT/repos/infra/branches?filterText=release&limit=100",
		);
		expect(clonedSince(server, gitRequestsBefore)).toEqual(["/git/PLAT/core"]);
		expect(second.files.get("PLAT/core:release.crt")?.content.toString()).toBe("core renewed\n");
	});
});

describe("Bitbucket rate-limit answers", () => {
	it("waits for Retry-After, else 2 s doubling, only on 429", () => {
		expect(bitbucketRateLimitWaitMs(429, { "retry-after": "4" }, 0)).toBe(4000);
		expect(bitbucketRateLimitWaitMs(429, {}, 1)).toBe(4000);
		expect(bitbucketRateLimitWaitMs(503, {}, 0)).toBeNull();
	});
});
