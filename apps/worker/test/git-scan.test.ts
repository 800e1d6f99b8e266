import { executionFindings, findings } from "@sensorium/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ecPrivateKeyPem, FixtureRepo, jwt, rsaPrivateKeyPem, selfSignedCertificate, tempDir } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

const dir = tempDir("git-scan");
let h: ScanHarness;

let repo: FixtureRepo;
const certificate = selfSignedCertificate(dir.path, "service.example.test");
const token = jwt();

beforeAll(async () => {
	h = await createScanHarness(dir.path);
	h.startWorker();
	repo = new FixtureRepo(`${dir.path}/repo`);
	repo
		.write("certs/service.crt", certificate)
		.write("keys/deploy.pem", rsaPrivateKeyPem())
		.write("src/config.js", `export const token = "${token}";\n`)
		.write("docs/README.md", "Keys start with -----BEGIN PRIVATE KEY----- and the word RSA is just prose.\n")
		.write("decoys/truncated.pem", "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n")
		.write(
			"decoys/noise.pem",
			`-----BEGIN PRIVATE KEY-----\n${Buffer.alloc(300, 7).toString("base64")}\n-----END PRIVATE KEY-----\n`,
		);
	repo.commit("initial");
});

afterAll(async () => {
	await h.close();
	dir.remove();
});

const findingsOf = async (executionId: string) => {
	const res = await h.api("GET", `/v3/scan/${executionId}/findings?limit=500`);
	expect(res.status).toBe(200);
	return res.body.findings as Finding[];
};
type Finding = { kind: string; identity: string; observation: { file: { path: string; line: number | null } } };
const keyOf = (f: Finding) => `${f.identity} ${f.observation.file.path}:${f.observation.file.line}`;

describe("a Git scan through the API, the queue and a worker process", () => {
	it("ends successful with the certificates, keys and tokens of the repository and nothing from decoys", async () => {
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "GIT Sensor",
			sensorName: "fixture-repo",
			sensorConfig: { url: repo.url },
			labels: [{ team: "pki" }],
		});
		expect(created.status).toBe(200);
		const status = await h.waitForFinish(created.body.executionId as string);
		expect(status).toMatchObject({ status: "successful", labels: [{ team: "pki" }] });
		expect(status.message).toMatch(/Scan completed/);
		expect((status.progress as { filesScanned: number }).filesScanned).toBe(6);
		expect(status.startedAt).toBeTruthy();
		expect(status.finishedAt).toBeTruthy();

		const found = await findingsOf(created.body.executionId as string);
		const paths = found.map((f) => `${f.kind}:${f.observation.file.path}`).sort();
		expect(paths).toEqual(["key:keys/deploy.pem", "token:src/config.js", "x509:certs/service.crt"]);
		expect(status.findings).toEqual({ total: 3, byType: { key: 1, token: 1, x509: 1 } });
		const key = found.find((f) => f.kind === "key") as Finding & {
			analysis: { priority: string; reasons: { rule: string }[] };
		};
		expect(key.analysis.priority).toBe("critical");
		expect(key.analysis.reasons.map((r) => r.rule)).toEqual(
			expect.arrayContaining(["private-key-unencrypted", "quantum-vulnerable"]),
		);
		const stored = JSON.stringify(await h.database.db.select().from(findings));
		expect(stored).not.toContain(token);
		expect(stored).not.toContain("PRIVATE KEY");
		expect(JSON.parse(stored)[0].labels).toEqual([{ team: "pki" }]);
	});

	it("filters by asset type and paginates with a cursor", async () => {
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "GIT Sensor",
			sensorName: "pages",
			sensorConfig: { url: repo.url },
		});
		const executionId = created.body.executionId as string;
		await h.waitForFinish(executionId);
		const onlyKeys = await h.api("GET", `/v3/scan/${executionId}/findings?type=key`);
		expect((onlyKeys.body.findings as unknown[]).length).toBe(1);
		const first = await h.api("GET", `/v3/scan/${executionId}/findings?limit=2`);
		expect((first.body.findings as unknown[]).length).toBe(2);
		const second = await h.api("GET", `/v3/scan/${executionId}/findings?limit=2&cursor=${first.body.nextCursor}`);
		expect((second.body.findings as unknown[]).length).toBe(1);
		expect(second.body.nextCursor).toBeNull();
		expect((await h.api("GET", `/v3/scan/${executionId}/findings?type=bogus`)).status).toBe(400);
		expect((await h.api("GET", `/v3/scan/${executionId}/findings?limit=0`)).status).toBe(400);
	});

	it("a Git failure ends failed with the sensor's error code, naming the repository URL", async () => {
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "GIT Sensor",
			sensorName: "no-such-branch",
			sensorConfig: { url: repo.url, branch: "release/9" },
		});
		const status = await h.waitForFinish(created.body.executionId as string);
		expect(status).toMatchObject({ status: "failed", errorCode: "GIT-1003" });
		// Only sealed credentials are redacted; the user's own URL stays readable.
		expect(status.message).toBe(`Branch "release/9" does not exist in ${repo.url}.`);
	});

	it("a Filesystem Sensor path outside SENSOR_FS_ROOTS ends failed with FS-1001", async () => {
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "Filesystem Sensor",
			sensorName: "outside",
			sensorConfig: { path: "/etc" },
		});
		const status = await h.waitForFinish(created.body.executionId as string);
		expect(status).toMatchObject({ status: "failed", errorCode: "FS-1001" });
		expect(status.message).toContain("/etc");
		expect(status.message).not.toContain("***");
	});

	it("a Filesystem Sensor below the roots finds the same assets", async () => {
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "Filesystem Sensor",
			sensorName: "checkout",
			sensorConfig: { path: repo.path, exclude_paths: [".git/**"] },
		});
		const status = await h.waitForFinish(created.body.executionId as string);
		expect(status.status).toBe("successful");
		expect((await findingsOf(created.body.executionId as string)).map((f) => f.kind).sort()).toEqual([
			"key",
			"token",
			"x509",
		]);
	});

	it("a job delivered again for a finished execution is a no-op", async () => {
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "GIT Sensor",
			sensorName: "twice",
			sensorConfig: { url: repo.url },
		});
		const executionId = created.body.executionId as string;
		const before = await h.waitForFinish(executionId);
		await h.queue.removeJob(executionId);
		await h.queue.enqueueExecution(executionId, "high");
		await new Promise((r) => setTimeout(r, 1500));
		const after = (await h.api("GET", `/v3/scan/${executionId}`)).body;
		expect(after).toEqual(before);
		const rows = await h.database.db
			.select()
			.from(executionFindings)
			.where(eq(executionFindings.executionId, executionId));
		expect(rows).toHaveLength(3);
	});
});

describe("completion callbacks", () => {
	it("a finished scan of a sensor with a callbackId records one delivery and enqueues it for the dispatcher", async () => {
		const { createServer } = await import("node:http");
		const server = createServer((_req, res) => res.writeHead(204).end());
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		const { port } = server.address() as { port: number };
		const registered = await h.api("POST", "/v3/callbacks", { name: "hook", url: `http://127.0.0.1:${port}/hook` });
		expect(registered.status).toBe(201);
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "GIT Sensor",
			sensorName: "with-callback",
			sensorConfig: { url: repo.url, branch: "no-such-branch" },
			callbackId: registered.body.callbackId,
		});
		const executionId = created.body.executionId as string;
		await h.waitForFinish(executionId);
		const res = await h.api("GET", `/v3/scan/${executionId}/callbacks`);
		const deliveries = res.body.deliveries as {
			deliveryId: string;
			status: string;
			payload: Record<string, unknown>;
		}[];
		expect(deliveries).toHaveLength(1);
		expect(deliveries[0]?.payload).toMatchObject({ executionId, status: "failed", errorCode: "GIT-1003" });
		const { CallbackQueue, createProducerConnection, deliveryJobId } = await import("@sensorium/queue");
		const redis = createProducerConnection("redis://127.0.0.1:6379");
		const queue = new CallbackQueue(redis, h.prefix);
		expect(await queue.queue.getJobState(deliveryJobId(deliveries[0]?.deliveryId as string, 0))).toBe("waiting");
		await queue.close();
		redis.disconnect();
		server.close();
	});
});

describe("incremental scans", () => {
	it("after each commit, what an incremental execution observes equals what a full execution of the same commit observes", async () => {
		const incremental = await h.api("POST", "/v3/scan/create", {
			sensorType: "GIT Sensor",
			sensorName: "incremental",
			sensorConfig: { url: repo.url },
			incrementalScan: true,
		});
		const sensorId = incremental.body.sensorId as string;
		await h.waitForFinish(incremental.body.executionId as string);

		const steps: (() => void)[] = [
			() => repo.write("keys/second.pem", ecPrivateKeyPem()),
			() => repo.remove("certs/service.crt"),
			() => repo.write("src/config.js", "export const token = null;\n").write("src/app.js", `const t = "${jwt()}";\n`),
			() => repo.git("mv", "keys/deploy.pem", "keys/renamed.pem"),
			() => {},
		];
		for (const [i, step] of steps.entries()) {
			step();
			repo.commit(`step ${i}`);
			const inc = await h.api("POST", "/v3/scan/execute", { sensorId });
			const incStatus = await h.waitForFinish(inc.body.executionId as string);
			expect(incStatus.status).toBe("successful");
			expect(incStatus.message, `step ${i}`).toMatch(/changed files scanned/);
			const full = await h.api("POST", "/v3/scan/create", {
				sensorType: "GIT Sensor",
				sensorName: `full-${i}`,
				sensorConfig: { url: repo.url },
			});
			await h.waitForFinish(full.body.executionId as string);
			const a = (await findingsOf(inc.body.executionId as string)).map(keyOf).sort();
			const b = (await findingsOf(full.body.executionId as string)).map(keyOf).sort();
			expect(a, `step ${i}`).toEqual(b);
		}

		const unchanged = await h.api("POST", "/v3/scan/execute", { sensorId });
		const status = await h.waitForFinish(unchanged.body.executionId as string);
		expect(status.message).toBe("Scan completed: nothing changed since the previous scan.");
		expect((status.progress as { filesScanned: number }).filesScanned).toBe(0);
		expect((await findingsOf(unchanged.body.executionId as string)).length).toBe(
			(status.findings as { total: number }).total,
		);

		const open = await h.api("GET", `/v3/sensors/${sensorId}/findings?status=open`);
		expect((open.body.findings as unknown[]).length).toBeGreaterThan(0);
		const resolved = await h.api("GET", `/v3/sensors/${sensorId}/findings?status=resolved`);
		expect(resolved.status).toBe(200);
	});
});

describe("archives and keystores in a repository", () => {
	it("finds certificates inside nested archives with the outer!inner location, and a keystore with a default password", async () => {
		const { execFileSync } = await import("node:child_process");
		const { mkdirSync, writeFileSync } = await import("node:fs");
		const work = `${dir.path}/artifacts`;
		mkdirSync(`${work}/inner/META-INF`, { recursive: true });
		writeFileSync(`${work}/inner/META-INF/service.crt`, selfSignedCertificate(work, "inner.example.test"));
		execFileSync("jar", ["cf", `${work}/lib.jar`, "-C", `${work}/inner`, "."]);
		mkdirSync(`${work}/outer/WEB-INF/lib`, { recursive: true });
		execFileSync("cp", [`${work}/lib.jar`, `${work}/outer/WEB-INF/lib/lib.jar`]);
		execFileSync("jar", ["cf", `${work}/app.war`, "-C", `${work}/outer`, "."]);
		execFileSync(
			"keytool",
			[
				"-genkeypair",
				"-keystore",
				`${work}/server.jks`,
				"-storetype",
				"JKS",
				"-storepass",
				"changeit",
				"-keypass",
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
		const artifacts = new FixtureRepo(`${dir.path}/artifacts-repo`);
		artifacts.write("placeholder.txt", "x");
		execFileSync("cp", [`${work}/app.war`, `${work}/server.jks`, artifacts.path]);
		artifacts.commit("artifacts");

		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "GIT Sensor",
			sensorName: "artifacts",
			sensorConfig: { url: artifacts.url },
		});
		const status = await h.waitForFinish(created.body.executionId as string);
		expect(status.status).toBe("successful");
		const found = await findingsOf(created.body.executionId as string);
		const locations = found.map((f) => `${f.kind} ${f.observation.file.path}`).sort();
		expect(locations).toContain("x509 app.war!WEB-INF/lib/lib.jar!META-INF/service.crt");
		expect(locations).toContain("x509 server.jks");
		expect(found.filter((f) => f.kind === "keystore").map((f) => f.identity)).toEqual(
			expect.arrayContaining([expect.stringMatching(/:default-password$/)]),
		);

		const without = await h.api("POST", "/v3/scan/create", {
			sensorType: "GIT Sensor",
			sensorName: "artifacts-no-archives",
			sensorConfig: { url: artifacts.url, scan_archives: false },
		});
		await h.waitForFinish(without.body.executionId as string);
		const shallow = await findingsOf(without.body.executionId as string);
		expect(shallow.some((f) => f.observation.file.path.includes("!"))).toBe(false);
	});
});

describe("crypto in source code", () => {
	it("reports libraries, algorithms with their parameters and protocol versions used in code and config", async () => {
		const code = new FixtureRepo(`${dir.path}/code-repo`);
		code
			.write(
				"src/main/java/Crypto.java",
				[
					"import javax.crypto.Cipher;",
					"import java.security.KeyPairGenerator;",
					"class Crypto {",
					'  Cipher c = Cipher.getInstance("AES/ECB/PKCS5Padding");',
					"  void keys() throws Exception {",
					'    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");',
					"    g.initialize(1024);",
					"  }",
					"}",
				].join("\n"),
			)
			.write("app/hash.py", "import hashlib\n\ndigest = hashlib.md5(b'x').hexdigest()\n")
			.write("nginx/nginx.conf", "server {\n  ssl_protocols TLSv1 TLSv1.2;\n}\n")
			.write("docs/notes.md", "We use RSA and MD5 here, says the prose.\n");
		code.commit("code");
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "GIT Sensor",
			sensorName: "code",
			sensorConfig: { url: code.url },
		});
		expect((await h.waitForFinish(created.body.executionId as string)).status).toBe("successful");
		const found = await findingsOf(created.body.executionId as string);
		const identities = found.map((f) => f.identity);
		expect(identities).toEqual(
			expect.arrayContaining([expect.stringMatching(/^algorithm:AES/), expect.stringMatching(/^algorithm:MD5/)]),
		);
		expect(found.some((f) => f.kind === "library")).toBe(true);
		expect(found.some((f) => f.kind === "protocol" && f.identity.includes("1.0"))).toBe(true);
		expect(found.some((f) => f.observation.file.path === "docs/notes.md")).toBe(false);
		// Policy results come with each finding.
		const md5 = found.find((f) => f.identity.startsWith("algorithm:MD5")) as Finding & {
			analysis: { priority: string; reasons: { rule: string }[] };
		};
		expect(md5.analysis.priority).toBe("high");
		expect(md5.analysis.reasons.map((r) => r.rule)).toContain("weak-hash-md5");
	});
});
