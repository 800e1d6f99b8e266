import { rm } from "node:fs/promises";
import { GitLabContractServer } from "@sensorium/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gitlabNextPage, gitlabRateLimitWaitMs } from "../src/gitlab/gitlab-sensor.ts";
import { type GitLabSensorConfig, gitlabConfigSchema, gitlabSensor, sensorTypeContracts } from "../src/index.ts";
import { collect, makeTempDir, rejection, runContext } from "./fixtures.ts";

const TOKEN = "glpat-contractTestToken0123456789";

let base: string;
const servers: GitLabContractServer[] = [];

beforeAll(async () => {
	base = await makeTempDir("gitlab");
});
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(() => rm(base, { recursive: true, force: true }));

/**
 * acme with nested subgroups: acme/app, acme/platform/api, acme/platform/infra/terraform, an archived
 * and an empty project, and partner/shared shared with acme.
 */
async function startAcme(options: { maxPerPage?: number; totalsLimit?: number } = {}) {
	const server = await GitLabContractServer.start({ token: TOKEN, ...options });
	servers.push(server);
	server.addProject("acme/app", { "key.pem": "app key\n" });
	server.addProject("acme/platform/api", { "src/cert.crt": "api cert\n" });
	server.addProject("acme/platform/infra/terraform", { "main.tf": "tf\n" }, { defaultBranch: "production" });
	server.addProject("acme/legacy", { "old.txt": "old\n" }, { archived: true });
	server.addProject("acme/platform/new");
	server.addProject("partner/shared", { "shared.txt": "shared\n" }, { sharedWith: ["acme"] });
	return server;
}

const configOf = (server: GitLabContractServer, extra: Partial<GitLabSensorConfig> = {}): GitLabSensorConfig => ({
	group: "acme",
	token: TOKEN,
	url: server.url,
	...extra,
});

async function scan(config: GitLabSensorConfig, options: Parameters<typeof runContext>[1] = {}) {
	const snapshot = await gitlabSensor.open(config, await runContext(base, options));
	return { snapshot, files: await collect(snapshot) };
}

describe("GitLab sensorConfig", () => {
	const schema = gitlabConfigSchema();
	it("accepts a group id or full path with a token and the documented options", () => {
		for (const config of [
			{ group: "acme", token: TOKEN },
			{ group: 42, token: TOKEN },
			{ group: "acme/platform", token: TOKEN, url: "https://gitlab.example.com" },
			{
				group: "acme",
				token: TOKEN,
				include_subgroups: false,
				include_shared: true,
				include_archived: true,
				include_repositories: ["acme/platform/**"],
				exclude_repositories: ["**/legacy"],
				max_repositories: 10,
				branch: "main",
				include_paths: ["**"],
				exclude_paths: ["vendor/**"],
				scan_archives: true,
				max_file_size_mb: 1,
			},
		]) {
			expect(schema.safeParse(config).success, JSON.stringify(config)).toBe(true);
		}
	});
	it("rejects a missing group or token, traversal, unknown keys and credentials in the URL", () => {
		for (const config of [
			{ token: TOKEN },
			{ group: "acme" },
			{ group: "acme/../admin", token: TOKEN },
			{ group: "/acme", token: TOKEN },
			{ group: -1, token: TOKEN },
			{ group: "acme", token: TOKEN, organization: "acme" },
			{ group: "acme", token: TOKEN, url: "https://u:p@gitlab.com" },
		]) {
			expect(schema.safeParse(config).success, JSON.stringify(config)).toBe(false);
		}
	});
	it("is registered under both spellings, with the token sealed at rest", () => {
		const contracts = sensorTypeContracts({ allowGitFileUrls: false }).filter((c) => c.errorNamespace === "GITLAB");
		expect(contracts.map((c) => c.sensorType)).toEqual(["GitLab Sensor", "Gitlab Sensor"]);
		expect(contracts.every((c) => c.secretKeys.includes("token"))).toBe(true);
	});
});

describe("GitLab Sensor against the contract server", { timeout: 180_000 }, () => {
	it("scans the group and its nested subgroups at full-path locations, without archived, empty or shared projects", async () => {
		const server = await startAcme();
		const { snapshot, files } = await scan(configOf(server));
		expect([...files.keys()].sort()).toEqual([
			"acme/app:key.pem",
			"acme/platform/api:src/cert.crt",
			"acme/platform/infra/terraform:main.tf",
		]);
		expect(files.get("acme/platform/api:src/cert.crt")?.content.toString()).toBe("api cert\n");
		expect(snapshot.progress).toEqual({ repositoriesListed: 3, repositoriesScanned: 3, repositoriesRemaining: 0 });
		expect(server.apiRequests[0]).toBe(
			"GET /api/v4/groups/acme/projects?per_page=100&include_subgroups=true&with_shared=false&archived=false&order_by=id&sort=asc",
		);
	});

	it("honours include_subgroups, include_shared, include_archived, the globs and a group id or nested path", async () => {
		const server = await startAcme();
		const flat = await scan(
			configOf(server, { include_subgroups: false, include_shared: true, include_archived: true }),
		);
		expect([...flat.files.keys()].sort()).toEqual([
			"acme/app:key.pem",
			"acme/legacy:old.txt",
			"partner/shared:shared.txt",
		]);
		const nested = await scan(configOf(server, { group: "acme/platform", exclude_repositories: ["**/terraform"] }));
		expect([...nested.files.keys()]).toEqual(["acme/platform/api:src/cert.crt"]);
		expect(server.apiRequests.at(-1)).toContain("/api/v4/groups/acme%2Fplatform/projects?");
		const byId = await scan(configOf(server, { group: server.group("acme/platform/infra") }));
		expect([...byId.files.keys()]).toEqual(["acme/platform/infra/terraform:main.tf"]);
	});

	it("pages with x-next-page alone when GitLab omits the totals and the Link header", async () => {
		const server = await startAcme({ maxPerPage: 2, totalsLimit: 1 });
		for (let i = 1; i <= 5; i += 1) server.addProject(`acme/many/p${i}`, { "f.txt": `${i}\n` });
		const { files } = await scan(configOf(server, { include_paths: ["f.txt"] }));
		expect(files.size).toBe(5);
		// 9 unarchived projects (one empty) on pages of 2.
		expect(server.apiRequests).toHaveLength(5);
		expect(server.apiRequests[4]).toContain("page=5");
		expect(server.apiRequests.every((request) => request.includes("per_page=100"))).toBe(true);
	});

	it("waits out 429 with Retry-After, with RateLimit-Reset and bare, mid-listing", async () => {
		const server = await startAcme({ maxPerPage: 1 });
		server.rateLimit({ nth: 2, kind: "retry-after", seconds: 1 });
		server.rateLimit({ nth: 4, kind: "ratelimit-reset", seconds: 1 });
		server.rateLimit({ nth: 6, kind: "bare", seconds: 0 });
		const { snapshot } = await scan(configOf(server, { include_paths: ["none"] }));
		expect(snapshot.progress?.repositoriesListed).toBe(3);
		// 4 pages of 1 project, each of the last three refused once first.
		expect(server.apiRequests).toHaveLength(7);
	});

	it("gives up with GITLAB-1006, and maps a rejected token and an unknown group", async () => {
		const server = await startAcme();
		server.rateLimit({ nth: 1, kind: "retry-after", seconds: 0, times: 5 });
		expect((await rejection(gitlabSensor.open(configOf(server), await runContext(base)))).code).toBe("GITLAB-1006");
		const unauthorized = await rejection(
			gitlabSensor.open(configOf(server, { token: "wrong" }), await runContext(base)),
		);
		expect(unauthorized.code).toBe("GITLAB-1002");
		const missing = await rejection(gitlabSensor.open(configOf(server, { group: "nobody" }), await runContext(base)));
		expect(missing.code).toBe("GITLAB-1004");
	});

	it("re-reads only the projects that changed since the cursor", async () => {
		const server = await startAcme();
		const first = await scan(configOf(server));
		server.commit("acme/platform/api", { "src/cert.crt": "renewed\n" });
		server.deleteProject("acme/app");
		const requestsBefore = server.apiRequests.length;
		const gitRequestsBefore = server.gitRequests.length;
		const second = await scan(configOf(server), { previousCursor: first.snapshot.cursor });
		expect(second.snapshot.mode).toBe("changed");
		// The listing, then one head per previously scanned project still listed.
		expect(server.apiRequests.slice(requestsBefore).filter((r) => r.includes("/repository/branches/"))).toHaveLength(2);
		const cloned = new Set(server.gitRequests.slice(gitRequestsBefore).map((path) => path.replace(/\.git\/.*$/, "")));
		expect([...cloned]).toEqual(["/acme/platform/api"]);
		expect([...second.files.keys()]).toEqual(["acme/platform/api:src/cert.crt"]);
		expect(second.snapshot.deleted).toEqual(["acme/app:"]);
	});
});

describe("GitLab pagination and rate-limit answers", () => {
	it("prefers Link rel=next, then x-next-page, and stops on an empty x-next-page", () => {
		const current = new URL("https://gitlab.example.com/api/v4/groups/1/projects?per_page=100&page=1");
		expect(gitlabNextPage({ link: '<https://gitlab.example.com/x?page=2>; rel="next"' }, current)?.href).toBe(
			"https://gitlab.example.com/x?page=2",
		);
		expect(gitlabNextPage({ "x-next-page": "2" }, current)?.searchParams.get("page")).toBe("2");
		expect(gitlabNextPage({ "x-next-page": "" }, current)).toBeNull();
		expect(gitlabNextPage({}, current)).toBeNull();
	});
	it("waits for Retry-After, then RateLimit-Reset, then a doubling backoff, only on 429", () => {
		const now = 1_800_000_000_000;
		expect(gitlabRateLimitWaitMs(429, { "retry-after": "3" }, 0, now)).toBe(3000);
		expect(gitlabRateLimitWaitMs(429, { "ratelimit-reset": String(now / 1000 + 10) }, 0, now)).toBe(11_000);
		expect(gitlabRateLimitWaitMs(429, {}, 2, now)).toBe(8000);
		expect(gitlabRateLimitWaitMs(403, { "retry-after": "3" }, 0, now)).toBeNull();
	});
});
