import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import picomatch from "picomatch";
import type { GitSensorConfig } from "../config-schemas.ts";
import { gitSensor } from "../git/git-sensor.ts";
import {
	SensorError,
	type SensorRunContext,
	type SensorSnapshot,
	type SourceDiagnostic,
	type SourceFile,
} from "../sensor.ts";
import type { OrgApiClient } from "./org-api-client.ts";

export const DEFAULT_REPOSITORY_CONCURRENCY = 2;

/** One repository of an organisation, group or workspace, as the host's API listed it. */
export interface OrgRepository {
	/** `owner/name` (GitLab: the full path); the prefix of its findings' locations. */
	fullName: string;
	/** The https clone URL, without credentials. */
	cloneUrl: string;
	defaultBranch?: string | undefined;
	/**
	 * The commit `branch` (undefined: the default branch) points at now, asked of the host's API, so an
	 * unchanged repository is not cloned at all; null when the API cannot tell (then it is cloned and compared).
	 */
	head?: ((branch: string | undefined) => Promise<string | null>) | undefined;
}

/** What the organisation sensors share of their configuration. */
export interface OrgScanConfig {
	token?: string | undefined;
	username?: string | undefined;
	password?: string | undefined;
	branch?: string | undefined;
	include_paths?: string[] | undefined;
	exclude_paths?: string[] | undefined;
	scan_archives?: boolean | undefined;
	max_file_size_mb?: number | undefined;
	include_repositories?: string[] | undefined;
	exclude_repositories?: string[] | undefined;
	max_repositories?: number | undefined;
}

/** The include/exclude globs on full names, then the cap, in full-name order. */
export function selectRepositories<R extends OrgRepository>(
	repositories: readonly R[],
	options: { include?: string[] | undefined; exclude?: string[] | undefined; max?: number | undefined },
): R[] {
	const include = options.include?.length ? picomatch(options.include, { dot: true }) : null;
	const exclude = options.exclude?.length ? picomatch(options.exclude, { dot: true }) : null;
	const selected = repositories
		.filter((repository) => (include === null || include(repository.fullName)) && !exclude?.(repository.fullName))
		.sort((a, b) => (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
	return options.max ? selected.slice(0, options.max) : selected;
}

/**
 * What the three organisation sensors' open() share: list the repositories with the host's client
 * (closed when listing fails), say in the user's words what a 404 on the listing means, apply the
 * repository globs and cap, and scan what is selected.
 */
export async function openOrganization(
	client: OrgApiClient,
	config: OrgScanConfig,
	context: SensorRunContext,
	host: {
		/** Every repository the listing returned that is not filtered out as a fork, archived or empty. */
		list(): Promise<OrgRepository[]>;
		/** The message of a 404 on the listing: no such organisation, group, workspace or project. */
		notFound: string;
		/** The username git sends with the token. */
		gitUsername: string;
	},
): Promise<SensorSnapshot> {
	let listed: OrgRepository[];
	try {
		listed = await host.list();
	} catch (error) {
		await client.close();
		if (error instanceof SensorError && error.code === client.codes.notFound) {
			throw new SensorError(client.codes.notFound, host.notFound);
		}
		throw error;
	}
	const repositories = selectRepositories(listed, {
		include: config.include_repositories,
		exclude: config.exclude_repositories,
		max: config.max_repositories,
	});
	return scanRepositories(repositories, config, context, {
		gitUsername: host.gitUsername,
		unreachableCode: client.codes.unreachable,
		release: () => client.close(),
	});
}

/** The commit each repository was last scanned at, by full name. */
type Cursor = Record<string, string>;

function decodeCursor(text: string | null): Cursor | null {
	if (!text) return null;
	try {
		const parsed = JSON.parse(text) as { repositories?: unknown };
		if (parsed.repositories && typeof parsed.repositories === "object") return parsed.repositories as Cursor;
	} catch {
		return null;
	}
	return null;
}

type OrgProgress = { repositoriesListed: number; repositoriesScanned: number; repositoriesRemaining: number };

interface RepositoryScan {
	repository: OrgRepository;
	workDir: string;
	/** The repository's snapshot, or its diagnostic when it could not be cloned. */
	outcome: Promise<SensorSnapshot | SourceDiagnostic>;
}

function diagnosticOf(repository: OrgRepository, error: unknown): SourceDiagnostic {
	const known = error instanceof SensorError;
	return {
		path: repository.fullName,
		stage: "read",
		errorClass: known ? error.code : error instanceof Error ? error.name : "Error",
		message: known ? error.message : "The repository could not be cloned.",
	};
}

/**
 * What one repository contributed to an execution, recorded as its checkpoint so a later attempt of the
 * same execution that finds the same scope resumes it instead of cloning it again.
 */
interface RepositoryRecord {
	/** The sensor settings that decide what is read; a resumed attempt must read with the same. */
	scope: string;
	branch: string | null;
	/** The commit it was compared with (from the previous execution's cursor), null when read in full. */
	before: string | null;
	/** Its entry in the next cursor; absent when it has none. */
	commit?: string;
	/** Its paths for the snapshot's `deleted`. */
	deleted: string[];
	diagnostic?: SourceDiagnostic;
	/** Nothing of it changed since `before`. */
	unchanged: boolean;
}

function decodeRecord(text: string): RepositoryRecord | null {
	try {
		const parsed = JSON.parse(text) as Partial<RepositoryRecord>;
		return typeof parsed.scope === "string" && Array.isArray(parsed.deleted) ? (parsed as RepositoryRecord) : null;
	} catch {
		return null;
	}
}

/**
 * Every listed repository, each cloned and read by the GIT Sensor with its own previous commit, so
 * its clone hardening, credentials handling and incremental diff apply; up to
 * ORG_SENSOR_REPOSITORY_CONCURRENCY clones run ahead of the scanner and each is removed once its
 * files were read. Files' paths are `fullName:path`. Each finished repository is checkpointed: an
 * attempt of the same execution that takes over (after a shutdown or a dead worker) resumes the
 * repositories finished before instead of cloning them again.
 */
export function scanRepositories(
	repositories: readonly OrgRepository[],
	config: OrgScanConfig,
	context: SensorRunContext,
	options: {
		gitUsername: string;
		unreachableCode: string;
		/** Called once files() is done with the host's API (after the last head lookup). */
		release?: () => Promise<void>;
	},
): SensorSnapshot {
	const previous = context.incremental ? decodeCursor(context.previousCursor) : null;
	const checkpoint = context.checkpoint;
	const cursor: Cursor = {};
	const deleted: string[] = [];
	const diagnostics: SourceDiagnostic[] = [];
	const progress: OrgProgress = {
		repositoriesListed: repositories.length,
		repositoriesScanned: 0,
		repositoriesRemaining: repositories.length,
	};
	let finished = false;
	let everyUnchanged = true;
	if (previous) {
		const listed = new Set(repositories.map((repository) => repository.fullName));
		// A repository gone from the organisation is not re-read: its findings resolve after the interval.
		for (const name of Object.keys(previous)) if (!listed.has(name)) deleted.push(`${name}:`);
	}
	const concurrency = Math.max(1, context.settings.orgRepositoryConcurrency ?? DEFAULT_REPOSITORY_CONCURRENCY);
	const scope = JSON.stringify([
		config.include_paths ?? null,
		config.exclude_paths ?? null,
		config.scan_archives ?? null,
		config.max_file_size_mb ?? null,
	]);
	const branchOf = (repository: OrgRepository) => config.branch ?? repository.defaultBranch;

	const count = (name: string, record: RepositoryRecord) => {
		if (record.commit) cursor[name] = record.commit;
		deleted.push(...record.deleted);
		if (record.diagnostic) diagnostics.push(record.diagnostic);
		else progress.repositoriesScanned += 1;
		progress.repositoriesRemaining -= 1;
		everyUnchanged &&= record.unchanged && !record.diagnostic;
	};

	// What earlier attempts of this execution finished with the same scope and previous commit is not read again.
	const resumed = new Set<string>();
	for (const repository of repositories) {
		const name = repository.fullName;
		const saved = checkpoint?.completed.get(name);
		const record = saved === undefined ? null : decodeRecord(saved);
		if (
			!checkpoint ||
			!record ||
			record.scope !== scope ||
			record.branch !== (branchOf(repository) ?? null) ||
			record.before !== (previous?.[name] ?? null)
		) {
			continue;
		}
		checkpoint.resume(name);
		count(name, record);
		resumed.add(name);
	}
	const pending = repositories.filter((repository) => !resumed.has(repository.fullName));

	/** The head the API reports, or null when there is nothing to compare with or the API cannot tell. */
	const currentHead = async (
		repository: OrgRepository,
		before: string | null,
		branch: string | undefined,
	): Promise<string | null> => {
		if (before === null || !repository.head) return null;
		try {
			return await repository.head(branch);
		} catch {
			if (context.signal.aborted) throw context.signal.reason;
			return null;
		}
	};

	const start = (index: number): RepositoryScan => {
		const repository = pending[index] as OrgRepository;
		const workDir = join(context.workDir, `repository-${index}`);
		const gitConfig: GitSensorConfig = {
			url: repository.cloneUrl,
			include_paths: config.include_paths,
			exclude_paths: config.exclude_paths,
			scan_archives: config.scan_archives,
			max_file_size_mb: config.max_file_size_mb,
		};
		if (config.token) Object.assign(gitConfig, { username: options.gitUsername, token: config.token });
		else if (config.username && config.password) {
			Object.assign(gitConfig, { username: config.username, password: config.password });
		}
		const branch = branchOf(repository);
		if (branch) gitConfig.branch = branch;
		const before = previous?.[repository.fullName] ?? null;
		const unchanged: SensorSnapshot = { cursor: before, mode: "unchanged", deleted: [], files: async function* () {} };
		const outcome = currentHead(repository, before, branch)
			.then(async (head) => {
				if (before !== null && head === before) return unchanged;
				await mkdir(workDir);
				return gitSensor.open(gitConfig, { ...context, workDir, previousCursor: before, incremental: before !== null });
			})
			.catch((error: unknown) => {
				if (context.signal.aborted) throw context.signal.reason;
				return diagnosticOf(repository, error);
			});
		outcome.catch(() => {});
		return { repository, workDir, outcome };
	};

	async function* files(): AsyncGenerator<SourceFile> {
		const inFlight: RepositoryScan[] = [];
		let next = 0;
		try {
			while (next < pending.length || inFlight.length > 0) {
				while (next < pending.length && inFlight.length < concurrency) inFlight.push(start(next++));
				const { repository, workDir, outcome } = inFlight.shift() as RepositoryScan;
				const name = repository.fullName;
				const before = previous?.[name] ?? null;
				const result = await outcome;
				const record: RepositoryRecord = {
					scope,
					branch: branchOf(repository) ?? null,
					before,
					deleted: [],
					unchanged: false,
				};
				if (!("files" in result)) {
					record.diagnostic = result;
					// A repository that failed this time keeps its old commit and its findings.
					if (before) record.commit = before;
				} else {
					if (result.cursor) record.commit = result.cursor;
					record.unchanged = result.mode === "unchanged";
					// Re-read from scratch (new, or its old commit is gone): its old findings go unless seen again.
					if (before && result.mode === "full") record.deleted.push(`${name}:`);
					for (const path of result.deleted) record.deleted.push(`${name}:${path}`);
					for await (const file of result.files()) {
						yield { path: `${name}:${file.path}`, size: file.size, read: () => file.read() };
					}
					await rm(workDir, { recursive: true, force: true });
				}
				count(name, record);
				await checkpoint?.complete(name, JSON.stringify(record));
			}
			finished = true;
		} finally {
			await Promise.allSettled(inFlight.map((scan) => scan.outcome));
			await options.release?.();
		}
		if (repositories.length > 0 && diagnostics.length === repositories.length) {
			const first = diagnostics[0] as SourceDiagnostic;
			throw new SensorError(
				first.errorClass.startsWith("GIT-") ? first.errorClass : options.unreachableCode,
				`None of the ${repositories.length} repositories could be cloned; the first: ${first.path}: ${first.message}`,
			);
		}
	}

	return {
		get cursor() {
			return JSON.stringify({ repositories: cursor });
		},
		// Known once files() is done: an incremental run in which no repository changed says so.
		get mode() {
			if (!previous) return "full";
			return finished && everyUnchanged && deleted.length === 0 ? "unchanged" : "changed";
		},
		deleted,
		diagnostics,
		progress,
		files,
		checkpointed: checkpoint !== undefined,
		...(repositories.length === 0 ? { notice: "No repository matched the filters." } : {}),
	};
}
