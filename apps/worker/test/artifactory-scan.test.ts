import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { findings } from "@sensorium/db";
import { ArtifactoryContractServer } from "@sensorium/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerProcess } from "./fixtures.ts";
import { rsaPrivateKeyPem, selfSignedCertificate, tempDir } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

const TOKEN = "cmVmdGtuOjAxOjE3OTk5OTk5OTk6d29ya2VyLXRlc3Q";
const dir = tempDir("artifactory-scan");
let h: ScanHarness;
let server: ArtifactoryContractServer;
let war: Buffer;
let worker: WorkerProcess;

/** app.war → WEB-INF/lib/lib.jar → META-INF/server.p12, built with keytool and jar. */
function buildWar(): Buffer {
	const work = `${dir.path}/build`;
	mkdirSync(`${work}/inner/META-INF`, { recursive: true });
	execFileSync(
		"keytool",
		[
			"-genkeypair",
			"-keystore",
			`${work}/inner/META-INF/server.p12`,
			"-storetype",
			"PKCS12",
			"-storepass",
			"changeit",
			"-alias",
			"server",
			"-keyalg",
			"EC",
			"-groupname",
			"secp256r1",
			"-dname",
			"CN=server.example.test",
			"-validity",
			"30",
		],
		{ stdio: "ignore" },
	);
	execFileSync("jar", ["cf", `${work}/lib.jar`, "-C", `${work}/inner`, "."]);
	mkdirSync(`${work}/outer/WEB-INF/lib`, { recursive: true });
	execFileSync("cp", [`${work}/lib.jar`, `${work}/outer/WEB-INF/lib/lib.jar`]);
	execFileSync("jar", ["cf", `${work}/app.war`, "-C", `${work}/outer`, "."]);
	return readFileSync(`${work}/app.war`);
}

beforeAll(async () => {
	h = await createScanHarness(dir.path);
	worker = h.startWorker({ SENSOR_ALLOWED_NETWORKS: "127.0.0.0/8", SENSOR_ERROR_ATTEMPTS: "1", LOG_LEVEL: "debug" });
	war = buildWar();
	server = await ArtifactoryContractServer.start({
		repositories: [
			{ key: "libs-release", type: "LOCAL", packageType: "Maven" },
			{ key: "certs", type: "LOCAL", packageType: "Generic" },
			{ key: "maven-remote", type: "REMOTE", packageType: "Maven" },
		],
		accessTokens: { [TOKEN]: { name: "scanner" } },
		users: { ci: { name: "ci", password: "hunter2-artifactory" } },
		redirectDownloads: true,
	});
	server
		.put("libs-release", "com/acme/app/1.0/app-1.0.war", war)
		.put("certs", "tls/service.crt", selfSignedCertificate(dir.path, "service.example.test"))
		.put("certs", "keys/deploy.pem", rsaPrivateKeyPem())
		.put("certs", "docs/README.txt", "nothing to see");
});

afterAll(async () => {
	await h.close();
	await server.close();
	dir.remove();
});

type Finding = { kind: string; identity: string; status?: string; observation: { file: { path: string } } };

const findingsOf = async (executionId: string): Promise<Finding[]> => {
	const res = await h.api("GET", `/v3/scan/${executionId}/findings?limit=500`);
	expect(res.status).toBe(200);
	return res.body.findings as Finding[];
};
const locations = (found: Finding[]) => [...new Set(found.map((f) => `${f.kind} ${f.observation.file.path}`))].sort();

async function run(sensorConfig: Record<string, unknown>, extra: Record<string, unknown> = {}) {
	const created = await h.api("POST", "/v3/scan/create", {
		sensorType: "Artifactory Sensor",
		sensorName: `artifactory-${Math.random().toString(36).slice(2)}`,
		sensorConfig: { url: server.url, access_token: TOKEN, ...sensorConfig },
		...extra,
	});
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	const status = await h.waitForFinish(created.body.executionId as string);
	return { sensorId: created.body.sensorId as string, executionId: created.body.executionId as string, status };
}

async function execute(sensorId: string) {
	const res = await h.api("POST", "/v3/scan/execute", { sensorId });
	expect(res.status).toBe(200);
	const executionId = res.body.executionId as string;
	return { executionId, status: await h.waitForFinish(executionId) };
}

describe("an Artifactory scan through the API, the queue and a worker process", () => {
	it("finds the keystore in a jar in a war, and the PEM files, at repo/path/name locations", async () => {
		const { executionId, status } = await run({});
		expect(status).toMatchObject({ status: "successful" });
		expect(status.progress).toEqual({
			filesScanned: 4,
			bytesScanned: expect.any(Number),
			filesFailed: 0,
			artifactsListed: 4,
			artifactsDownloaded: 4,
			bytesDownloaded: expect.any(Number),
		});
		const found = locations(await findingsOf(executionId));
		expect(found).toEqual(
			expect.arrayContaining([
				"key certs/keys/deploy.pem",
				"x509 certs/tls/service.crt",
				"keystore libs-release/com/acme/app/1.0/app-1.0.war!WEB-INF/lib/lib.jar!META-INF/server.p12",
			]),
		);
		// Downloads went to the second host, without the token.
		const redirected = server.requests.filter((r) => r.host.startsWith("127.0.0.2:"));
		expect(redirected.length).toBeGreaterThanOrEqual(4);
		expect(redirected.some((r) => r.hasAuthorization)).toBe(false);
	});

	it("incremental: unchanged ends at once, a changed artifact is re-read, deleted ones resolve after the interval", async () => {
		const first = await run({}, { incrementalScan: true, autoResolutionInterval: 1 });
		expect(first.status.status).toBe("successful");
		const sensorId = first.sensorId;
		const all = await findingsOf(first.executionId);

		const downloadsBefore = server.requests.filter((r) => r.host.startsWith("127.0.0.2:")).length;
		const unchanged = await execute(sensorId);
		expect(unchanged.status).toMatchObject({
			status: "successful",
			message: "Scan completed: nothing changed since the previous scan.",
		});
		expect(server.requests.filter((r) => r.host.startsWith("127.0.0.2:")).length).toBe(downloadsBefore);
		expect(locations(await findingsOf(unchanged.executionId))).toEqual(locations(all));

		server.put("certs", "tls/service.crt", selfSignedCertificate(dir.path, "renewed.example.test"));
		const changed = await execute(sensorId);
		expect(changed.status.message).toMatch(/^Scan completed: 1 changed files scanned/);
		const afterChange = await findingsOf(changed.executionId);
		expect(locations(afterChange)).toEqual(locations(all));
		expect(afterChange.find((f) => f.kind === "x509")?.identity).not.toBe(all.find((f) => f.kind === "x509")?.identity);

		server.remove("libs-release", "com/acme/app/1.0/app-1.0.war").remove("certs", "keys/deploy.pem");
		const deleted = await execute(sensorId);
		expect(deleted.status.status).toBe("successful");
		expect(locations(await findingsOf(deleted.executionId))).toEqual(["x509 certs/tls/service.crt"]);

		// Two days pass without the deleted artifacts: the next execution resolves what they held.
		await h.database.db
			.update(findings)
			.set({ lastSeenAt: sql`${findings.lastSeenAt} - interval '2 days'` })
			.where(eq(findings.sensorId, sensorId));
		await execute(sensorId);
		const rows = await h.database.db.select().from(findings).where(eq(findings.sensorId, sensorId));
		const statuses = Object.fromEntries(rows.map((f) => [f.path, f.status]));
		expect(statuses["certs/keys/deploy.pem"]).toBe("resolved");
		expect(statuses["libs-release/com/acme/app/1.0/app-1.0.war!WEB-INF/lib/lib.jar!META-INF/server.p12"]).toBe(
			"resolved",
		);
		expect(rows.filter((f) => f.path === "certs/tls/service.crt" && f.status === "open")).toHaveLength(1);

		server.put("libs-release", "com/acme/app/1.0/app-1.0.war", war).put("certs", "keys/deploy.pem", rsaPrivateKeyPem());
	});
});

describe("Artifactory error codes end to end", () => {
	const failed = async (config: Record<string, unknown>) => {
		const { status } = await run(config);
		expect(status.status, JSON.stringify(status)).toBe("failed");
		expect(JSON.stringify(status)).not.toContain(TOKEN);
		return status;
	};

	it("ARTIFACTORY-1001: nothing listens at the URL", async () => {
		const status = await failed({ url: "http://127.0.0.1:9/artifactory" });
		expect(status.errorCode).toBe("ARTIFACTORY-1001");
	});

	it("ARTIFACTORY-1002: the credentials are rejected", async () => {
		expect((await failed({ access_token: "not-the-token" })).errorCode).toBe("ARTIFACTORY-1002");
		const basic = await run({ access_token: undefined, username: "ci", password: "wrong-password" });
		expect(basic.status.errorCode).toBe("ARTIFACTORY-1002");
	});

	it("ARTIFACTORY-1003: the token may not list repositories", async () => {
		server.fault({ path: "api/repositories", status: 403, times: 1 });
		expect((await failed({})).errorCode).toBe("ARTIFACTORY-1003");
	});

	it("ARTIFACTORY-1004: a named repository does not exist", async () => {
		const status = await failed({ repositories_include: ["libs-snapshot"] });
		expect(status).toMatchObject({ errorCode: "ARTIFACTORY-1004" });
		expect(status.message).toContain('"libs-snapshot"');
	});

	it("ARTIFACTORY-1005: nothing matched the filters is a successful scan that says so", async () => {
		const { status } = await run({ package_types: ["docker"] });
		expect(status.status).toBe("successful");
		expect(status.message).toMatch(/ARTIFACTORY-1005: no artifact matched the filters/);
	});

	it("ARTIFACTORY-1006: rate limited beyond the retries", async () => {
		server.fault({ path: "api/search/aql", status: 429, retryAfter: "0", times: 5 });
		expect((await failed({ repositories_include: ["certs"] })).errorCode).toBe("ARTIFACTORY-1006");
	});

	it("ARTIFACTORY-1007: a download does not match its checksum", async () => {
		server
			.put("certs", "tampered/ca.pem", "the listed bytes")
			.corrupt("certs", "tampered/ca.pem", Buffer.from("other bytes!!!!!"));
		const status = await failed({ repositories_include: ["certs"], include_paths: ["tampered/**"] });
		expect(status.errorCode).toBe("ARTIFACTORY-1007");
		server.remove("certs", "tampered/ca.pem");
	});

	it("ARTIFACTORY-1008: a download is larger than listed", async () => {
		server.put("certs", "big/blob.bin", "small").corrupt("certs", "big/blob.bin", Buffer.alloc(256 * 1024, 7));
		const status = await failed({ repositories_include: ["certs"], include_paths: ["big/**"] });
		expect(status.errorCode).toBe("ARTIFACTORY-1008");
		server.remove("certs", "big/blob.bin");
	});

	it("ARTIFACTORY-1009: Artifactory keeps timing out", async () => {
		server.fault({ path: "api/search/aql", status: 408, retryAfter: "0", times: 5 });
		expect((await failed({ repositories_include: ["certs"] })).errorCode).toBe("ARTIFACTORY-1009");
	});

	it("ARTIFACTORY-1011: AQL results are trimmed", async () => {
		server.fault({
			path: "api/search/aql",
			status: 200,
			times: 1,
			body: JSON.stringify({
				results: [],
				range: {
					start_pos: 0,
					end_pos: 0,
					total: 0,
					notification: "AQL query reached the search hard limit, results are trimmed.",
				},
			}),
		});
		expect((await failed({ repositories_include: ["certs"] })).errorCode).toBe("ARTIFACTORY-1011");
	});

	it("never logs the credentials", () => {
		expect(worker.output()).toContain("execution failed");
		expect(worker.output()).not.toContain(TOKEN);
		expect(worker.output()).not.toContain("hunter2-artifactory");
		expect(worker.output()).not.toContain("wrong-password");
	});
});
