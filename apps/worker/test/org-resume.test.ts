import { executionCheckpoints, executions, findings } from "@sensorium/db";
import { GitHubContractServer } from "@sensorium/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rsaPrivateKeyPem, selfSignedCertificate, tempDir, waitFor } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

const TOKEN = "ghp_resumeContractToken0123456789abcdefAB";
const WORKER_ENV = { SENSOR_ALLOWED_NETWORKS: "127.0.0.0/8", ORG_SENSOR_REPOSITORY_CONCURRENCY: "1" };
const dir = tempDir("org-resume");
let h: ScanHarness;
let server: GitHubContractServer;

/** acme: r1…r8, each with a private key, r1…r3 also with a certificate. */
beforeAll(async () => {
	h = await createScanHarness(dir.path);
	server = await GitHubContractServer.start({ token: TOKEN });
	server.organization("acme");
	const key = rsaPrivateKeyPem();
	const certificate = selfSignedCertificate(dir.path, "resume.example.test");
	for (let i = 1; i <= 8; i += 1) {
		server.addRepository(`acme/r${i}`, {
			"keys/deploy.pem": key,
			"README.md": `repository ${i}\n`,
			...(i <= 3 ? { "tls/service.crt": certificate } : {}),
		});
	}
});

afterAll(async () => {
	await h.close();
	await server.close();
	dir.remove();
});

async function create(sensorName: string): Promise<string> {
	const created = await h.api("POST", "/v3/scan/create", {
		sensorType: "GitHub Sensor",
		sensorName,
		sensorConfig: { organization: "acme", token: TOKEN, url: server.url },
	});
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	return created.body.executionId as string;
}

const locations = async (executionId: string) => {
	const res = await h.api("GET", `/v3/scan/${executionId}/findings?limit=500`);
	expect(res.status).toBe(200);
	const found = res.body.findings as { kind: string; observation: { file: { path: string } } }[];
	return found.map((f) => `${f.kind} ${f.observation.file.path}`).sort();
};

/** The repositories git fetched from in these requests. */
const cloned = (requests: string[]) =>
	[...new Set(requests.map((path) => path.replace(/^\/git\/|\.git\/.*$/g, "")))].sort();

const checkpointed = async (executionId: string, atLeast: number) =>
	waitFor(
		`${atLeast} repositories checkpointed`,
		async () => {
			const rows = await h.database.db
				.select({ unit: executionCheckpoints.unit })
				.from(executionCheckpoints)
				.where(eq(executionCheckpoints.executionId, executionId));
			return rows.length >= atLeast ? rows.map((row) => row.unit).sort() : undefined;
		},
		120_000,
	);

describe("an organisation scan interrupted mid-way", { timeout: 360_000 }, () => {
	it("resumes on the next worker without cloning the repositories finished before, and ends as an uninterrupted scan", async () => {
		const first = h.startWorker(WORKER_ENV);
		const baselineId = await create("acme-uninterrupted");
		const baseline = await h.waitForFinish(baselineId, 120_000);
		expect(baseline, JSON.stringify(baseline)).toMatchObject({ status: "successful" });

		// r5 and r7 cannot be cloned until released: the scan stops there until the test moves on.
		const releaseR5 = server.holdGit("acme/r5");
		const releaseR7 = server.holdGit("acme/r7");
		const executionId = await create("acme-interrupted");

		// The first worker dies (SIGKILL) after four repositories; the next one takes over once the lease lapses.
		const beforeKill = await checkpointed(executionId, 4);
		expect(beforeKill).toEqual(["acme/r1", "acme/r2", "acme/r3", "acme/r4"]);
		await first.stop("SIGKILL");
		const afterKill = server.gitRequests.length;
		releaseR5();
		const second = h.startWorker(WORKER_ENV);

		// The second worker is shut down (SIGTERM) after two more and hands the execution back.
		const beforeShutdown = await checkpointed(executionId, 6);
		expect(beforeShutdown).toEqual([...beforeKill, "acme/r5", "acme/r6"]);
		expect(await second.stop("SIGTERM")).toBe(0);
		const afterShutdown = server.gitRequests.length;
		releaseR7();
		const third = h.startWorker(WORKER_ENV);

		const status = await h.waitForFinish(executionId, 180_000);
		expect(status, JSON.stringify(status)).toMatchObject({ status: "successful" });
		const [row] = await h.database.db.select().from(executions).where(eq(executions.id, executionId));
		expect(row?.attempt).toBeGreaterThanOrEqual(3);

		// No repository an earlier attempt finished was cloned again.
		const clonedAfterKill = cloned(server.gitRequests.slice(afterKill));
		for (const name of beforeKill) expect(clonedAfterKill).not.toContain(name);
		expect(cloned(server.gitRequests.slice(afterShutdown))).toEqual(["acme/r7", "acme/r8"]);

		// The outcome is the uninterrupted scan's: the same findings, counts and progress, nothing twice.
		expect(await locations(executionId)).toEqual(await locations(baselineId));
		expect(await locations(executionId)).toHaveLength(11);
		expect(status.progress).toEqual(baseline.progress);
		expect(status.summary).toEqual(baseline.summary);
		const rows = await h.database.db
			.select()
			.from(findings)
			.where(eq(findings.sensorId, status.sensorId as string));
		expect(rows).toHaveLength(11);
		expect(new Set(rows.map((f) => `${f.identity}|${f.path}|${f.line}`)).size).toBe(11);
		expect(await h.database.db.select().from(executionCheckpoints)).toEqual([]);
		expect(await third.stop("SIGTERM")).toBe(0);
	});
});
