import { execFileSync } from "node:child_process";
import { mkdtemp, realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createNetworkPolicy } from "@sensorium/network-policy";
import {
	type ExecutionCheckpoint,
	type LayerCache,
	SensorError,
	type SensorRunContext,
	type SensorSettings,
	type SensorSnapshot,
	type SshHostKeyStore,
} from "../src/index.ts";

export async function makeTempDir(prefix: string): Promise<string> {
	// Real path, because the sensors report real paths and tmpdir() may be a symlink (macOS).
	return realpath(await mkdtemp(join(tmpdir(), `sensorium-${prefix}-`)));
}

export const TEST_SETTINGS: SensorSettings = {
	allowGitFileUrls: true,
	filesystemRoots: [],
	gitTimeoutMs: 20_000,
	artifactoryDownloadConcurrency: 4,
	networkPolicy: createNetworkPolicy(["127.0.0.0/8", "::1/128"]),
};

/** A host key store kept in memory, standing in for the worker's Postgres table; `pinned` shows what it holds. */
export function memoryHostKeys(initial: string | null = null): SshHostKeyStore & { pinned: string | null } {
	const store = {
		pinned: initial,
		load: async () => store.pinned,
		async pin(knownHosts: string) {
			store.pinned ??= knownHosts;
		},
	};
	return store;
}

/**
 * A layer cache kept in memory, standing in for the worker's Postgres tables: `scannedFiles` holds
 * `digest\npath` of the files the "scanner" has results for (tests add them as they consume files).
 */
export function memoryLayerCache(): LayerCache & { saved: Map<string, unknown>; scannedFiles: Set<string> } {
	const saved = new Map<string, unknown>();
	const scannedFiles = new Set<string>();
	return {
		saved,
		scannedFiles,
		async entries(digests) {
			return new Map(digests.filter((d) => saved.has(d)).map((d) => [d, structuredClone(saved.get(d))]));
		},
		async saveEntries(digest, entries) {
			saved.set(digest, structuredClone(entries));
		},
		async scanned(digest, paths) {
			return new Set(paths.filter((path) => scannedFiles.has(`${digest}\n${path}`)));
		},
	};
}

/** A fresh workDir per open, as the worker gives one per execution. */
export async function runContext(
	base: string,
	options: {
		settings?: Partial<SensorSettings>;
		previousCursor?: string | null;
		incremental?: boolean;
		signal?: AbortSignal;
		orgId?: string;
		sshHostKeys?: SshHostKeyStore;
		layerCache?: LayerCache;
		checkpoint?: ExecutionCheckpoint;
	} = {},
): Promise<SensorRunContext> {
	return {
		workDir: await mkdtemp(join(base, "work-")),
		signal: options.signal ?? new AbortController().signal,
		previousCursor: options.previousCursor ?? null,
		incremental: options.incremental ?? options.previousCursor !== undefined,
		settings: { ...TEST_SETTINGS, ...options.settings },
		orgId: options.orgId ?? "org-test",
		sshHostKeys: options.sshHostKeys ?? memoryHostKeys(),
		...(options.layerCache ? { layerCache: options.layerCache } : {}),
		...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
	};
}

/**
 * Checkpoints kept in memory, standing in for the scanner's (which also keeps what each unit's files
 * gave): `completed` is what an earlier attempt recorded, `recorded` what this one did, in order.
 */
export function memoryCheckpoint(
	completed: ReadonlyMap<string, string> = new Map(),
	onComplete: (unit: string) => void = () => {},
): ExecutionCheckpoint & { recorded: Map<string, string>; resumed: string[] } {
	const recorded = new Map<string, string>();
	const resumed: string[] = [];
	return {
		completed,
		recorded,
		resumed,
		async complete(unit, state) {
			recorded.set(unit, state);
			onComplete(unit);
		},
		resume(unit) {
			resumed.push(unit);
			recorded.set(unit, completed.get(unit) as string);
		},
	};
}

export interface CollectedFile {
	size: number;
	content: Buffer;
}

export async function collect(snapshot: SensorSnapshot): Promise<Map<string, CollectedFile>> {
	const files = new Map<string, CollectedFile>();
	for await (const file of snapshot.files()) files.set(file.path, { size: file.size, content: await file.read() });
	return files;
}

export async function rejection(promise: Promise<unknown>): Promise<SensorError> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof SensorError) return error;
		throw error;
	}
	throw new Error("expected the sensor to fail");
}

/** A scratch repository driven by the real git, isolated from the user's and the system's config. */
export class TestRepo {
	readonly url: string;

	constructor(
		readonly dir: string,
		private readonly home: string,
	) {
		this.url = pathToFileURL(dir).href;
	}

	static async create(base: string, name = "origin"): Promise<TestRepo> {
		const repo = new TestRepo(join(base, name), base);
		execFileSync("git", ["init", "--quiet", "-b", "main", repo.dir], { env: repo.env(), stdio: "pipe" });
		return repo;
	}

	env(): NodeJS.ProcessEnv {
		return {
			PATH: process.env.PATH,
			HOME: this.home,
			GIT_CONFIG_NOSYSTEM: "1",
			GIT_AUTHOR_NAME: "Test",
			GIT_AUTHOR_EMAIL: "test@example.com",
			GIT_COMMITTER_NAME: "Test",
			GIT_COMMITTER_EMAIL: "test@example.com",
		};
	}

	git(...args: string[]): string {
		return execFileSync("git", ["-C", this.dir, ...args], { env: this.env(), encoding: "utf8", stdio: "pipe" }).trim();
	}

	commitAll(message: string): string {
		this.git("add", "--all");
		this.git("commit", "--quiet", "--allow-empty", "-m", message);
		return this.head();
	}

	head(): string {
		return this.git("rev-parse", "HEAD");
	}
}
