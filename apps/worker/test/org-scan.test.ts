import { findings } from "@sensorium/db";
import { BitbucketContractServer, GitHubContractServer, GitLabContractServer } from "@sensorium/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rsaPrivateKeyPem, selfSignedCertificate, tempDir } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

const TOKEN = "ghp_workerContractToken0123456789abcdefAB";
const dir = tempDir("org-scan");
let h: ScanHarness;
let server: GitHubContractServer;
let key: string;

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * acme: 30 repositories on 3 pages of 10: r01…r25 each with a private key, r01…r05 also with a
 * certificate, 2 forks, 2 archived and 1 empty. r25 is listed but its git data is gone, as if it
 * was deleted between the listing and the clone.
 */
beforeAll(async () => {
	h = await createScanHarness(dir.path);
	h.startWorker({
		SENSOR_ALLOWED_NETWORKS: "127.0.0.0/8",
		SENSOR_ERROR_ATTEMPTS: "1",
		ORG_SENSOR_REPOSITORY_CONCURRENCY: "3",
	});
	key = rsaPrivateKeyPem();
	server = await GitHubContractServer.start({ token: TOKEN, maxPerPage: 10 });
	server.organization("acme");
	const certificate = selfSignedCertificate(dir.path, "service.example.test");
	for (let i = 1; i <= 25; i += 1) {
		server.addRepository(`acme/r${pad(i)}`, {
			"keys/deploy.pem": key,
			"README.md": `repository ${i}\n`,
			...(i <= 5 ? { "tls/service.crt": certificate } : {}),
		});
	}
	server.addRepository("acme/fork-1", { "k.pem": key }, { fork: true });
	server.addRepository("acme/fork-2", { "k.pem": key }, { fork: true });
	server.addRepository("acme/old-1", { "k.pem": key }, { archived: true });
	server.addRepository("acme/old-2", { "k.pem": key }, { archived: true });
	server.addRepository("acme/empty");
	server.deleteRepositoryData("acme/r25");
});

afterAll(async () => {
	await h.close();
	await server.close();
	dir.remove();
});

type Finding = { kind: string; observation: { file: { path: string } } };

const findingsOf = async (executionId: string): Promise<Finding[]> => {
	const res = await h.api("GET", `/v3/scan/${executionId}/findings?limit=500`);
	expect(res.status).toBe(200);
	return res.body.findings as Finding[];
};
const locations = (found: Finding[]) => [...new Set(found.map((f) => `${f.kind} ${f.observation.file.path}`))].sort();

async function execute(sensorId: string) {
	const res = await h.api("POST", "/v3/scan/execute", { sensorId });
	expect(res.status).toBe(200);
	const executionId = res.body.executionId as string;
	return { executionId, status: await h.waitForFinish(executionId, 120_000) };
}

describe("a GitHub organisation scan through the API, the queue and a worker process", () => {
	it("scans 30 listed repositories across 3 pages with a rate limit, then only the 2 that changed", async () => {
		server.rateLimit({ nth: 2, kind: "primary", seconds: 1 });
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "GitHub Sensor",
			sensorName: "acme-github",
			sensorConfig: { organization: "acme", token: TOKEN, url: server.url },
			incrementalScan: true,
			autoResolutionInterval: 1,
		});
		expect(created.status, JSON.stringify(created.body)).toBe(200);
		expect(JSON.stringify(created.body)).not.toContain(TOKEN);
		const sensorId = created.body.sensorId as string;
		const first = await h.waitForFinish(created.body.executionId as string, 120_000);
		expect(first, JSON.stringify(first)).toMatchObject({ status: "successful" });
		expect(first.progress).toMatchObject({ repositoriesListed: 25, repositoriesScanned: 24, repositoriesRemaining: 0 });
		// Page 2 was refused once for the rate limit and asked again.
		expect(server.apiRequests).toHaveLength(4);

		const all = locations(await findingsOf(created.body.executionId as string));
		const expected = [
			...Array.from({ length: 24 }, (_, i) => `key acme/r${pad(i + 1)}:keys/deploy.pem`),
			...Array.from({ length: 5 }, (_, i) => `x509 acme/r${pad(i + 1)}:tls/service.crt`),
		].sort();
		expect(all).toEqual(expected);
		expect(JSON.stringify(first)).not.toContain(TOKEN);

		server.commit("acme/r03", { "keys/deploy.pem": null });
		server.commit("acme/r07", { "tls/new.crt": selfSignedCertificate(dir.path, "new.example.test") });
		server.deleteRepository("acme/r10");
		const gitRequestsBefore = server.gitRequests.length;
		const second = await execute(sensorId);
		expect(second.status, JSON.stringify(second.status)).toMatchObject({ status: "successful" });
		expect(second.status.message).toMatch(/^Scan completed: 1 changed files scanned/);
		expect(server.gitRequests.length).toBeGreaterThan(gitRequestsBefore);
		const afterChange = locations(await findingsOf(second.executionId));
		expect(afterChange).toEqual(
			[
				...expected.filter((l) => l !== "key acme/r03:keys/deploy.pem" && !l.startsWith("key acme/r10:")),
				"x509 acme/r07:tls/new.crt",
			].sort(),
		);

		// Two days pass: what the removed file and the removed repository held resolves.
		await h.database.db
			.update(findings)
			.set({ lastSeenAt: sql`${findings.lastSeenAt} - interval '2 days'` })
			.where(eq(findings.sensorId, sensorId));
		await execute(sensorId);
		const rows = await h.database.db.select().from(findings).where(eq(findings.sensorId, sensorId));
		const statuses = Object.fromEntries(rows.map((f) => [f.path, f.status]));
		expect(statuses["acme/r03:keys/deploy.pem"]).toBe("resolved");
		expect(statuses["acme/r10:keys/deploy.pem"]).toBe("resolved");
		expect(statuses["acme/r04:keys/deploy.pem"]).toBe("open");
		expect(statuses["acme/r07:tls/new.crt"]).toBe("open");
	});

	it("GITHUB-1002 and GITHUB-1004 end to end, without the token anywhere in the answer", async () => {
		for (const [config, code] of [
			[{ organization: "acme", token: "wrong-token" }, "GITHUB-1002"],
			[{ organization: "nobody", token: TOKEN }, "GITHUB-1004"],
		] as const) {
			const created = await h.api("POST", "/v3/scan/create", {
				sensorType: "Github Sensor",
				sensorName: `github-${code}`,
				sensorConfig: { ...config, url: server.url },
			});
			expect(created.status, JSON.stringify(created.body)).toBe(200);
			const status = await h.waitForFinish(created.body.executionId as string);
			expect(status).toMatchObject({ status: "failed", errorCode: code });
			expect(JSON.stringify(status)).not.toContain(config.token);
		}
	});

	it("rejects an unknown key in sensorConfig", async () => {
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "GitHub Sensor",
			sensorName: "bad-config",
			sensorConfig: { organization: "acme", token: TOKEN, repositories: ["x"] },
		});
		expect(created.status).toBe(400);
		expect(created.body.message ?? created.body.error).toBeDefined();
		expect(JSON.stringify(created.body)).toContain("Invalid input for sensorConfig.");
	});
});

describe("a GitLab group with nested subgroups through the API and a worker", () => {
	it("scans every project below the group at full-path locations, then only the one that changed", async () => {
		const gitlab = await GitLabContractServer.start({ token: TOKEN, maxPerPage: 2, totalsLimit: 3 });
		try {
			gitlab.addProject("acme/app", { "keys/deploy.pem": key });
			gitlab.addProject("acme/platform/api", { "keys/deploy.pem": key });
			gitlab.addProject("acme/platform/infra/terraform", { "keys/deploy.pem": key });
			gitlab.addProject("acme/platform/infra/old", { "keys/deploy.pem": key }, { archived: true });
			gitlab.addProject("acme/platform/empty");
			gitlab.rateLimit({ nth: 2, kind: "bare", seconds: 0 });
			const created = await h.api("POST", "/v3/scan/create", {
				sensorType: "GitLab Sensor",
				sensorName: "acme-gitlab",
				sensorConfig: { group: "acme", token: TOKEN, url: gitlab.url },
				incrementalScan: true,
			});
			expect(created.status, JSON.stringify(created.body)).toBe(200);
			const first = await h.waitForFinish(created.body.executionId as string, 120_000);
			expect(first, JSON.stringify(first)).toMatchObject({ status: "successful" });
			expect(locations(await findingsOf(created.body.executionId as string))).toEqual([
				"key acme/app:keys/deploy.pem",
				"key acme/platform/api:keys/deploy.pem",
				"key acme/platform/infra/terraform:keys/deploy.pem",
			]);
			gitlab.commit("acme/platform/api", { "tls/service.crt": selfSignedCertificate(dir.path, "api.example.test") });
			const second = await execute(created.body.sensorId as string);
			expect(second.status.message).toMatch(/^Scan completed: 1 changed files scanned/);
			expect(locations(await findingsOf(second.executionId))).toContain("x509 acme/platform/api:tls/service.crt");
		} finally {
			await gitlab.close();
		}
	});
});

describe("Bitbucket Cloud and Data Center through the API and a worker", () => {
	it("scans a workspace with an app password and a Data Center project with a token", async () => {
		const bitbucket = await BitbucketContractServer.start({
			token: TOKEN,
			username: "scanner",
			password: "app-pass-0123",
		});
		try {
			bitbucket.addRepository("acme/api", { "keys/deploy.pem": key });
			bitbucket.addRepository("PLAT/core", { "keys/deploy.pem": key });
			for (const [sensorConfig, location] of [
				[
					{ workspace: "acme", username: "scanner", password: "app-pass-0123", url: bitbucket.cloudUrl },
					"key acme/api:keys/deploy.pem",
				],
				[{ project_key: "PLAT", token: TOKEN, url: bitbucket.origin }, "key PLAT/core:keys/deploy.pem"],
			] as const) {
				const created = await h.api("POST", "/v3/scan/create", {
					sensorType: "Bitbucket Sensor",
					sensorName: `bitbucket-${location}`,
					sensorConfig,
				});
				expect(created.status, JSON.stringify(created.body)).toBe(200);
				const status = await h.waitForFinish(created.body.executionId as string, 120_000);
				expect(status, JSON.stringify(status)).toMatchObject({ status: "successful" });
				expect(JSON.stringify(status)).not.toContain("app-pass-0123");
				expect(locations(await findingsOf(created.body.executionId as string))).toEqual([location]);
			}
		} finally {
			await bitbucket.close();
		}
	});
});
