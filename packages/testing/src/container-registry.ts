import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import bcrypt from "bcryptjs";
import { importPKCS8, SignJWT } from "jose";
import { pack } from "tar-stream";
import { waitForPort } from "./postgres-servers.ts";
import { freePorts } from "./redis-servers.ts";

/** How the registry authenticates pulls: not at all, htpasswd (Basic), or bearer tokens from a token server. */
export type RegistryAuth =
	| { kind: "none" }
	| { kind: "htpasswd"; users: Record<string, string> }
	| {
			kind: "token";
			users: Record<string, string>;
			/** Whether a request without credentials gets a pull token (public repositories). */
			anonymousPull?: boolean;
			/** Users that get a token without any access (the token server's "denied"). */
			denied?: string[];
	  };

/** A user every set-up has, with push rights, for the tests to publish images with. */
export const REGISTRY_PUSHER = { username: "pusher", password: "pusher-secret-1" };

export interface TarEntrySpec {
	path: string;
	content?: string | Buffer;
	type?: "file" | "directory" | "symlink" | "link";
	linkname?: string;
}

export type Compression = "gzip" | "zstd" | "none";

export interface Descriptor {
	mediaType: string;
	digest: string;
	size: number;
}

export interface PushedLayer extends Descriptor {
	/** sha256 of the uncompressed tar (the config's diff_id). */
	diffId: string;
}

export const MEDIA = {
	ociIndex: "application/vnd.oci.image.index.v1+json",
	ociManifest: "application/vnd.oci.image.manifest.v1+json",
	ociConfig: "application/vnd.oci.image.config.v1+json",
	dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
	dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
	dockerConfig: "application/vnd.docker.container.image.v1+json",
	dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

const sha256 = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** A tar archive of the entries, in order (whiteouts are plain files named `.wh.*`). */
export async function tarOf(entries: TarEntrySpec[]): Promise<Buffer> {
	const archive = pack();
	const chunks: Buffer[] = [];
	archive.on("data", (chunk) => {
		chunks.push(chunk as Buffer);
	});
	const done = new Promise<void>((resolve) => archive.on("end", () => resolve()));
	for (const entry of entries) {
		const type = entry.type ?? (entry.content === undefined ? "directory" : "file");
		const header = { name: entry.path, type, mode: type === "directory" ? 0o755 : 0o644, mtime: new Date(0) };
		if (type === "file") archive.entry(header, Buffer.from(entry.content ?? ""));
		else archive.entry({ ...header, ...(entry.linkname ? { linkname: entry.linkname } : {}) });
	}
	archive.finalize();
	await done;
	return Buffer.concat(chunks);
}

export function compress(tar: Buffer, compression: Compression): Buffer {
	if (compression === "gzip") return gzipSync(tar);
	if (compression === "zstd") return execFileSync("zstd", ["-q", "-c", "-3"], { input: tar, maxBuffer: 2 ** 31 });
	return tar;
}

/**
 * Debian's `docker-registry` (the distribution registry v2.8) on a loopback port with a private
 * storage directory, in one of three auth set-ups. With token auth a small token server on another
 * port signs ES256 JWTs with a self-signed certificate the registry trusts (`rootcertbundle`), the
 * key named by `x5c`. Images are pushed over the registry's own API.
 */
export class TestRegistry {
	/** Requests the token server answered: who asked (null: anonymous) and for which scope. */
	readonly tokenRequests: { user: string | null; scope: string | null }[] = [];
	private readonly tokens = new Map<string, { token: string; expires: number }>();

	private constructor(
		readonly host: string,
		readonly dir: string,
		private readonly child: ChildProcess,
		private readonly tokenServer: Server | null,
		private readonly tokenUrl: string | null,
		private readonly logs: () => string,
	) {}

	get url(): string {
		return `http://${this.host}`;
	}

	/** `host:port` of the token server (plain http, so clients must list it as insecure too), or null. */
	get tokenHost(): string | null {
		return this.tokenUrl ? new URL(this.tokenUrl).host : null;
	}

	static async start(auth: RegistryAuth = { kind: "none" }): Promise<TestRegistry> {
		const dir = mkdtempSync(join(tmpdir(), "sensorium-registry-"));
		const [port, tokenPort] = await freePorts(2);
		const lines = [
			"version: 0.1",
			"log:",
			"  level: warn",
			"storage:",
			"  filesystem:",
			`    rootdirectory: ${join(dir, "storage")}`,
			"  delete:",
			"    enabled: true",
			"http:",
			`  addr: 127.0.0.1:${port}`,
			`  secret: ${randomUUID()}`,
		];
		let tokenServer: Server | null = null;
		let tokenUrl: string | null = null;
		let registry: TestRegistry | null = null;
		const users = auth.kind === "none" ? {} : { ...auth.users, [REGISTRY_PUSHER.username]: REGISTRY_PUSHER.password };
		if (auth.kind === "htpasswd") {
			const htpasswd = Object.entries(users)
				.map(([user, password]) => `${user}:${bcrypt.hashSync(password, 5)}`)
				.join("\n");
			writeFileSync(join(dir, "htpasswd"), `${htpasswd}\n`);
			lines.push("auth:", "  htpasswd:", "    realm: sensorium-test", `    path: ${join(dir, "htpasswd")}`);
		}
		if (auth.kind === "token") {
			execFileSync(
				"openssl",
				[
					"req",
					"-x509",
					"-newkey",
					"ec",
					"-pkeyopt",
					"ec_paramgen_curve:prime256v1",
					"-nodes",
					"-keyout",
					join(dir, "token.key"),
					"-out",
					join(dir, "token.crt"),
					"-days",
					"2",
					"-subj",
					"/CN=sensorium test token issuer",
				],
				{ stdio: "ignore" },
			);
			const pkcs8 = execFileSync("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", join(dir, "token.key")]).toString();
			const key = await importPKCS8(pkcs8, "ES256");
			const der = execFileSync("openssl", ["x509", "-in", join(dir, "token.crt"), "-outform", "DER"]);
			tokenUrl = `http://127.0.0.1:${tokenPort}/token`;
			tokenServer = createServer((req, res) => {
				const url = new URL(req.url ?? "/", tokenUrl as string);
				const user = basicUser(req, users);
				const scope = url.searchParams.get("scope");
				registry?.tokenRequests.push({ user: user === undefined ? null : user, scope });
				if (user === null || (user === undefined && !auth.anonymousPull)) {
					res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Basic realm="token"' });
					res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
					return;
				}
				const access = [];
				const parsed = scope ? /^repository:([^:]+):(.+)$/.exec(scope) : null;
				if (parsed && !auth.denied?.includes(user ?? "")) {
					const wanted = (parsed[2] as string).split(",");
					const actions = user === REGISTRY_PUSHER.username ? wanted : wanted.filter((a) => a === "pull");
					access.push({ type: "repository", name: parsed[1], actions });
				}
				const now = Math.floor(Date.now() / 1000);
				new SignJWT({ access })
					.setProtectedHeader({ alg: "ES256", typ: "JWT", x5c: [der.toString("base64")] })
					.setIssuer("sensorium-test-issuer")
					.setSubject(user ?? "")
					.setAudience("sensorium-test-registry")
					.setIssuedAt(now)
					.setNotBefore(now - 5)
					.setExpirationTime(now + 300)
					.setJti(randomUUID())
					.sign(key)
					.then((token) => {
						res.writeHead(200, { "content-type": "application/json" });
						res.end(
							JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
						);
					});
			});
			await new Promise<void>((resolve) => tokenServer?.listen(tokenPort, "127.0.0.1", resolve));
			lines.push(
				"auth:",
				"  token:",
				`    realm: ${tokenUrl}`,
				"    service: sensorium-test-registry",
				"    issuer: sensorium-test-issuer",
				`    rootcertbundle: ${join(dir, "token.crt")}`,
			);
		}
		writeFileSync(join(dir, "config.yml"), `${lines.join("\n")}\n`);
		let output = "";
		const child = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "pipe", "pipe"] });
		child.stdout?.on("data", (chunk: Buffer) => {
			output += chunk.toString();
		});
		child.stderr?.on("data", (chunk: Buffer) => {
			output += chunk.toString();
		});
		try {
			await waitForPort(port as number, 20_000);
		} catch (error) {
			child.kill("SIGKILL");
			throw new Error(`docker-registry did not start: ${output}`, { cause: error });
		}
		registry = new TestRegistry(`127.0.0.1:${port}`, dir, child, tokenServer, tokenUrl, () => output);
		return registry;
	}

	/** What the registry printed, for failing tests. */
	log(): string {
		return this.logs();
	}

	async stop(): Promise<void> {
		this.child.kill("SIGTERM");
		await new Promise((resolve) => {
			if (this.child.exitCode !== null) resolve(undefined);
			else this.child.once("exit", resolve);
		});
		await new Promise((resolve) => (this.tokenServer ? this.tokenServer.close(resolve) : resolve(undefined)));
		rmSync(this.dir, { recursive: true, force: true });
	}

	/** A pull token for `user`, as the token server issues it (for the `token` config field). */
	async pullToken(repository: string, user: string, password: string): Promise<string> {
		if (!this.tokenUrl) throw new Error("this registry has no token server");
		const url = `${this.tokenUrl}?service=sensorium-test-registry&scope=repository:${repository}:pull`;
		const res = await fetch(url, { headers: { authorization: basic(user, password) } });
		return ((await res.json()) as { token: string }).token;
	}

	/** Sends a registry request as the pusher: Basic, or a push token for the repository. */
	private async request(repository: string, path: string, init: RequestInit = {}): Promise<Response> {
		const headers = new Headers(init.headers);
		if (this.tokenUrl) {
			const cached = this.tokens.get(repository);
			let token = cached && cached.expires > Date.now() ? cached.token : null;
			if (!token) {
				const url = `${this.tokenUrl}?service=sensorium-test-registry&scope=repository:${repository}:pull,push`;
				const res = await fetch(url, {
					headers: { authorization: basic(REGISTRY_PUSHER.username, REGISTRY_PUSHER.password) },
				});
				token = ((await res.json()) as { token: string }).token;
				this.tokens.set(repository, { token, expires: Date.now() + 200_000 });
			}
			headers.set("authorization", `Bearer ${token}`);
		} else {
			headers.set("authorization", basic(REGISTRY_PUSHER.username, REGISTRY_PUSHER.password));
		}
		const target = path.startsWith("http") ? path : `${this.url}${path}`;
		return fetch(target, { ...init, headers });
	}

	async pushBlob(repository: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
		const digest = sha256(bytes);
		const started = await this.request(repository, `/v2/${repository}/blobs/uploads/`, { method: "POST" });
		if (started.status !== 202) throw new Error(`blob upload refused: ${started.status} ${await started.text()}`);
		const location = new URL(started.headers.get("location") ?? "", this.url);
		location.searchParams.set("digest", digest);
		const put = await this.request(repository, location.href, {
			method: "PUT",
			headers: { "content-type": "application/octet-stream" },
			body: new Uint8Array(bytes),
		});
		if (put.status !== 201) throw new Error(`blob upload failed: ${put.status} ${await put.text()}`);
		return { digest, size: bytes.length };
	}

	async pushLayer(repository: string, entries: TarEntrySpec[], compression: Compression = "gzip", mediaType?: string) {
		const tar = await tarOf(entries);
		const blob = compress(tar, compression);
		const { digest, size } = await this.pushBlob(repository, blob);
		const type =
			mediaType ??
			(compression === "gzip"
				? "application/vnd.oci.image.layer.v1.tar+gzip"
				: compression === "zstd"
					? "application/vnd.oci.image.layer.v1.tar+zstd"
					: "application/vnd.oci.image.layer.v1.tar");
		return { mediaType: type, digest, size, diffId: sha256(tar) } satisfies PushedLayer;
	}

	async pushManifest(repository: string, reference: string, manifest: object, mediaType: string): Promise<Descriptor> {
		const body = Buffer.from(JSON.stringify(manifest));
		const res = await this.request(repository, `/v2/${repository}/manifests/${reference}`, {
			method: "PUT",
			headers: { "content-type": mediaType },
			body: new Uint8Array(body),
		});
		if (res.status !== 201) throw new Error(`manifest refused: ${res.status} ${await res.text()}`);
		return { mediaType, digest: sha256(body), size: body.length };
	}

	/** An image manifest over the layers (bottom first), OCI or Docker schema 2, with its config blob. */
	async pushImage(
		repository: string,
		reference: string,
		layers: PushedLayer[],
		options: { format?: "oci" | "docker"; platform?: { os: string; architecture: string; variant?: string } } = {},
	): Promise<Descriptor> {
		const docker = options.format === "docker";
		const platform = options.platform ?? { os: "linux", architecture: "amd64" };
		const config = Buffer.from(
			JSON.stringify({ ...platform, rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) }, config: {} }),
		);
		const configBlob = await this.pushBlob(repository, config);
		const mediaType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
		return this.pushManifest(
			repository,
			reference,
			{
				schemaVersion: 2,
				mediaType,
				config: { mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig, ...configBlob },
				layers: layers.map(({ mediaType: type, digest, size }) => ({
					mediaType: docker && type.includes("gzip") ? MEDIA.dockerLayer : type,
					digest,
					size,
				})),
			},
			mediaType,
		);
	}

	/** An index (OCI) or manifest list (Docker) naming `entries`; `attestation` entries look like BuildKit's. */
	async pushIndex(
		repository: string,
		reference: string,
		entries: {
			manifest: Descriptor;
			/** Absent for an entry that is itself an index. */
			platform?: { os: string; architecture: string; variant?: string };
			attestationFor?: string;
		}[],
		format: "oci" | "docker" = "oci",
	): Promise<Descriptor> {
		const mediaType = format === "docker" ? MEDIA.dockerList : MEDIA.ociIndex;
		return this.pushManifest(
			repository,
			reference,
			{
				schemaVersion: 2,
				mediaType,
				manifests: entries.map((entry) => ({
					...entry.manifest,
					...(entry.platform ? { platform: entry.platform } : {}),
					...(entry.attestationFor
						? {
								annotations: {
									"vnd.docker.reference.type": "attestation-manifest",
									"vnd.docker.reference.digest": entry.attestationFor,
								},
							}
						: {}),
				})),
			},
			mediaType,
		);
	}

	/** Overwrites a stored blob's bytes in the registry's storage, as disk corruption would. */
	corruptBlob(digest: string, bytes: Buffer): void {
		const hex = digest.slice("sha256:".length);
		const file = join(this.dir, "storage/docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
		readFileSync(file);
		writeFileSync(file, bytes);
	}
}

function basic(user: string, password: string): string {
	return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

/** The Basic user of the request: undefined without credentials, null when they are wrong. */
function basicUser(req: IncomingMessage, users: Record<string, string>): string | null | undefined {
	const header = req.headers.authorization;
	if (!header) return undefined;
	const match = /^Basic (.+)$/.exec(header);
	if (!match) return null;
	const decoded = Buffer.from(match[1] as string, "base64").toString();
	const colon = decoded.indexOf(":");
	const user = decoded.slice(0, colon);
	return colon > 0 && users[user] === decoded.slice(colon + 1) ? user : null;
}
