import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createNetworkPolicy } from "@sensorium/network-policy";
import {
	type Descriptor,
	MEDIA,
	type PushedLayer,
	REGISTRY_PUSHER,
	type RegistryAuth,
	RegistryProxy,
	TestRegistry,
	tarOf,
} from "@sensorium/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexLayerHolding, Overlay } from "../src/container/container-layers.ts";
import { type ContainerSensorConfig, containerConfigSchema, containerSensor } from "../src/index.ts";
import { makeTempDir, memoryLayerCache, rejection, runContext } from "./fixtures.ts";

let base: string;
const registries: TestRegistry[] = [];
const proxies: RegistryProxy[] = [];

beforeAll(async () => {
	base = await makeTempDir("container");
});
afterAll(async () => {
	await Promise.all(proxies.map((proxy) => proxy.stop()));
	await Promise.all(registries.map((registry) => registry.stop()));
	await rm(base, { recursive: true, force: true });
});

async function start(auth: RegistryAuth = { kind: "none" }): Promise<TestRegistry> {
	const registry = await TestRegistry.start(auth);
	registries.push(registry);
	return registry;
}

interface Seen {
	content: string;
	layerDigest: string | undefined;
}

async function scan(
	config: Partial<ContainerSensorConfig> & { images: string[] },
	options: Parameters<typeof runContext>[1] = {},
) {
	const snapshot = await containerSensor.open(config as ContainerSensorConfig, await runContext(base, options));
	const files = new Map<string, Seen>();
	for await (const file of snapshot.files()) {
		const content = await file.read().then(String, (error: Error) => `not read: ${error.message}`);
		files.set(file.path, { content, layerDigest: file.layerDigest });
	}
	return { snapshot, files };
}

/** The image paths of the files seen, without the `registry/name@digest!` prefix. */
const pathsOf = (files: Map<string, Seen>) => [...files.keys()].map((key) => key.slice(key.indexOf("!") + 1)).sort();

describe("Container sensorConfig", () => {
	const schema = containerConfigSchema();
	it("accepts the documented fields", () => {
		for (const config of [
			{ images: ["alpine"] },
			{ images: ["registry.example.test:5000/team/app:1.2", `ghcr.io/acme/tool@sha256:${"a".repeat(64)}`] },
			{ images: ["alpine"], username: "ci", password: "secret", platform: "linux/arm64/v8" },
			{ images: ["alpine"], token: "abc.def.ghi", all_platforms: true, insecure_registries: ["127.0.0.1:5000"] },
			{
				images: ["alpine"],
				include_paths: ["etc/**"],
				scan_archives: false,
				max_image_size_mb: 100,
				max_file_size_mb: 5,
			},
		]) {
			expect(schema.safeParse(config).success, JSON.stringify(config)).toBe(true);
		}
	});
	it("rejects anything else", () => {
		for (const config of [
			{},
			{ images: [] },
			{ images: Array.from({ length: 101 }, (_, i) => `img${i}`) },
			{ images: ["UPPER/case"] },
			{ images: ["alpine@sha256:short"] },
			{ images: ["alpine"], password: "p" },
			{ images: ["alpine"], username: "u", password: "p", token: "t" },
			{ images: ["alpine"], platform: "linux" },
			{ images: ["alpine"], platform: "linux/arm64", all_platforms: true },
			{ images: ["alpine"], insecure_registries: ["http://host"] },
			{ images: ["alpine"], max_image_size_mb: 0 },
			{ images: ["alpine"], registry: "x" },
		]) {
			expect(schema.safeParse(config).success, JSON.stringify(config)).toBe(false);
		}
	});
});

describe("flattening, against a real distribution registry", () => {
	let registry: TestRegistry;
	let layers: PushedLayer[];
	const insecure = () => ({ insecure_registries: [registry.host] });

	beforeAll(async () => {
		registry = await start();
		layers = [
			await registry.pushLayer(
				"app/base",
				[
					{ path: "etc" },
					{ path: "etc/ssl" },
					{ path: "etc/ssl/deleted.pem", content: "deleted key" },
					{ path: "etc/ssl/replaced.pem", content: "old key" },
					{ path: "etc/ssl/kept.pem", content: "kept key" },
					{ path: "opt" },
					{ path: "opt/app" },
					{ path: "opt/app/hidden-by-opaque.pem", content: "old app key" },
					{ path: "var/lib/gone/deep/key.pem", content: "under a deleted directory" },
					{ path: "was-a-dir/child.pem", content: "replaced by a file above" },
				],
				"gzip",
			),
			await registry.pushLayer(
				"app/base",
				[
					{ path: "etc/ssl/.wh.deleted.pem", content: "" },
					{ path: "etc/ssl/replaced.pem", content: "new key" },
					{ path: "opt/app/.wh..wh..opq", content: "" },
					{ path: "opt/app/new.pem", content: "new app key" },
					{ path: "var/lib/.wh.gone", content: "" },
					{ path: "was-a-dir", content: "now a file" },
					{ path: "./srv//./data/../data/cert.pem", content: "normalised" },
					{ path: "srv/data/hard.pem", type: "link", linkname: "srv/data/cert.pem" },
					{ path: "srv/link.pem", type: "symlink", linkname: "/etc/ssl/kept.pem" },
				],
				"zstd",
			),
			await registry.pushLayer("app/base", [{ path: "usr/share/plain.txt", content: "uncompressed tar" }], "none"),
		];
		await registry.pushImage("app/base", "oci", layers, { format: "oci" });
		await registry.pushImage(
			"app/base",
			"docker",
			layers.map((l, i) => (i === 1 ? l : l)),
			{ format: "docker" },
		);
	});

	it("yields what the running container sees, with the layer that provided each file", async () => {
		const { snapshot, files } = await scan({ images: [`${registry.host}/app/base:oci`], ...insecure() });
		expect(snapshot.mode).toBe("full");
		expect(pathsOf(files)).toEqual([
			"/etc/ssl/kept.pem",
			"/etc/ssl/replaced.pem",
			"/opt/app/new.pem",
			"/srv/data/cert.pem",
			"/srv/data/hard.pem",
			"/usr/share/plain.txt",
			"/was-a-dir",
		]);
		const byPath = new Map([...files].map(([key, seen]) => [key.slice(key.indexOf("!") + 1), seen]));
		expect(byPath.get("/etc/ssl/replaced.pem")).toEqual({ content: "new key", layerDigest: layers[1]?.digest });
		expect(byPath.get("/etc/ssl/kept.pem")).toEqual({ content: "kept key", layerDigest: layers[0]?.digest });
		expect(byPath.get("/srv/data/hard.pem")?.content).toBe("normalised");
		expect(byPath.get("/usr/share/plain.txt")?.layerDigest).toBe(layers[2]?.digest);
		const [location] = [...files.keys()];
		expect(location).toMatch(new RegExp(`^${registry.host.replace(/\./g, "\\.")}/app/base@sha256:[a-f0-9]{64}!/`));
		expect(snapshot.diagnostics).toEqual([]);
	});

	it("reads Docker schema 2 manifests and gzip layers labelled as Docker's the same way", async () => {
		const oci = await scan({ images: [`${registry.host}/app/base:oci`], ...insecure() });
		const docker = await scan({ images: [`${registry.host}/app/base:docker`], ...insecure() });
		expect(pathsOf(docker.files)).toEqual(pathsOf(oci.files));
	});

	it("applies the filters to paths inside the image", async () => {
		const { files } = await scan({
			images: [`${registry.host}/app/base:oci`],
			include_paths: ["etc/**"],
			exclude_paths: ["**/kept.pem"],
			...insecure(),
		});
		expect(pathsOf(files)).toEqual(["/etc/ssl/replaced.pem"]);
		// The link is in scope, its target is not: the target's bytes come from a second pass over the layer.
		const linked = await scan({
			images: [`${registry.host}/app/base:oci`],
			include_paths: ["srv/data/hard.pem"],
			...insecure(),
		});
		expect([...linked.files.values()]).toEqual([{ content: "normalised", layerDigest: layers[1]?.digest }]);
	});

	it("holds a layer's file bytes while listing its entries only up to a budget", async () => {
		const tar = await tarOf([
			{ path: "a.pem", content: "aaaa" },
			{ path: "b.pem", content: "bbbb" },
		]);
		const read = (budget: number) => indexLayerHolding(Readable.from([tar]), new Overlay(), () => true, 1024, budget);
		const fits = await read(8);
		expect(fits.entries).toEqual([
			["f", "/a.pem", 4],
			["f", "/b.pem", 4],
		]);
		expect([...(fits.held ?? new Map()).values()].map(String)).toEqual(["aaaa", "bbbb"]);
		const over = await read(7);
		expect(over.entries).toEqual(fits.entries);
		expect(over.held).toBeNull();
	});
});

describe("registry protocol, per-image isolation and error codes", () => {
	let registry: TestRegistry;
	let amd64: Descriptor;
	let arm64: Descriptor;
	const insecure = () => ({ insecure_registries: [registry.host] });
	const image = (name: string) => `${registry.host}/${name}`;

	beforeAll(async () => {
		registry = await start();
		const amdLayer = await registry.pushLayer("multi/app", [{ path: "etc/arch", content: "amd64" }]);
		const armLayer = await registry.pushLayer("multi/app", [{ path: "etc/arch", content: "arm64" }]);
		const attestationLayer = await registry.pushLayer("multi/app", [{ path: "provenance.json", content: "{}" }]);
		amd64 = await registry.pushImage("multi/app", "amd64", [amdLayer]);
		arm64 = await registry.pushImage("multi/app", "arm64", [armLayer], {
			platform: { os: "linux", architecture: "arm64", variant: "v8" },
		});
		const attestation = await registry.pushImage("multi/app", "attestation", [attestationLayer]);
		await registry.pushIndex("multi/app", "1.0", [
			{ manifest: attestation, platform: { os: "unknown", architecture: "unknown" }, attestationFor: amd64.digest },
			{ manifest: arm64, platform: { os: "linux", architecture: "arm64", variant: "v8" } },
			{ manifest: amd64, platform: { os: "linux", architecture: "amd64" } },
		]);
		await registry.pushIndex(
			"multi/app",
			"docker-list",
			[{ manifest: arm64, platform: { os: "linux", architecture: "arm64", variant: "v8" } }],
			"docker",
		);
		const good = await registry.pushLayer("corrupt/app", [{ path: "etc/key.pem", content: "intact" }]);
		await registry.pushImage("corrupt/app", "1.0", [good]);
		registry.corruptBlob(good.digest, Buffer.alloc(good.size, 7));
		const configBlob = await registry.pushBlob("artifact/sbom", Buffer.from("{}"));
		await registry.pushManifest(
			"artifact/sbom",
			"1.0",
			{
				schemaVersion: 2,
				mediaType: MEDIA.ociManifest,
				artifactType: "application/spdx+json",
				config: { mediaType: "application/vnd.oci.empty.v1+json", ...configBlob },
				layers: [],
			},
			MEDIA.ociManifest,
		);
	});

	it("picks the requested platform from an index, never an attestation entry", async () => {
		const amd = await scan({ images: [image("multi/app:1.0")], ...insecure() });
		expect([...amd.files.values()].map((f) => f.content)).toEqual(["amd64"]);
		expect([...amd.files.keys()][0]).toBe(`${image("multi/app")}@${amd64.digest}!/etc/arch`);
		const arm = await scan({ images: [image("multi/app:1.0")], platform: "linux/arm64", ...insecure() });
		expect([...arm.files.values()].map((f) => f.content)).toEqual(["arm64"]);
		const all = await scan({ images: [image("multi/app:1.0")], all_platforms: true, ...insecure() });
		expect([...all.files.values()].map((f) => f.content).sort()).toEqual(["amd64", "arm64"]);
		expect(all.files.size).toBe(2);
	});

	it("one bad image is one diagnostic; the others are scanned", async () => {
		const { snapshot, files } = await scan({
			images: [
				image("multi/app:1.0"),
				image("multi/app:no-such-tag"),
				image("multi/app:docker-list"),
				image("corrupt/app:1.0"),
				image("artifact/sbom:1.0"),
			],
			...insecure(),
		});
		expect([...files.values()].map((f) => f.content)).toEqual(["amd64"]);
		const codes = Object.fromEntries(
			(snapshot.diagnostics ?? []).map((d) => [d.path.split("/").slice(1).join("/"), d.errorClass]),
		);
		expect(codes).toEqual({
			"multi/app:no-such-tag": "CONTAINER-1004",
			"multi/app:docker-list": "CONTAINER-1011",
			[`corrupt/app@${(snapshot.diagnostics ?? []).find((d) => d.path.includes("corrupt"))?.path.split("@")[1]}`]:
				"CONTAINER-1007",
			"artifact/sbom:1.0": "CONTAINER-1012",
		});
		expect(JSON.parse(snapshot.cursor ?? "{}").images).toHaveProperty([`${image("multi/app:1.0")}|linux/amd64`]);
	});

	it("fails when every image failed, and says so", async () => {
		const snapshot = await containerSensor.open(
			{ images: [image("multi/app:gone"), image("nothing/here:1")], ...insecure() } as ContainerSensorConfig,
			await runContext(base),
		);
		const error = await rejection(
			(async () => {
				for await (const _ of snapshot.files());
			})(),
		);
		expect(error.code).toBe("CONTAINER-1004");
		expect(error.message).toMatch(/^None of the 2 images could be scanned/);
	});

	it("CONTAINER-1008: over max_image_size_mb, nothing is downloaded", async () => {
		const big = await registry.pushLayer(
			"big/app",
			[{ path: "blob.bin", content: Buffer.from(randomBytes(1_200_000)) }],
			"none",
		);
		await registry.pushImage("big/app", "1.0", [big]);
		const { snapshot, files } = await scan({
			images: [image("big/app:1.0"), image("multi/app:1.0")],
			max_image_size_mb: 1,
			...insecure(),
		});
		expect(files.size).toBe(1);
		expect(snapshot.diagnostics?.[0]?.errorClass).toBe("CONTAINER-1008");
		expect(snapshot.progress?.layersDownloaded).toBe(1);
	});

	it("CONTAINER-1001: nothing listens, or the network policy refuses the address", async () => {
		const unreachable = await containerSensor.open(
			{ images: ["127.0.0.1:9/app:1"], insecure_registries: ["127.0.0.1:9"] } as ContainerSensorConfig,
			await runContext(base),
		);
		expect(unreachable.diagnostics?.[0]?.errorClass).toBe("CONTAINER-1001");
		const refused = await containerSensor.open(
			{ images: [image("multi/app:1.0")], ...insecure() } as ContainerSensorConfig,
			await runContext(base, { settings: { networkPolicy: createNetworkPolicy([]) } }),
		);
		expect(refused.diagnostics?.[0]).toMatchObject({ errorClass: "CONTAINER-1001" });
		expect(refused.diagnostics?.[0]?.message).toMatch(/may not connect/);
	});

	it("incremental: an unchanged image is not pulled again; a retagged one is, and its old location is deleted", async () => {
		const first = await scan({ images: [image("multi/app:1.0")], ...insecure() }, { incremental: true });
		expect(first.snapshot.mode).toBe("full");
		const again = await scan(
			{ images: [image("multi/app:1.0")], ...insecure() },
			{ incremental: true, previousCursor: first.snapshot.cursor },
		);
		expect(again.snapshot.mode).toBe("unchanged");
		expect(again.files.size).toBe(0);
		expect(again.snapshot.progress).toMatchObject({ imagesUnchanged: 1, layersDownloaded: 0 });
		expect(again.snapshot.cursor).toBe(first.snapshot.cursor);

		await registry.pushIndex("multi/app", "1.0", [
			{ manifest: arm64, platform: { os: "linux", architecture: "amd64" } },
		]);
		const changed = await scan(
			{ images: [image("multi/app:1.0")], ...insecure() },
			{ incremental: true, previousCursor: first.snapshot.cursor },
		);
		expect(changed.snapshot.mode).toBe("changed");
		expect([...changed.files.values()].map((f) => f.content)).toEqual(["arm64"]);
		expect(changed.snapshot.deleted).toEqual([`${image("multi/app")}@${amd64.digest}`]);
		await registry.pushIndex("multi/app", "1.0", [
			{ manifest: amd64, platform: { os: "linux", architecture: "amd64" } },
		]);
	});
});

describe("authentication", () => {
	const USERS = { reader: "reader-password-1", outsider: "outsider-password-1" };

	async function seeded(auth: RegistryAuth) {
		const registry = await start(auth);
		const layer = await registry.pushLayer("private/app", [{ path: "etc/secret.pem", content: "private key" }]);
		await registry.pushImage("private/app", "1.0", [layer]);
		return registry;
	}
	const open = async (registry: TestRegistry, extra: Partial<ContainerSensorConfig>) =>
		scan({
			images: [`${registry.host}/private/app:1.0`],
			insecure_registries: [registry.host, ...(registry.tokenHost ? [registry.tokenHost] : [])],
			...extra,
		}).catch((error) => error as Error);
	const contents = (result: Awaited<ReturnType<typeof open>>) =>
		result instanceof Error ? result.message : [...result.files.values()].map((f) => f.content);
	const code = (result: Awaited<ReturnType<typeof open>>) =>
		result instanceof Error ? (result as { code?: string }).code : result.snapshot.diagnostics?.[0]?.errorClass;

	it("htpasswd (Basic): the right password pulls, a wrong or missing one is CONTAINER-1002", async () => {
		const registry = await seeded({ kind: "htpasswd", users: USERS });
		expect(contents(await open(registry, { username: "reader", password: USERS.reader }))).toEqual(["private key"]);
		expect(code(await open(registry, { username: "reader", password: "wrong" }))).toBe("CONTAINER-1002");
		expect(code(await open(registry, {}))).toBe("CONTAINER-1002");
	});

	it("token auth: credentials at the realm, one token per repository, a denied user is CONTAINER-1003", async () => {
		const registry = await seeded({ kind: "token", users: USERS, denied: ["outsider"] });
		registry.tokenRequests.length = 0;
		expect(contents(await open(registry, { username: "reader", password: USERS.reader }))).toEqual(["private key"]);
		expect(registry.tokenRequests).toEqual([{ user: "reader", scope: "repository:private/app:pull" }]);
		expect(code(await open(registry, { username: "reader", password: "wrong" }))).toBe("CONTAINER-1002");
		expect(code(await open(registry, {}))).toBe("CONTAINER-1002");
		expect(code(await open(registry, { username: "outsider", password: USERS.outsider }))).toBe("CONTAINER-1003");
		const token = await registry.pullToken("private/app", "reader", USERS.reader);
		expect(contents(await open(registry, { token }))).toEqual(["private key"]);
		expect(code(await open(registry, { token: "not.a.token" }))).toBe("CONTAINER-1002");
	});

	it("token auth, anonymous pull: no credentials needed", async () => {
		const registry = await seeded({ kind: "token", users: USERS, anonymousPull: true });
		expect(contents(await open(registry, {}))).toEqual(["private key"]);
		expect(registry.tokenRequests.some((request) => request.user === null)).toBe(true);
		expect(registry.tokenRequests.some((request) => request.user === REGISTRY_PUSHER.username)).toBe(true);
	});
});

describe("cross-check: an image built with umoci and pushed with skopeo", () => {
	it("sees the files umoci's rootfs has, and not the one it deleted (a real whiteout)", async () => {
		const registry = await start();
		const work = join(base, "umoci");
		mkdirSync(work, { recursive: true });
		const layout = join(work, "layout");
		const bundle = join(work, "bundle");
		const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: "pipe", cwd: work });
		run("umoci", ["init", "--layout", layout]);
		run("umoci", ["new", "--image", `${layout}:t`]);
		run("umoci", ["unpack", "--rootless", "--image", `${layout}:t`, bundle]);
		mkdirSync(join(bundle, "rootfs/etc/ssl"), { recursive: true });
		writeFileSync(join(bundle, "rootfs/etc/ssl/server.pem"), "server key");
		writeFileSync(join(bundle, "rootfs/etc/ssl/removed.pem"), "removed key");
		run("umoci", ["repack", "--image", `${layout}:t`, bundle]);
		rmSync(join(bundle, "rootfs/etc/ssl/removed.pem"));
		writeFileSync(join(bundle, "rootfs/etc/ssl/server.pem"), "rotated key");
		run("umoci", ["repack", "--image", `${layout}:t`, bundle]);
		run("skopeo", [
			"--insecure-policy",
			"copy",
			"--dest-tls-verify=false",
			`oci:${layout}:t`,
			`docker://${registry.host}/umoci/app:t`,
		]);
		const { files, snapshot } = await scan({
			images: [`${registry.host}/umoci/app:t`],
			insecure_registries: [registry.host],
		});
		expect(snapshot.diagnostics).toEqual([]);
		expect(pathsOf(files)).toEqual(["/etc/ssl/server.pem"]);
		expect([...files.values()][0]?.content).toBe("rotated key");
	});
});

describe("a tar naming one path twice, nested indices", () => {
	let registry: TestRegistry;
	const insecure = () => ({ insecure_registries: [registry.host] });

	beforeAll(async () => {
		registry = await start();
	});

	it("within one layer the later entry wins, as extraction overwrites", async () => {
		const layer = await registry.pushLayer("dup/app", [
			{ path: "etc/dup.pem", content: "first" },
			{ path: "etc/early-link.pem", type: "link", linkname: "etc/dup.pem" },
			{ path: "etc/dup.pem", content: "second" },
			{ path: "etc/late-link.pem", type: "link", linkname: "etc/dup.pem" },
			{ path: "srv/dir/child.pem", content: "under a directory the layer replaces" },
			{ path: "srv/dir", content: "now a file" },
			{ path: "opt/file-then-dir.pem", content: "a file the layer replaces" },
			{ path: "opt/file-then-dir.pem" },
		]);
		await registry.pushImage("dup/app", "1", [layer]);
		const { files, snapshot } = await scan({ images: [`${registry.host}/dup/app:1`], ...insecure() });
		expect(snapshot.diagnostics).toEqual([]);
		const contents = Object.fromEntries(
			[...files].map(([key, seen]) => [key.slice(key.indexOf("!") + 1), seen.content]),
		);
		expect(contents).toEqual({
			"/etc/dup.pem": "second",
			"/etc/early-link.pem": "first",
			"/etc/late-link.pem": "second",
			"/srv/dir": "now a file",
		});
	});

	it("follows an index entry that is itself an index, and no deeper than the bound", async () => {
		const arch = async (name: string) =>
			registry.pushImage(
				"nested/app",
				name,
				[await registry.pushLayer("nested/app", [{ path: "arch", content: name }])],
				{
					platform: { os: "linux", architecture: name },
				},
			);
		const [amd64, arm64, s390x] = [await arch("amd64"), await arch("arm64"), await arch("s390x")];
		const inner = await registry.pushIndex("nested/app", "inner", [
			{ manifest: arm64 as Descriptor, platform: { os: "linux", architecture: "arm64" } },
			{ manifest: s390x as Descriptor, platform: { os: "linux", architecture: "s390x" } },
		]);
		await registry.pushIndex("nested/app", "1", [
			{ manifest: amd64 as Descriptor, platform: { os: "linux", architecture: "amd64" } },
			{ manifest: inner },
		]);
		const all = await scan({ images: [`${registry.host}/nested/app:1`], all_platforms: true, ...insecure() });
		expect(all.snapshot.diagnostics).toEqual([]);
		expect([...all.files.values()].map((f) => f.content).sort()).toEqual(["amd64", "arm64", "s390x"]);
		const one = await scan({ images: [`${registry.host}/nested/app:1`], platform: "linux/s390x", ...insecure() });
		expect([...one.files.values()].map((f) => f.content)).toEqual(["s390x"]);

		let deepest = inner;
		for (let level = 0; level < 4; level += 1) {
			deepest = await registry.pushIndex("nested/app", `deep-${level}`, [{ manifest: deepest }]);
		}
		const deep = await scan({
			images: [`${registry.host}/nested/app:1`, `${registry.host}/nested/app:deep-3`],
			all_platforms: true,
			...insecure(),
		});
		expect(deep.snapshot.diagnostics?.map((d) => [d.path.split("/").pop(), d.errorClass])).toEqual([
			["app:deep-3", "CONTAINER-1012"],
		]);
		expect(deep.snapshot.diagnostics?.[0]?.message).toMatch(/nested more than 4 deep/);
	});
});

describe("what a real registry will not do by itself, through a proxy in front of it", () => {
	let registry: TestRegistry;
	let proxy: RegistryProxy;
	const image = () => `${proxy.host}/limited/app:1`;
	const insecure = () => ({ insecure_registries: [proxy.host, proxy.blobHost] });

	beforeAll(async () => {
		registry = await start();
		proxy = await RegistryProxy.start(registry.host);
		proxies.push(proxy);
		const layer = await registry.pushLayer("limited/app", [{ path: "etc/key.pem", content: "limited key" }]);
		await registry.pushImage("limited/app", "1", [layer]);
	});

	it("429 with Retry-After: waits as told, then the scan goes on", async () => {
		proxy.requests.length = 0;
		proxy.rateLimit(/\/manifests\//, 1, "1");
		const { files, snapshot } = await scan({ images: [image()], ...insecure() });
		expect(snapshot.diagnostics).toEqual([]);
		expect([...files.values()].map((f) => f.content)).toEqual(["limited key"]);
		const manifests = proxy.requests.filter((r) => r.path.includes("/manifests/"));
		expect(manifests[0]?.status).toBe(429);
		expect(manifests[1]?.status).toBe(200);
		expect((manifests[1]?.at ?? 0) - (manifests[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
	});

	it("429 on every attempt: CONTAINER-1006 after the retries", async () => {
		proxy.requests.length = 0;
		// As many 429s as the client makes attempts: the limit is used up when the test ends.
		proxy.rateLimit(/\/blobs\//, 4);
		const snapshot = await containerSensor.open(
			{ images: [image()], ...insecure() } as ContainerSensorConfig,
			await runContext(base, { settings: { registryMaxRetryWaitMs: 20 } }),
		);
		const error = await rejection(
			(async () => {
				for await (const _ of snapshot.files());
			})(),
		);
		expect(error.code).toBe("CONTAINER-1006");
		expect(snapshot.diagnostics?.[0]?.message).toMatch(/kept answering 429/);
		expect(proxy.requests.filter((r) => r.path.includes("/blobs/")).map((r) => r.status)).toEqual([429, 429, 429, 429]);
	});

	it("a blob redirected to another origin is fetched there without Authorization", async () => {
		proxy.requests.length = 0;
		proxy.redirectBlobs(true);
		try {
			const { files, snapshot } = await scan({ images: [image()], token: "registry-token", ...insecure() });
			expect(snapshot.diagnostics).toEqual([]);
			expect([...files.values()].map((f) => f.content)).toEqual(["limited key"]);
		} finally {
			proxy.redirectBlobs(false);
		}
		const blobs = proxy.requests.filter((r) => r.path.includes("/blobs/"));
		expect(blobs.map((r) => [r.via, r.status, r.authorized])).toEqual([
			["registry", 307, true],
			["blobs", 200, false],
		]);
	});
});

describe("layer cache: entry lists and scanned files of unchanged layers are reused", () => {
	let registry: TestRegistry;
	let proxy: RegistryProxy;
	let layers: PushedLayer[];
	let changed: PushedLayer;
	const insecure = () => ({ insecure_registries: [proxy.host] });

	beforeAll(async () => {
		registry = await start();
		proxy = await RegistryProxy.start(registry.host);
		proxies.push(proxy);
		layers = [
			await registry.pushLayer("cached/app", [
				{ path: "etc/ssl/base.pem", content: "base key" },
				{ path: "etc/ssl/removed-later.pem", content: "removed by the changed layer" },
				{ path: "etc/ssl/over-limit.bin", content: Buffer.alloc(2 * 1024 * 1024, 1) },
			]),
			await registry.pushLayer("cached/app", [{ path: "usr/lib/one.pem", content: "layer one" }], "zstd"),
			await registry.pushLayer("cached/app", [{ path: "opt/app/config.pem", content: "app config v1" }]),
			await registry.pushLayer("cached/app", [
				{ path: "usr/lib/.wh.one.pem", content: "" },
				{ path: "srv/three.pem", content: "layer three" },
				{ path: "srv/link.pem", type: "link", linkname: "srv/three.pem" },
			]),
			await registry.pushLayer("cached/app", [{ path: "etc/ssl/replaced.pem", content: "top" }], "none"),
		];
		await registry.pushImage("cached/app", "1", layers);
		changed = await registry.pushLayer("cached/app", [
			{ path: "opt/app/config.pem", content: "app config v2" },
			{ path: "etc/ssl/.wh.removed-later.pem", content: "" },
		]);
		await registry.pushImage("cached/app", "2", [...layers.slice(0, 2), changed, ...layers.slice(3)]);
	});

	/** Reads the files as the scanner would: those the cache said it has results for are not read, the others are and become "scanned". */
	async function scanCached(reference: string, cache: ReturnType<typeof memoryLayerCache>) {
		const snapshot = await containerSensor.open(
			{ images: [reference], max_file_size_mb: 1, ...insecure() } as ContainerSensorConfig,
			await runContext(base, { layerCache: cache }),
		);
		const files = new Map<string, Seen & { fromCache: boolean }>();
		const known = new Set(cache.scannedFiles);
		for await (const file of snapshot.files()) {
			const key = `${file.layerDigest}\n${file.layerPath}`;
			const fromCache = known.has(key) || file.size > 1024 * 1024;
			const content = fromCache ? "" : (await file.read()).toString();
			cache.scannedFiles.add(key);
			files.set(file.path.slice(file.path.indexOf("!") + 1), { content, layerDigest: file.layerDigest, fromCache });
		}
		return { snapshot, files };
	}

	it("a new tag changing one layer of five downloads only that layer and sees what a cold scan sees", async () => {
		const cache = memoryLayerCache();
		proxy.requests.length = 0;
		const first = await scanCached(`${proxy.host}/cached/app:1`, cache);
		expect(first.snapshot.diagnostics).toEqual([]);
		expect(proxy.blobDownloads().filter((r) => layers.some((l) => r.path.endsWith(l.digest)))).toHaveLength(5);
		expect(cache.saved.size).toBe(5);

		proxy.requests.length = 0;
		const again = await scanCached(`${proxy.host}/cached/app:2`, cache);
		expect(proxy.blobDownloads().map((r) => r.path.split("/").pop())).toEqual([changed.digest]);
		expect(again.snapshot.progress).toMatchObject({ layersDownloaded: 1, layersReused: 4 });

		const cold = await scan({
			images: [`${registry.host}/cached/app:2`],
			max_file_size_mb: 1,
			insecure_registries: [registry.host],
		});
		const coldFiles = new Map([...cold.files].map(([key, seen]) => [key.slice(key.indexOf("!") + 1), seen]));
		expect([...again.files.keys()].sort()).toEqual([...coldFiles.keys()].sort());
		for (const [path, seen] of again.files) {
			expect(seen.layerDigest, path).toBe(coldFiles.get(path)?.layerDigest);
			if (!seen.fromCache) expect(seen.content, path).toBe(coldFiles.get(path)?.content);
		}
		expect([...again.files].filter(([, seen]) => !seen.fromCache).map(([path]) => path)).toEqual([
			"/opt/app/config.pem",
		]);
		expect(again.files.has("/etc/ssl/removed-later.pem")).toBe(false);
		expect(again.files.get("/srv/link.pem")?.layerDigest).toBe(layers[3]?.digest);
	});

	it("a cached layer with a visible file the scanner has no result for is downloaded again", async () => {
		const cache = memoryLayerCache();
		await scanCached(`${proxy.host}/cached/app:1`, cache);
		cache.scannedFiles.delete(`${layers[1]?.digest}\n/usr/lib/one.pem`);
		cache.scannedFiles.delete(`${layers[0]?.digest}\n/etc/ssl/base.pem`);
		proxy.requests.length = 0;
		const again = await scanCached(`${proxy.host}/cached/app:2`, cache);
		// one.pem is whited out above: its layer needs no download; base.pem is visible and needs its layer.
		expect(
			proxy
				.blobDownloads()
				.map((r) => r.path.split("/").pop())
				.sort(),
		).toEqual([changed.digest, layers[0]?.digest].sort());
		expect(again.files.get("/etc/ssl/base.pem")).toMatchObject({ content: "base key", fromCache: false });
	});

	it("an entry list of another shape is not trusted: the layer is read again", async () => {
		const cache = memoryLayerCache();
		await scanCached(`${proxy.host}/cached/app:1`, cache);
		cache.saved.set(layers[4]?.digest as string, { format: 1, entries: [["f", "relative/path", 1]] });
		proxy.requests.length = 0;
		const again = await scanCached(`${proxy.host}/cached/app:1`, cache);
		expect(proxy.blobDownloads().map((r) => r.path.split("/").pop())).toEqual([layers[4]?.digest]);
		expect(again.files.has("/etc/ssl/replaced.pem")).toBe(true);
	});
});
