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
		// Short enough that an API which never answers fails its execution with -1009 quickly.
		ORG_SENSOR_API_TIMEOUT_MS: "10000",
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

describe("a GitHub organisation scan through the API, the queue and a worker process", { timeout: 300_000 }, () => {
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

describe("a GitLab group with nested subgroups through the API and a worker", { timeout: 300_000 }, () => {
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
			const afterChange = locations(await findingsOf(second.executionId));
			expect(afterChange).toContain("x509 acme/platform/api:tls/service.crt");

			// Nothing changed since: no project is cloned, the execution says so and keeps every finding.
			const gitRequestsBefore = gitlab.gitRequests.length;
			const third = await execute(created.body.sensorId as string);
			expect(third.status).toMatchObject({
				status: "successful",
				message: "Scan completed: nothing changed since the previous scan.",
			});
			expect(gitlab.gitRequests.length).toBe(gitRequestsBefore);
			expect(locations(await findingsOf(third.executionId))).toEqual(afterChange);
		} finally {
			await gitlab.close();
		}
	});
});

describe("Bitbucket Cloud and Data Center through the API and a worker", { timeout: 300_000 }, () => {
	it("scans a workspace with an app password and a Data Center project with a token, then finds nothing changed", async () => {
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
					incrementalScan: true,
				});
				expect(created.status, JSON.stringify(created.body)).toBe(200);
				const status = await h.waitForFinish(created.body.executionId as string, 120_000);
				expect(status, JSON.stringify(status)).toMatchObject({ status: "successful" });
				expect(JSON.stringify(status)).not.toContain("app-pass-0123");
				expect(locations(await findingsOf(created.body.executionId as string))).toEqual([location]);

				// Again, with nothing changed: the API's heads (Data Center's branches/default) spare every clone.
				const gitRequestsBefore = bitbucket.gitRequests.length;
				const again = await execute(created.body.sensorId as string);
				expect(again.status.message).toBe("Scan completed: nothing changed since the previous scan.");
				expect(bitbucket.gitRequests.length).toBe(gitRequestsBefore);
			}
			expect(bitbucket.apiRequests).toContain("GET /rest/api/1.0/projects/PLAT/repos/core/branches/default");
		} finally {
			await bitbucket.close();
		}
	});
});

/** How each namespace's listing fails: a host, a sensor config pointing at it, and the code the execution must end with. */
interface FailureCase {
	sensorType: string;
	code: string;
	sensorConfig: Record<string, unknown>;
}

describe("error codes of the three hosts through the API and a worker", { timeout: 300_000 }, () => {
	it("GITHUB-, GITLAB- and BITBUCKET-1001, 1002, 1003, 1004, 1006 and 1009, without a secret in the answer", async () => {
		const LIMITED = "limited-token-without-scopes-0123";
		const closed = await GitHubContractServer.start({ token: TOKEN });
		const unreachable = closed.origin;
		await closed.close();
		const servers: { close(): Promise<void> }[] = [];
		const github = async () => {
			const server = await GitHubContractServer.start({ token: TOKEN, limitedToken: LIMITED });
			servers.push(server.organization("acme"));
			return server;
		};
		const gitlab = async () => {
			const server = await GitLabContractServer.start({ token: TOKEN, limitedToken: LIMITED });
			server.group("acme");
			servers.push(server);
			return server;
		};
		const bitbucket = async () => {
			const server = await BitbucketContractServer.start({
				token: TOKEN,
				username: "scanner",
				password: "app-pass-0123",
				limitedToken: LIMITED,
			});
			server.addRepository("acme/api", { "k.pem": key });
			server.addRepository("PLAT/core", { "k.pem": key });
			servers.push(server);
			return server;
		};
		try {
			const cases: FailureCase[] = [];
			const add = (sensorType: string, namespace: string, configs: Record<string, unknown>[]) => {
				const codes = ["1001", "1002", "1003", "1004", "1006", "1009"];
				for (const [i, sensorConfig] of configs.entries()) {
					cases.push({ sensorType, code: `${namespace}-${codes[i]}`, sensorConfig });
				}
			};
			const org = { organization: "acme", token: TOKEN };
			const [ghLimited, ghRate, ghStall] = [await github(), await github(), await github()];
			ghRate.rateLimit({ nth: 1, kind: "secondary-retry-after", seconds: 0, times: 5 });
			ghStall.stall(1);
			add("GitHub Sensor", "GITHUB", [
				{ ...org, url: `${unreachable}/api/v3` },
				{ ...org, token: "wrong-token", url: ghLimited.url },
				{ ...org, token: LIMITED, url: ghLimited.url },
				{ ...org, organization: "nobody", url: ghLimited.url },
				{ ...org, url: ghRate.url },
				{ ...org, url: ghStall.url },
			]);
			const group = { group: "acme", token: TOKEN };
			const [glLimited, glRate, glStall] = [await gitlab(), await gitlab(), await gitlab()];
			glRate.rateLimit({ nth: 1, kind: "retry-after", seconds: 0, times: 5 });
			glStall.stall(1);
			add("GitLab Sensor", "GITLAB", [
				{ ...group, url: unreachable },
				{ ...group, token: "wrong-token", url: glLimited.url },
				{ ...group, token: LIMITED, url: glLimited.url },
				{ ...group, group: "nobody", url: glLimited.url },
				{ ...group, url: glRate.url },
				{ ...group, url: glStall.url },
			]);
			const workspace = { workspace: "acme", token: TOKEN };
			const [bbLimited, bbRate, bbStall] = [await bitbucket(), await bitbucket(), await bitbucket()];
			bbRate.rateLimit({ nth: 1, retryAfterSeconds: 0, times: 5 });
			bbStall.stall(1);
			add("Bitbucket Sensor", "BITBUCKET", [
				{ ...workspace, url: `${unreachable}/2.0` },
				{ workspace: "acme", username: "scanner", password: "wrong-password", url: bbLimited.cloudUrl },
				{ ...workspace, token: LIMITED, url: bbLimited.cloudUrl },
				{ project_key: "NOPE", token: TOKEN, url: bbLimited.origin },
				{ ...workspace, url: bbRate.cloudUrl },
				{ project_key: "PLAT", token: TOKEN, url: bbStall.origin },
			]);

			const submitted = await Promise.all(
				cases.map(async ({ sensorType, code, sensorConfig }) => {
					const created = await h.api("POST", "/v3/scan/create", {
						sensorType,
						sensorName: `failing-${code}`,
						sensorConfig,
					});
					expect(created.status, JSON.stringify(created.body)).toBe(200);
					return created.body.executionId as string;
				}),
			);
			const outcomes = await Promise.all(submitted.map((executionId) => h.waitForFinish(executionId, 180_000)));
			expect(outcomes.map((status) => `${status.status} ${status.errorCode}`)).toEqual(
				cases.map(({ code }) => `failed ${code}`),
			);
			for (const status of outcomes) {
				for (const secret of [TOKEN, LIMITED, "wrong-token", "wrong-password"]) {
					expect(JSON.stringify(status)).not.toContain(secret);
				}
			}
		} finally {
			await Promise.all(servers.map((server) => server.close()));
		}
	});
});
