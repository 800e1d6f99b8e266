import { bootstrapOrganization } from "@sensorium/accounts";
import { type PushedLayer, RegistryProxy, TestRegistry } from "@sensorium/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rsaPrivateKeyPem, selfSignedCertificate, tempDir } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

// The registry is Debian's docker-registry (the distribution registry v2.8), with htpasswd auth.
const PASSWORD = "reader-password-container";
const dir = tempDir("container-scan");
let h: ScanHarness;
let registry: TestRegistry;
let layers: PushedLayer[];
let proxy: RegistryProxy;

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
	proxy = await RegistryProxy.start(registry.host);
});

afterAll(async () => {
	await proxy.stop();
	await h.close();
	await registry.stop();
	dir.remove();
});

const findingsOf = async (executionId: string): Promise<Finding[]> => {
	const res = await h.api("GET", `/v3/scan/${executionId}/findings?limit=500`);
	expect(res.status).toBe(200);
	return res.body.findings as Finding[];
};

async function run(images: string[], extra: Record<string, unknown> = {}, token?: string) {
	const created = await h.api(
		"POST",
		"/v3/scan/create",
		{
			sensorType: "Container Sensor",
			sensorName: `container-${Math.random().toString(36).slice(2)}`,
			sensorConfig: {
				images,
				username: "reader",
				password: PASSWORD,
				insecure_registries: [registry.host, proxy.host],
			},
			...extra,
		},
		token,
	);
	expect(created.status, JSON.stringify(created.body)).toBe(200);
	const executionId = created.body.executionId as string;
	return {
		sensorId: created.body.sensorId as string,
		executionId,
		status: await h.waitForFinish(executionId, undefined, token),
	};
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

describe("findings cached per layer, per organisation", () => {
	let other: string;
	let five: PushedLayer[];
	let changed: PushedLayer;
	const image = (tag: string) => `${proxy.host}/shop/layered:${tag}`;
	const layerGets = () => proxy.blobDownloads().map((request) => request.path.split("/").pop());
	/** What a finding says, without ids and times: equal for the same asset seen by two scans. */
	const described = async (executionId: string, token?: string) => {
		const res = await h.api("GET", `/v3/scan/${executionId}/findings?limit=500`, undefined, token);
		expect(res.status).toBe(200);
		return (res.body.findings as Record<string, unknown>[])
			.map((f) => {
				const file = (f.observation as { file: Record<string, unknown> }).file;
				return JSON.stringify([f.kind, f.identity, file, f.crypto, f.analysis]);
			})
			.sort();
	};

	beforeAll(async () => {
		other = (await bootstrapOrganization(h.database.db, { orgName: "Other", email: "other@example.test" })).token;
		five = [];
		for (let layer = 0; layer < 5; layer += 1) {
			five.push(
				await registry.pushLayer("shop/layered", [
					{ path: `layer${layer}/key.pem`, content: rsaPrivateKeyPem() },
					{ path: `layer${layer}/readme.txt`, content: `layer ${layer}` },
					...(layer === 0 ? [{ path: "etc/ssl/old.pem", content: rsaPrivateKeyPem() }] : []),
				]),
			);
		}
		await registry.pushImage("shop/layered", "1", five);
		changed = await registry.pushLayer("shop/layered", [
			{ path: "layer2/key.pem", content: rsaPrivateKeyPem() },
			{ path: "etc/ssl/.wh.old.pem", content: "" },
			{ path: "etc/ssl/service.crt", content: selfSignedCertificate(dir.path, "layered.example.test") },
		]);
		await registry.pushImage("shop/layered", "2", [...five.slice(0, 2), changed, ...five.slice(3)]);
	});

	it("a new tag changing one layer of five downloads only that layer; its findings are a cold scan's; another organisation gets none of it", async () => {
		proxy.requests.length = 0;
		const first = await run([image("1")], { incrementalScan: true });
		expect(first.status).toMatchObject({ status: "successful" });
		expect(layerGets().sort()).toEqual(five.map((layer) => layer.digest).sort());

		proxy.requests.length = 0;
		const newTag = await run([image("2")]);
		expect(newTag.status).toMatchObject({ status: "successful", progress: { layersDownloaded: 1, layersReused: 4 } });
		expect(layerGets()).toEqual([changed.digest]);

		// The other organisation's first scan of the same image downloads every layer: nothing of the first's cache.
		proxy.requests.length = 0;
		const cold = await run([image("2")], {}, other);
		expect(cold.status, JSON.stringify(cold.status)).toMatchObject({
			status: "successful",
			progress: { layersDownloaded: 5, layersReused: 0 },
		});
		expect(layerGets().sort()).toEqual([...five.slice(0, 2), changed, ...five.slice(3)].map((l) => l.digest).sort());

		const warm = await described(newTag.executionId);
		expect(warm).toEqual(await described(cold.executionId, other));
		expect(warm).toHaveLength(6);
		expect(warm.join()).not.toContain("/etc/ssl/old.pem");
		expect(warm.join()).toContain(`"layerDigest":"${changed.digest}"`);

		// The first sensor's tag now names the new image: an incremental re-scan, every layer from the cache.
		await registry.pushImage("shop/layered", "1", [...five.slice(0, 2), changed, ...five.slice(3)]);
		proxy.requests.length = 0;
		const again = await h.api("POST", "/v3/scan/execute", { sensorId: first.sensorId });
		const rescan = await h.waitForFinish(again.body.executionId as string);
		expect(rescan).toMatchObject({ status: "successful", progress: { layersDownloaded: 0, layersReused: 5 } });
		expect(layerGets()).toEqual([]);
		const rescanned = await described(again.body.executionId as string);
		expect(rescanned.map((f) => f.replace(/@sha256:[a-f0-9]{64}/, "@D"))).toEqual(
			warm.map((f) => f.replace(/@sha256:[a-f0-9]{64}/, "@D")),
		);
	});
});
