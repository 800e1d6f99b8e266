import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import { createNetworkPolicy } from "@sensorium/network-policy";
import { ArtifactoryContractServer, type ArtifactoryServerOptions } from "@sensorium/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ArtifactorySensorConfig, artifactoryConfigSchema, artifactorySensor } from "../src/index.ts";
import { collect, makeTempDir, rejection, runContext } from "./fixtures.ts";

const TOKEN = "cmVmdGtuOjAxOjE3OTk5OTk5OTk6c2Vuc29yaXVtLXRlc3Q";
const REPOSITORIES: ArtifactoryServerOptions["repositories"] = [
	{ key: "libs-release", type: "LOCAL", packageType: "Maven" },
	{ key: "certs", type: "LOCAL", packageType: "Generic" },
	{ key: "npm-local", type: "LOCAL", packageType: "Npm" },
	{ key: "maven-remote", type: "REMOTE", packageType: "Maven" },
	{ key: "all", type: "VIRTUAL", packageType: "Maven", repositories: ["libs-release", "maven-remote"] },
];

let base: string;
const servers: ArtifactoryContractServer[] = [];

beforeAll(async () => {
	base = await makeTempDir("artifactory");
});
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(() => rm(base, { recursive: true, force: true }));

async function start(options: Partial<ArtifactoryServerOptions> = {}): Promise<ArtifactoryContractServer> {
	const server = await ArtifactoryContractServer.start({
		repositories: REPOSITORIES,
		accessTokens: { [TOKEN]: { name: "scanner" } },
		users: { alice: { name: "alice", password: "p@ss:word" } },
		...options,
	});
	servers.push(server);
	return server
		.put("libs-release", "com/acme/app/1.0/app-1.0.jar", "jar bytes")
		.put("libs-release", "com/acme/app/1.0/app-1.0.pom", "<project/>")
		.put("certs", "tls/server.pem", "-----BEGIN CERTIFICATE-----\n")
		.put("certs", "root.txt", "at the root")
		.put("npm-local", "left-pad/-/left-pad-1.0.0.tgz", "tgz");
}

const configOf = (server: ArtifactoryContractServer, extra: Partial<ArtifactorySensorConfig> = {}) =>
	({ url: server.url, access_token: TOKEN, ...extra }) as ArtifactorySensorConfig;

async function scan(config: ArtifactorySensorConfig, options: Parameters<typeof runContext>[1] = {}) {
	const snapshot = await artifactorySensor.open(config, await runContext(base, options));
	const files = await collect(snapshot);
	return { snapshot, files };
}

describe("Artifactory sensorConfig", () => {
	const schema = artifactoryConfigSchema();
	const url = "https://acme.jfrog.io/artifactory";
	it("accepts a token or username and password, with the documented filters", () => {
		for (const config of [
			{ url, access_token: TOKEN },
			{ url: `${url}/`, username: "alice", password: "secret" },
			{
				url: "http://10.0.0.5:8081/artifactory",
				access_token: TOKEN,
				repositories_include: ["libs-*"],
				repositories_exclude: ["*-snapshot"],
				repository_types: ["local", "virtual", "federated"],
				package_types: ["maven", "Docker"],
				include_paths: ["**/*.jar"],
				exclude_paths: ["**/test/**"],
				scan_archives: false,
				max_file_size_mb: 100,
			},
		]) {
			expect(schema.safeParse(config).success, JSON.stringify(config)).toBe(true);
		}
	});

	it("refuses what is not a plausible configuration", () => {
		for (const config of [
			{ url },
			{ url, access_token: TOKEN, username: "alice", password: "secret" },
			{ url, access_token: "" },
			{ url, access_token: "   " },
			{ url, access_token: "abc\ndef" },
			{ url, access_token: "a b" },
			{ url, access_token: "x".repeat(4097) },
			{ url, username: "alice" },
			{ url, password: "secret" },
			{ url, username: "al:ice", password: "secret" },
			{ url: "https://acme.jfrog.io/", access_token: TOKEN },
			{ url: "ftp://acme.jfrog.io/artifactory", access_token: TOKEN },
			{ url: "https://bob:pw@acme.jfrog.io/artifactory", access_token: TOKEN },
			{ url: `${url}?x=1`, access_token: TOKEN },
			{ url, access_token: TOKEN, repository_types: ["remote"] },
			{ url, access_token: TOKEN, repository_types: [] },
			{ url, access_token: TOKEN, package_types: ["maven docker"] },
			{ url, access_token: TOKEN, repositories_include: "libs-*" },
			{ url, access_token: TOKEN, api_key: "x" },
		]) {
			expect(schema.safeParse(config).success, JSON.stringify(config)).toBe(false);
		}
	});
});

describe("Artifactory Sensor listing", () => {
	it("scans the local repositories by default, at repo/path/name, with Bearer auth", async () => {
		const server = await start();
		const { snapshot, files } = await scan(configOf(server));
		expect([...files.keys()]).toEqual([
			"certs/root.txt",
			"certs/tls/server.pem",
			"libs-release/com/acme/app/1.0/app-1.0.jar",
			"libs-release/com/acme/app/1.0/app-1.0.pom",
			"npm-local/left-pad/-/left-pad-1.0.0.tgz",
		]);
		expect(files.get("certs/root.txt")).toEqual({ size: 11, content: Buffer.from("at the root") });
		expect(snapshot.mode).toBe("full");
		expect(snapshot.notice).toBeUndefined();
		expect(snapshot.progress).toEqual({ artifactsListed: 5, artifactsDownloaded: 5, bytesDownloaded: 61 });
		const first = server.requests[0];
		expect(first?.path).toBe("/artifactory/api/system/ping");
		expect(server.requests.every((r) => r.hasAuthorization)).toBe(true);
	});

	it("authenticates with username and password (Basic) too", async () => {
		const server = await start();
		const { files } = await scan({ url: server.url, username: "alice", password: "p@ss:word" });
		expect(files.size).toBe(5);
	});

	it("filters by repository type, package type, repository globs and path globs", async () => {
		const server = await start();
		const virtual = await scan(configOf(server, { repository_types: ["virtual"], package_types: ["MAVEN"] }));
		// The virtual repository answers with its local member's items; the remote one is never pulled through.
		expect([...virtual.files.keys()]).toEqual([
			"libs-release/com/acme/app/1.0/app-1.0.jar",
			"libs-release/com/acme/app/1.0/app-1.0.pom",
		]);
		const globs = await scan(
			configOf(server, {
				repositories_include: ["*"],
				repositories_exclude: ["npm-*"],
				include_paths: ["**/*.jar", "**/*.pem"],
				exclude_paths: ["tls/**"],
			}),
		);
		expect([...globs.files.keys()]).toEqual(["libs-release/com/acme/app/1.0/app-1.0.jar"]);
		const small = await scan(configOf(server, { max_file_size_mb: 9 / (1024 * 1024) }));
		expect([...small.files.keys()]).toEqual([
			"libs-release/com/acme/app/1.0/app-1.0.jar",
			"npm-local/left-pad/-/left-pad-1.0.0.tgz",
		]);
	});

	it("pages AQL until a page comes back empty, through pages shortened by permissions", async () => {
		const hidden = (key: string) => Number(/(\d+)\.pem$/.exec(key)?.[1]) % 3 === 0;
		const server = await start({
			accessTokens: { [TOKEN]: { name: "scanner", canRead: (key) => !hidden(key) } },
			numbersAsStrings: true,
		});
		for (let i = 0; i < 2500; i += 1) server.put("certs", `bulk/${String(i).padStart(4, "0")}.pem`, `pem ${i}`);
		const config = configOf(server, { repositories_include: ["certs"], include_paths: ["bulk/**"] });
		const snapshot = await artifactorySensor.open(config, await runContext(base));
		const keys: string[] = [];
		for await (const file of snapshot.files()) keys.push(file.path);
		expect(keys).toHaveLength(2500 - 834);
		expect(keys.some((key) => hidden(key))).toBe(false);
		const aql = server.requests.filter((r) => r.path === "/artifactory/api/search/aql");
		// Pages 1-3 are short (permissions), page 4 is empty: the end.
		expect(aql).toHaveLength(4);
	});

	it("answers nothing-matched with a notice and an empty inventory, not a failure (ARTIFACTORY-1005)", async () => {
		const server = await start();
		const { snapshot, files } = await scan(
			configOf(server, { repositories_include: ["libs-*"], package_types: ["docker"] }),
		);
		expect(files.size).toBe(0);
		expect(snapshot.notice).toMatch(/^ARTIFACTORY-1005: no artifact matched the filters/);
	});
});

describe("Artifactory Sensor downloads", () => {
	it("follows a redirect to another host without sending it the Authorization header", async () => {
		const server = await start({ redirectDownloads: true });
		const { files } = await scan(configOf(server, { repositories_include: ["certs"] }));
		expect(files.get("certs/tls/server.pem")?.content.toString()).toBe("-----BEGIN CERTIFICATE-----\n");
		const blobRequests = server.requests.filter((r) => r.host.startsWith("127.0.0.2:"));
		expect(blobRequests).toHaveLength(2);
		expect(blobRequests.some((r) => r.hasAuthorization)).toBe(false);
	});

	it("verifies actual_sha1 when an artifact has no sha256", async () => {
		const server = await start();
		server.put("certs", "legacy.pem", "old artifact", { withoutSha256: true });
		const { files } = await scan(configOf(server, { repositories_include: ["certs"], include_paths: ["legacy.pem"] }));
		expect(files.get("certs/legacy.pem")?.content.toString()).toBe("old artifact");
		server.corrupt("certs", "legacy.pem", Buffer.from("new artifact"));
		const error = await rejection(
			scan(configOf(server, { repositories_include: ["certs"], include_paths: ["legacy.pem"] })),
		);
		expect(error.code).toBe("ARTIFACTORY-1007");
	});

	it("rejects a download whose SHA-256 does not match the listing (ARTIFACTORY-1007)", async () => {
		const server = await start();
		server.corrupt("certs", "root.txt", Buffer.from("at the ROOT"));
		const error = await rejection(scan(configOf(server, { repositories_include: ["certs"] })));
		expect(error.code).toBe("ARTIFACTORY-1007");
		expect(error.message).toContain("certs/root.txt");
		expect(error.retryable).toBe(false);
	});

	it("stops a download larger than the listed size (ARTIFACTORY-1008)", async () => {
		const server = await start();
		server.corrupt("certs", "root.txt", Buffer.alloc(64 * 1024, 1));
		const error = await rejection(scan(configOf(server, { repositories_include: ["certs"] })));
		expect(error.code).toBe("ARTIFACTORY-1008");
	});

	it("skips an artifact deleted between the listing and its download, with a diagnostic", async () => {
		const server = await start();
		const snapshot = await artifactorySensor.open(
			configOf(server, { repositories_include: ["certs"] }),
			await runContext(base, { settings: { artifactoryDownloadConcurrency: 1 } }),
		);
		server.remove("certs", "tls/server.pem");
		const files = await collect(snapshot);
		expect([...files.keys()]).toEqual(["certs/root.txt"]);
		expect(snapshot.diagnostics).toEqual([
			expect.objectContaining({ path: "certs/tls/server.pem", errorClass: "ARTIFACTORY-1004" }),
		]);
	});
});

describe("Artifactory Sensor errors", () => {
	it("honours 429 with Retry-After, then succeeds", async () => {
		const server = await start();
		server.fault({ path: "api/search/aql", status: 429, retryAfter: "1", times: 1 });
		const started = Date.now();
		const { files } = await scan(configOf(server, { repositories_include: ["certs"] }));
		expect(files.size).toBe(2);
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
	});

	it("gives up on 429 or 503 after the retries (ARTIFACTORY-1006)", async () => {
		const server = await start();
		server.fault({ path: "api/repositories", status: 503, retryAfter: "0" });
		const error = await rejection(scan(configOf(server)));
		expect(error.code).toBe("ARTIFACTORY-1006");
		expect(error.retryable).toBe(true);
		expect(server.requests.filter((r) => r.path === "/artifactory/api/repositories")).toHaveLength(5);
	});

	it("fails on trimmed AQL results rather than report a partial inventory (ARTIFACTORY-1011)", async () => {
		const server = await start({ aqlHardLimit: 1 });
		const error = await rejection(scan(configOf(server, { repositories_include: ["certs"] })));
		expect(error.code).toBe("ARTIFACTORY-1011");
		expect(error.message).toContain("results are trimmed");
	});

	it("reports a rejected AQL query (400) as ARTIFACTORY-1011 with JFrog's message", async () => {
		const server = await start();
		server.fault({
			path: "api/search/aql",
			status: 400,
			body: JSON.stringify({ errors: [{ status: 400, message: "Failed to parse query" }] }),
		});
		const error = await rejection(scan(configOf(server)));
		expect(error.code).toBe("ARTIFACTORY-1011");
		expect(error.message).toContain("Failed to parse query");
	});

	it("stops when the server repeats a page instead of honouring the offset (ARTIFACTORY-1011)", async () => {
		const server = await start();
		const page = { results: [{ repo: "certs", path: ".", name: "root.txt", size: 11 }], range: { total: 1 } };
		server.fault({ path: "api/search/aql", status: 200, body: JSON.stringify(page) });
		const error = await rejection(scan(configOf(server, { repositories_include: ["certs"] })));
		expect(error.code).toBe("ARTIFACTORY-1011");
		expect(error.message).toContain("ignores the AQL offset");
	});

	it("maps 401, 403 and an unknown repository to ARTIFACTORY-1002, -1003 and -1004", async () => {
		const server = await start();
		expect((await rejection(scan(configOf(server, { access_token: "wrong-token" })))).code).toBe("ARTIFACTORY-1002");
		expect((await rejection(scan({ url: server.url, username: "alice", password: "nope" }))).code).toBe(
			"ARTIFACTORY-1002",
		);
		server.fault({ path: "api/repositories", status: 403, times: 1 });
		expect((await rejection(scan(configOf(server)))).code).toBe("ARTIFACTORY-1003");
		const missing = await rejection(scan(configOf(server, { repositories_include: ["libs-*", "no-such-repo"] })));
		expect(missing.code).toBe("ARTIFACTORY-1004");
		expect(missing.message).toContain('"no-such-repo"');
	});

	it("reports a URL that is not an Artifactory base as ARTIFACTORY-1001", async () => {
		const server = await start();
		const error = await rejection(
			scan(configOf(server, { url: server.url.replace("/artifactory", "/x/artifactory") })),
		);
		expect(error.code).toBe("ARTIFACTORY-1001");
		expect(error.message).toContain("did not answer the ping");
	});

	it("reports an unreachable server as retryable ARTIFACTORY-1001", async () => {
		const port = await new Promise<number>((resolve) => {
			const probe = createServer().listen(0, "127.0.0.1", () => {
				const { port } = probe.address() as { port: number };
				probe.close(() => resolve(port));
			});
		});
		const error = await rejection(scan({ url: `http://127.0.0.1:${port}/artifactory`, access_token: TOKEN }));
		expect(error.code).toBe("ARTIFACTORY-1001");
		expect(error.retryable).toBe(true);
	});

	it("refuses addresses and plain http the network policy does not allow (ARTIFACTORY-1001, not retryable)", async () => {
		const server = await start();
		const publicOnly = { settings: { networkPolicy: createNetworkPolicy([]) } };
		const error = await rejection(scan(configOf(server), publicOnly));
		expect(error.code).toBe("ARTIFACTORY-1001");
		expect(error.retryable).toBe(false);
		expect(error.message).toContain("SENSOR_ALLOWED_NETWORKS");
		expect(server.requests).toHaveLength(0);
		// https to the same loopback address passes the transport rule and then fails to connect to the policy.
		const tls = await rejection(scan(configOf(server, { url: server.url.replace("http:", "https:") }), publicOnly));
		expect(tls.message).toContain("loopback");
	});
});

describe("Artifactory Sensor incremental scans", () => {
	it("ends at once when nothing changed, then downloads only what changed and lists what vanished", async () => {
		const server = await start();
		const config = configOf(server, { repositories_include: ["certs", "libs-release"] });
		const first = await scan(config, { incremental: true, previousCursor: null });
		expect(first.snapshot.mode).toBe("full");
		expect(first.files.size).toBe(4);

		const requestsBefore = server.requests.length;
		const second = await scan(config, { previousCursor: first.snapshot.cursor });
		expect(second.snapshot.mode).toBe("unchanged");
		expect(second.files.size).toBe(0);
		const downloads = server.requests.slice(requestsBefore).filter((r) => !r.path.includes("/api/"));
		expect(downloads).toHaveLength(0);

		server.put("certs", "tls/server.pem", "-----BEGIN CERTIFICATE-----\nchanged\n").remove("certs", "root.txt");
		server.put("libs-release", "com/acme/app/2.0/app-2.0.jar", "new jar");
		const third = await scan(config, { previousCursor: second.snapshot.cursor });
		expect(third.snapshot.mode).toBe("changed");
		expect([...third.files.keys()]).toEqual(["certs/tls/server.pem", "libs-release/com/acme/app/2.0/app-2.0.jar"]);
		expect(third.snapshot.deleted).toEqual(["certs/root.txt"]);

		const full = await scan(config, { incremental: false, previousCursor: third.snapshot.cursor });
		expect(full.snapshot.mode).toBe("full");
		expect(full.files.size).toBe(4);
		expect((third.snapshot.cursor ?? "").length).toBeLessThan(400);
	});

	it("treats a cursor it cannot read as a full scan", async () => {
		const server = await start();
		const { snapshot } = await scan(configOf(server), { previousCursor: "3f2a9c0d" });
		expect(snapshot.mode).toBe("full");
	});
});
