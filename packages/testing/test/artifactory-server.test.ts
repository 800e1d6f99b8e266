import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtifactoryContractServer, parseAql } from "../src/index.ts";

const TOKEN = "reftkn-contract-test";
let server: ArtifactoryContractServer;

beforeAll(async () => {
	server = await ArtifactoryContractServer.start({
		repositories: [
			{ key: "libs", type: "LOCAL", packageType: "Maven" },
			{ key: "files", type: "LOCAL", packageType: "Generic" },
			{ key: "central", type: "REMOTE", packageType: "Maven" },
			{ key: "all", type: "VIRTUAL", packageType: "Maven", repositories: ["libs", "central"] },
		],
		accessTokens: { [TOKEN]: { name: "reader", canRead: (key) => !key.includes("secret") } },
		users: { alice: { name: "alice", password: "pw" } },
		aqlHardLimit: 50,
		aqlDelayMs: 150,
		redirectDownloads: true,
	});
	server.put("libs", "a/1.jar", "one").put("libs", "a/secret.jar", "hidden").put("libs", "b/2.jar", "two");
	server.put("files", "top.pem", "pem");
});
afterAll(() => server.close());

const bearer = { authorization: `Bearer ${TOKEN}` };
const call = (path: string, init: RequestInit = {}) =>
	fetch(`${server.url}/${path}`, { redirect: "manual", ...init, headers: { ...bearer, ...init.headers } });
const aql = (query: string, headers: Record<string, string> = {}) =>
	call("api/search/aql", { method: "POST", body: query, headers: { "content-type": "text/plain", ...headers } });
const query = (repo: string, offset: number, limit: number) =>
	`items.find({"repo":"${repo}","type":"file"}).include("repo","path","name","size","sha256").sort({"$asc":["path","name"]}).offset(${offset}).limit(${limit})`;

describe("the Artifactory contract-test server", () => {
	it("answers the ping without credentials and everything else only with Bearer or Basic auth", async () => {
		expect(await (await fetch(`${server.url}/api/system/ping`)).text()).toBe("OK");
		const anonymous = await fetch(`${server.url}/api/repositories`);
		expect(anonymous.status).toBe(401);
		expect(await anonymous.json()).toEqual({ errors: [{ status: 401, message: "Authentication is required" }] });
		const apiKey = await fetch(`${server.url}/api/repositories`, { headers: { "X-JFrog-Art-Api": TOKEN } });
		expect(apiKey.status).toBe(401);
		const basic = await fetch(`${server.url}/api/repositories`, {
			headers: { authorization: `Basic ${Buffer.from("alice:pw").toString("base64")}` },
		});
		expect(basic.status).toBe(200);
		expect((await call("api/repositories", { headers: { authorization: "Bearer nope" } })).status).toBe(401);
	});

	it("lists repositories with the type and packageType filters", async () => {
		const all = (await (await call("api/repositories")).json()) as { key: string; type: string }[];
		expect(all.map((r) => `${r.key}:${r.type}`)).toEqual([
			"libs:LOCAL",
			"files:LOCAL",
			"central:REMOTE",
			"all:VIRTUAL",
		]);
		const local = (await (await call("api/repositories?type=local&packageType=maven")).json()) as { key: string }[];
		expect(local.map((r) => r.key)).toEqual(["libs"]);
	});

	it("applies permissions after offset and limit, so pages may be short before the end", async () => {
		const first = (await (await aql(query("libs", 0, 2))).json()) as { results: { name: string }[]; range: unknown };
		expect(first.results.map((r) => r.name)).toEqual(["1.jar"]);
		expect(first.range).toEqual({ start_pos: 0, end_pos: 1, total: 1, limit: 2 });
		const second = (await (await aql(query("libs", 2, 2))).json()) as { results: { name: string }[] };
		expect(second.results.map((r) => r.name)).toEqual(["2.jar"]);
		const third = (await (await aql(query("libs", 4, 2))).json()) as { results: unknown[] };
		expect(third.results).toEqual([]);
		const virtual = (await (await aql(query("all", 0, 10))).json()) as { results: { repo: string }[] };
		expect(virtual.results.map((r) => r.repo)).toEqual(["libs", "libs"]);
	});

	it("rejects malformed AQL and include lists without repo, path and name with 400 and JFrog's error body", async () => {
		const bad = await aql("items.find({").then((r) => r.json());
		expect(bad).toMatchObject({ errors: [{ status: 400 }] });
		expect((await aql('items.find({"repo":"libs"}).include("name")')).status).toBe(400);
		expect((await aql('builds.find({"name":"x"})')).status).toBe(400);
		expect(() => parseAql('items.find({"repo":"x"}).offset(-1)')).toThrow();
	});

	it("answers 429 when more than three AQL calls run at once", async () => {
		const statuses = await Promise.all([0, 1, 2, 3, 4].map(() => aql(query("libs", 0, 10)).then((r) => r.status)));
		expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
		expect(statuses.filter((s) => s === 200).length).toBe(3);
		expect(server.peakConcurrentAql).toBe(3);
	});

	it("adds the trimmed notification past the hard limit", async () => {
		for (let i = 0; i < 60; i += 1) server.put("files", `bulk/${i}.txt`, `${i}`);
		const page = (await (await aql(query("files", 0, 1000))).json()) as {
			results: unknown[];
			range: { notification?: string };
		};
		expect(page.results).toHaveLength(50);
		expect(page.range.notification).toBe("AQL query reached the search hard limit, results are trimmed.");
		for (let i = 0; i < 60; i += 1) server.remove("files", `bulk/${i}.txt`);
	});

	it("serves file info with checksums, and downloads through a 302 to a host that refuses Authorization", async () => {
		const info = (await (await call("api/storage/libs/a/1.jar")).json()) as Record<string, unknown>;
		expect(info).toMatchObject({
			repo: "libs",
			path: "/a/1.jar",
			size: "3",
			checksums: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), sha1: expect.stringMatching(/^[0-9a-f]{40}$/) },
		});
		expect((await call("api/storage/libs/a/secret.jar")).status).toBe(403);
		expect((await call("libs/a/missing.jar")).status).toBe(404);
		const redirect = await call("libs/a/1.jar");
		expect(redirect.status).toBe(302);
		const location = redirect.headers.get("location") ?? "";
		expect(new URL(location).hostname).toBe("127.0.0.2");
		expect((await fetch(location, { headers: bearer })).status).toBe(400);
		expect(await (await fetch(location)).text()).toBe("one");
	});
});
