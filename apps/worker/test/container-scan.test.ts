import { type PushedLayer, TestRegistry } from "@sensorium/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rsaPrivateKeyPem, selfSignedCertificate, tempDir } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

// The registry is Debian's docker-registry (the distribution registry v2.8), with htpasswd auth.
const PASSWORD = "reader-password-container";
const dir = tempDir("container-scan");
let h: ScanHarness;
let registry: TestRegistry;
let layers: PushedLayer[];

type Finding = { kind: string; observation: { file: { path: string; layerDigest?: string } } };

beforeAll(async () => {
	h = await createScanHarness(dir.path);
	h.startWorker({ SENSOR_ALLOWED_NETWORKS: "127.0.0.0/8", SENSOR_ERROR_ATTEMPTS: "1" });
	registry = await TestRegistry.start({ kind: "htpasswd", users: { reader: PASSWORD } });
	const base = await registry.pushLayer("shop/web", [
		{ path: "etc/ssl/private/deleted.pem", content: rsaPrivateKeyPem() },
		{ path: "etc/ssl/certs/service.crt", content: selfSignedCertificate(dir.path, "service.example.test") },
	]);
	const top = await registry.pushLayer(
		"shop/web",
		[
			{ path: "etc/ssl/private/.wh.deleted.pem", content: "" },
			{ path: "opt/app/key.pem", content: rsaPrivateKeyPem() },
		],
		"zstd",
	);
	layers = [base, top];
	await registry.pushImage("shop/web", "1.0", layers);
});

afterAll(async () => {
	await h.close();
	await registry.stop();
	dir.remove();
});

const findingsOf = async (executionId: string): Promise<Finding[]> => {
	const res = await h.api("GET", `/v3/scan/${executionId}/findings?limit=500`);
	expect(res.status).toBe(200);
	return res.body.findings as Finding[];
};

async function run(images: string[], extra: Record<string, unknown> = {}) {
	const created = await h.api("POST", "/v3/scan/create", {
		sensorType: "Container Sensor",
		sensorName: `container-${Math.random().toString(36).slice(2)}`,
		sensorConfig: { images, username: "reader", password: PASSWORD, insecure_registries: [registry.host] },
		...extra,
	});
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	const executionId = created.body.executionId as string;
	return { sensorId: created.body.sensorId as string, executionId, status: await h.waitForFinish(executionId) };
}

describe("a Container Sensor scan through the API, the queue and a worker process", () => {
	it("rejects a config the schema does not know", async () => {
		const res = await h.api("POST", "/v3/scan/create", {
			sensorType: "Container Sensor",
			sensorName: "bad-config",
			sensorConfig: { images: ["alpine"], registry_url: "https://example.test" },
		});
		expect(res.status).toBe(400);
		expect(JSON.stringify(res.body)).toContain("Invalid input for sensorConfig.");
	});

	it("one bad image among good ones: findings of what the container sees, a diagnostic for the bad one; then incremental", async () => {
		const good = `${registry.host}/shop/web:1.0`;
		const bad = `${registry.host}/shop/web:missing`;
		const first = await run([good, bad], { incrementalScan: true });
		expect(first.status, JSON.stringify(first.status)).toMatchObject({ status: "successful" });
		expect(JSON.stringify(first.status)).not.toContain(PASSWORD);
		const diagnostics = (await h.api("GET", `/v3/scan/${first.executionId}/diagnostics?limit=100`)).body
			.diagnostics as { path: string; errorClass: string }[];
		expect(diagnostics).toEqual([
			expect.objectContaining({ path: `${registry.host}/shop/web:missing`, errorClass: "CONTAINER-1004" }),
		]);

		const found = await findingsOf(first.executionId);
		const where = found.map((f) => `${f.kind} ${f.observation.file.path.replace(/@sha256:[a-f0-9]{64}/, "@D")}`).sort();
		expect(where).toEqual([
			`key ${registry.host}/shop/web@D!/opt/app/key.pem`,
			`x509 ${registry.host}/shop/web@D!/etc/ssl/certs/service.crt`,
		]);
		const byKind = Object.fromEntries(found.map((f) => [f.kind, f.observation.file.layerDigest]));
		expect(byKind).toEqual({ key: layers[1]?.digest, x509: layers[0]?.digest });

		const sensor = await h.api("GET", `/v3/sensor/${first.sensorId}`);
		expect(JSON.stringify(sensor.body)).not.toContain(PASSWORD);

		const again = await h.api("POST", "/v3/scan/execute", { sensorId: first.sensorId });
		const second = await h.waitForFinish(again.body.executionId as string);
		expect(second).toMatchObject({ status: "successful" });
		expect(second.progress).toMatchObject({ layersDownloaded: 0, imagesUnchanged: 1 });
		const kept = await findingsOf(again.body.executionId as string);
		expect(kept.map((f) => f.observation.file.path).sort()).toEqual(found.map((f) => f.observation.file.path).sort());
	});

	it("fails when every image failed, and the message says so", async () => {
		const { status } = await run([`${registry.host}/shop/web:missing`, `${registry.host}/nothing/here:1`]);
		expect(status).toMatchObject({ status: "failed", errorCode: "CONTAINER-1004" });
		expect(status.message).toMatch(/None of the 2 images could be scanned/);
	});
});
