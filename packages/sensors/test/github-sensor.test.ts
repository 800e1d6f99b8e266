import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { createNetworkPolicy } from "@sensorium/network-policy";
import { GitHubContractServer } from "@sensorium/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nextLink, rateLimitWaitMs } from "../src/github/github-client.ts";
import { type GitHubSensorConfig, githubConfigSchema, githubSensor, sensorTypeContracts } from "../src/index.ts";
import { collect, makeTempDir, rejection, runContext } from "./fixtures.ts";

const TOKEN = "ghp_contractTestToken0123456789abcdefABCD";

let base: string;
const servers: GitHubContractServer[] = [];

beforeAll(async () => {
	base = await makeTempDir("github");
});
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(() => rm(base, { recursive: true, force: true }));

const pad = (n: number) => String(n).padStart(2, "0");

/** acme with 12 repositories r01…r12 on pages of 5, plus a fork, an archived and an empty one. */
async function startAcme(): Promise<GitHubContractServer> {
	const server = await GitHubContractServer.start({ token: TOKEN, maxPerPage: 5 });
	servers.push(server);
	server.organization("acme").organization("empty-org").user("alice");
	for (let i = 1; i <= 12; i += 1) {
		server.addRepository(`acme/r${pad(i)}`, { "README.md": `repository ${i}\n`, [`src/key-${i}.pem`]: `key ${i}\n` });
	}
	server.addRepository("acme/forked", { "a.txt": "fork\n" }, { fork: true });
	server.addRepository("acme/old", { "a.txt": "archived\n" }, { archived: true });
	server.addRepository("acme/nothing-yet");
	server.addRepository("acme/trunk", { "t.txt": "trunk\n" }, { defaultBranch: "trunk" });
	server.addRepository("alice/dotfiles", { ".bashrc": "export A=1\n" });
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

describe("GitHub sensorConfig", () => {
	const schema = githubConfigSchema();
	it("accepts an organization or a user with a token and the documented options", () => {
		for (const config of [
			{ organization: "acme", token: TOKEN },
			{ user: "alice", token: TOKEN, url: "https://github.example.com/api/v3" },
			{
				organization: "acme",
				token: TOKEN,
				include_repositories: ["acme/*"],
				exclude_repositories: ["acme/legacy-*"],
				include_forks: true,
				include_archived: true,
				max_repositories: 50,
				branch: "release",
				include_paths: ["**/*.pem"],
				exclude_paths: ["test/**"],
				scan_archives: false,
				max_file_size_mb: 5,
			},
		]) {
			expect(schema.safeParse(config).success, JSON.stringify(config)).toBe(true);
		}
	});
	it("rejects missing or doubled owners, a missing token, unknown keys and credentials in the URL", () => {
		for (const config of [
			{ token: TOKEN },
			{ organization: "acme", user: "alice", token: TOKEN },
			{ organization: "acme" },
			{ organization: "acme", token: TOKEN, repositories: ["x"] },
			{ organization: "acme", token: TOKEN, url: "https://me:pw@api.github.com" },
			{ organization: "acme", token: TOKEN, url: "ftp://api.github.com" },
			{ organization: "../etc", token: TOKEN },
			{ organization: "acme", token: "has space" },
			{ organization: "acme", token: TOKEN, branch: "--upload-pack=x" },
		]) {
			expect(schema.safeParse(config).success, JSON.stringify(config)).toBe(false);
		}
	});
	it("is registered under both spellings, with the token sealed at rest", () => {
		const contracts = sensorTypeContracts({ allowGitFileUrls: false }).filter((c) => c.errorNamespace === "GITHUB");
		expect(contracts.map((c) => c.sensorType)).toEqual(["GitHub Sensor", "Github Sensor"]);
		expect(contracts.every((c) => c.secretKeys.includes("token"))).toBe(true);
	});
});

describe("GitHub Sensor against the contract server", { timeout: 180_000 }, () => {
	it("lists every page, skips forks, archived and empty repositories, and scans each default branch", async () => {
		const server = await startAcme();
		const { snapshot, files } = await scan(configOf(server));
		const repositories = [...new Set([...files.keys()].map((path) => path.split(":")[0]))];
		expect(repositories).toEqual([...Array.from({ length: 12 }, (_, i) => `acme/r${pad(i + 1)}`), "acme/trunk"]);
		expect(files.get("acme/r07:src/key-7.pem")?.content.toString()).toBe("key 7\n");
		expect(files.get("acme/trunk:t.txt")?.content.toString()).toBe("trunk\n");
		expect(files.size).toBe(25);
		expect(snapshot.mode).toBe("full");
		expect(snapshot.diagnostics).toEqual([]);
		expect(snapshot.progress).toEqual({ repositoriesListed: 13, repositoriesScanned: 13, repositoriesRemaining: 0 });
		// 16 repositories on pages of 5: four pages, each reached through Link rel="next".
		expect(server.apiRequests).toHaveLength(4);
		expect(server.apiRequests[0]).toBe("GET /api/v3/orgs/acme/repos?per_page=100&type=all");
		const cursor = JSON.parse(snapshot.cursor ?? "{}") as { repositories: Record<string, string> };
		expect(Object.keys(cursor.repositories)).toHaveLength(13);
		expect(cursor.repositories["acme/r01"]).toBe(server.repositories.head("acme/r01", "main"));
	});

	it("applies include_forks, include_archived, the globs, max_repositories and the user listing", async () => {
		const server = await startAcme();
		const withAll = await scan(
			configOf(server, {
				include_forks: true,
				include_archived: true,
				exclude_repositories: ["acme/r*"],
				include_paths: ["*.txt"],
			}),
		);
		expect([...withAll.files.keys()].sort()).toEqual(["acme/forked:a.txt", "acme/old:a.txt", "acme/trunk:t.txt"]);
		const limited = await scan(configOf(server, { include_repositories: ["acme/r1*"], max_repositories: 2 }));
		expect(Object.keys(JSON.parse(limited.snapshot.cursor ?? "{}").repositories)).toEqual(["acme/r10", "acme/r11"]);
		const user = await scan({ user: "alice", token: TOKEN, url: server.url });
		expect([...user.files.keys()]).toEqual(["alice/dotfiles:.bashrc"]);
		const none = await scan(configOf(server, { organization: "empty-org" }));
		expect(none.files.size).toBe(0);
		expect(none.snapshot.notice).toMatch(/No repository matched/);
	});

	it("reports a repository deleted between listing and clone as a diagnostic and scans the others", async () => {
		const server = await startAcme();
		const snapshot = await githubSensor.open(configOf(server), await runContext(base));
		server.deleteRepositoryData("acme/r05");
		const files = await collect(snapshot);
		expect([...files.keys()].some((path) => path.startsWith("acme/r05:"))).toBe(false);
		expect(files.has("acme/r06:README.md")).toBe(true);
		expect(snapshot.diagnostics).toEqual([
			expect.objectContaining({ path: "acme/r05", stage: "read", errorClass: expect.stringMatching(/^GIT-10/) }),
		]);
		expect(JSON.stringify(snapshot.diagnostics)).not.toContain(TOKEN);
		expect(JSON.parse(snapshot.cursor ?? "{}").repositories["acme/r05"]).toBeUndefined();
	});

	it("fails when every repository fails", async () => {
		const server = await startAcme();
		const snapshot = await githubSensor.open(
			configOf(server, { include_repositories: ["acme/r0[12]"] }),
			await runContext(base),
		);
		server.deleteRepositoryData("acme/r01");
		server.deleteRepositoryData("acme/r02");
		const error = await rejection(collect(snapshot));
		expect(error.code).toMatch(/^GIT-10/);
		expect(error.message).toMatch(/None of the 2 repositories/);
	});

	it("re-reads only the repositories and files that changed since the cursor", async () => {
		const server = await startAcme();
		const first = await scan(configOf(server));
		server.commit("acme/r02", { "src/key-2.pem": "rotated\n", "README.md": null });
		server.commit("acme/r09", { "new.txt": "new\n" });
		server.deleteRepository("acme/r12");
		server.addRepository("acme/r13", { "x.txt": "fresh\n" });
		const gitRequestsBefore = server.gitRequests.length;
		const second = await scan(configOf(server), { previousCursor: first.snapshot.cursor });
		expect(second.snapshot.mode).toBe("changed");
		// Only the changed and the new repositories were cloned: the API said the others had not moved.
		const cloned = new Set(
			server.gitRequests.slice(gitRequestsBefore).map((path) => /^\/git\/([^/]+\/[^/]+)\.git\//.exec(path)?.[1]),
		);
		expect([...cloned].sort()).toEqual(["acme/r02", "acme/r09", "acme/r13"]);
		expect(second.snapshot.progress).toMatchObject({ repositoriesScanned: 13, repositoriesRemaining: 0 });
		expect([...second.files.keys()].sort()).toEqual(["acme/r02:src/key-2.pem", "acme/r09:new.txt", "acme/r13:x.txt"]);
		expect(second.files.get("acme/r02:src/key-2.pem")?.content.toString()).toBe("rotated\n");
		expect(second.snapshot.deleted.sort()).toEqual(["acme/r02:README.md", "acme/r12:"]);
		const cursor = JSON.parse(second.snapshot.cursor ?? "{}").repositories as Record<string, string>;
		expect(cursor["acme/r02"]).toBe(server.repositories.head("acme/r02", "main"));
		expect(cursor["acme/r12"]).toBeUndefined();
		expect(cursor["acme/r13"]).toBeDefined();
		// Without incremental the cursor is ignored.
		const full = await scan(configOf(server), { previousCursor: first.snapshot.cursor, incremental: false });
		expect(full.snapshot.mode).toBe("full");
		expect(full.files.size).toBe(24);
	});

	it("waits out primary and secondary rate limits in the middle of the listing", async () => {
		const server = await startAcme();
		server.rateLimit({ nth: 2, kind: "primary", seconds: 1 });
		server.rateLimit({ nth: 4, kind: "secondary-retry-after", seconds: 1 });
		const started = Date.now();
		const { snapshot } = await scan(configOf(server, { include_paths: ["README.md"] }));
		expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
		expect(snapshot.progress?.repositoriesListed).toBe(13);
		expect(server.apiRequests).toHaveLength(6);
		// The retried page is the same verbatim next link.
		expect(server.apiRequests[1]).toBe(server.apiRequests[2]);
	});

	it("stops waiting for a rate limit when the execution's time limit or a shutdown aborts it", async () => {
		const server = await startAcme();
		server.rateLimit({ nth: 1, kind: "secondary-retry-after", seconds: 600 });
		const controller = new AbortController();
		const reason = new Error("time limit");
		setTimeout(() => controller.abort(reason), 300);
		const started = Date.now();
		await expect(
			githubSensor.open(configOf(server), await runContext(base, { signal: controller.signal })),
		).rejects.toBe(reason);
		expect(Date.now() - started).toBeLessThan(5000);
	});

	it("keeps the token out of every clone's .git/config, the cursor and the work directory's files", async () => {
		const server = await startAcme();
		const context = await runContext(base, { settings: { orgRepositoryConcurrency: 3 } });
		const snapshot = await githubSensor.open(configOf(server, { include_repositories: ["acme/r0[1-4]"] }), context);
		const configs: string[] = [];
		for await (const file of snapshot.files()) {
			await file.read();
			for (const entry of await readdir(context.workDir)) {
				const gitConfig = join(context.workDir, entry, "repo", ".git", "config");
				configs.push(await readFile(gitConfig, "utf8").catch(() => ""));
			}
		}
		expect(configs.filter(Boolean).length).toBeGreaterThan(0);
		expect(configs.join("\n")).not.toContain(TOKEN);
		expect(snapshot.cursor).not.toContain(TOKEN);
	});

	it("waits for the reset after an answer that used the window's last request", async () => {
		const server = await startAcme();
		server.rateLimit({ nth: 1, kind: "exhausted", seconds: 2 });
		const started = Date.now();
		await scan(configOf(server, { include_repositories: ["acme/r01"] }));
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		// Nothing was refused: the sensor waited instead of asking.
		expect(server.apiRequests).toHaveLength(4);
	});

	it("clones no more repositories at once than orgRepositoryConcurrency", async () => {
		const server = await startAcme();
		await scan(configOf(server, { include_repositories: ["acme/r0*"] }), { settings: { orgRepositoryConcurrency: 1 } });
		expect(server.gitRequests.length).toBeGreaterThanOrEqual(9);
		expect(server.peakConcurrentGit).toBe(1);
	});

	it("gives up with GITHUB-1006 when the rate limit does not lift", async () => {
		const server = await startAcme();
		server.rateLimit({ nth: 1, kind: "secondary-retry-after", seconds: 0, times: 10 });
		const error = await rejection(githubSensor.open(configOf(server), await runContext(base)));
		expect(error.code).toBe("GITHUB-1006");
		expect(server.apiRequests).toHaveLength(5);
	});

	it("maps a rejected token, an unknown organization and an unreachable API to their codes", async () => {
		const server = await startAcme();
		const unauthorized = await rejection(
			githubSensor.open(configOf(server, { token: "wrong" }), await runContext(base)),
		);
		expect(unauthorized.code).toBe("GITHUB-1002");
		expect(unauthorized.message).not.toContain("wrong");
		const missing = await rejection(
			githubSensor.open(configOf(server, { organization: "nobody" }), await runContext(base)),
		);
		expect(missing.code).toBe("GITHUB-1004");
		expect(missing.message).toContain('"nobody"');
		const url = server.url;
		await server.close();
		servers.splice(0);
		const unreachable = await rejection(
			githubSensor.open({ organization: "acme", token: TOKEN, url }, await runContext(base)),
		);
		expect(unreachable.code).toBe("GITHUB-1001");
	});

	it("refuses an API host outside the network policy", async () => {
		const server = await startAcme();
		const error = await rejection(
			githubSensor.open(
				configOf(server),
				await runContext(base, { settings: { networkPolicy: createNetworkPolicy([]) } }),
			),
		);
		expect(error.code).toBe("GITHUB-1001");
		expect(error.message).toMatch(/plain http is allowed only/);
		expect(server.apiRequests).toHaveLength(0);
		const publicHttp = await rejection(
			githubSensor.open({ organization: "acme", token: TOKEN, url: "http://192.0.2.1/api/v3" }, await runContext(base)),
		);
		expect(publicHttp.message).toMatch(/plain http is allowed only/);
	});
});

describe("GitHub rate-limit answers", () => {
	const now = 1_800_000_000_000;
	it("waits for retry-after, then x-ratelimit-reset, then a minute doubling, and not for a plain 403", () => {
		expect(rateLimitWaitMs(403, { "retry-after": "7" }, 0, "", now)).toBe(7000);
		expect(
			rateLimitWaitMs(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 30) }, 0, "", now),
		).toBe(31_000);
		expect(rateLimitWaitMs(429, {}, 0, "", now)).toBe(60_000);
		expect(rateLimitWaitMs(429, {}, 2, "", now)).toBe(240_000);
		expect(rateLimitWaitMs(403, {}, 1, "You have exceeded a secondary rate limit.", now)).toBe(120_000);
		expect(rateLimitWaitMs(403, {}, 0, "Resource not accessible by integration", now)).toBeNull();
		expect(rateLimitWaitMs(500, { "retry-after": "1" }, 0, "", now)).toBeNull();
	});
	it("follows only rel=next of a Link header", () => {
		const link =
			'<https://api.github.com/organizations/1/repos?page=3>; rel="next", <https://api.github.com/organizations/1/repos?page=9>; rel="last"';
		expect(nextLink(link)).toBe("https://api.github.com/organizations/1/repos?page=3");
		expect(nextLink('<https://api.github.com/x?page=1>; rel="prev"')).toBeNull();
		expect(nextLink(undefined)).toBeNull();
	});
});
