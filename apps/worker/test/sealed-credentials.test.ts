import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { sensors } from "@sensorium/db";
import { BareRepositories, legacyV1Envelope, serveGitHttp } from "@sensorium/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfSignedCertificate, tempDir } from "./fixtures.ts";
import { createScanHarness, type ScanHarness, SECRET_KEY } from "./harness.ts";

// Sealed credentials are bound to their sensor: whoever can write to the database cannot make a
// credential stored for one sensor (or organisation) be used by another.
const dir = tempDir("sealed-credentials");
const PASSWORD = "alpha-secret-password";
let h: ScanHarness;
let server: Server;
let repoUrl: string;

beforeAll(async () => {
	const repos = new BareRepositories(join(dir.path, "repos"), dir.path);
	repos.create("acme/app", "main", { "tls/service.crt": selfSignedCertificate(dir.path, "sealed.example.test") });
	const expected = `Basic ${Buffer.from(`ci:${PASSWORD}`).toString("base64")}`;
	server = createServer((req, res) => {
		if (req.headers.authorization !== expected) {
			res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end();
			return;
		}
		serveGitHttp(repos.root, new URL(req.url ?? "/", "http://git").pathname, req, res);
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	repoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/app.git`;
	h = await createScanHarness(dir.path);
});

afterAll(async () => {
	server.close();
	await h.close();
	dir.remove();
});

async function createGitSensor(name: string, password: string): Promise<{ sensorId: string; executionId: string }> {
	const created = await h.api("POST", "/v3/scan/create", {
		sensorType: "GIT Sensor",
		sensorName: name,
		sensorConfig: { url: repoUrl, username: "ci", password },
	});
	expect(created.status).toBe(200);
	return created.body as { sensorId: string; executionId: string };
}

async function configOf(sensorId: string): Promise<Record<string, unknown>> {
	const [row] = await h.database.db.select({ config: sensors.config }).from(sensors).where(eq(sensors.id, sensorId));
	return row?.config ?? {};
}

describe("credentials sealed to their sensor", () => {
	it("a password copied from another sensor's row does not open there: SCAN-1003, not a clone with it", async () => {
		// Both wait in the queue while their rows are changed: no worker runs yet.
		const owner = await createGitSensor("owner", PASSWORD);
		const thief = await createGitSensor("thief", "not-the-password");
		const stolen = (await configOf(owner.sensorId)).password;
		await h.database.db
			.update(sensors)
			.set({ config: { ...(await configOf(thief.sensorId)), password: stolen } })
			.where(eq(sensors.id, thief.sensorId));
		// A v1 value (sealed before places were bound) still opens, so upgrades need no downtime.
		const legacy = await createGitSensor("legacy", "overwritten-below-with-a-v1-envelope");
		await h.database.db
			.update(sensors)
			.set({
				config: {
					...(await configOf(legacy.sensorId)),
					password: { $sealed: legacyV1Envelope(Buffer.from(SECRET_KEY, "base64"), PASSWORD) },
				},
			})
			.where(eq(sensors.id, legacy.sensorId));

		h.startWorker({ SENSOR_ALLOWED_NETWORKS: "127.0.0.0/8" });
		expect(await h.waitForFinish(owner.executionId)).toMatchObject({ status: "successful" });
		const refused = await h.waitForFinish(thief.executionId);
		expect(refused).toMatchObject({ status: "failed", errorCode: "SCAN-1003" });
		expect(refused.message).toContain("copied from another sensor");
		expect(JSON.stringify(refused)).not.toContain(PASSWORD);
		expect(await h.waitForFinish(legacy.executionId)).toMatchObject({ status: "successful" });
	});
});
