import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import picomatch from "picomatch";
import type { GitHubSensorConfig, GitSensorConfig } from "../config-schemas.ts";
import { gitSensor } from "../git/git-sensor.ts";
import { type Sensor, SensorError, type SensorSnapshot, type SourceDiagnostic, type SourceFile } from "../sensor.ts";
import { GITHUB_ERRORS, GitHubClient } from "./github-client.ts";

export const DEFAULT_GITHUB_API = "https://api.github.com";
export const DEFAULT_REPOSITORY_CONCURRENCY = 2;

/** The fields of GitHub's repository object the sensor reads. */
export interface GitHubRepository {
	full_name: string;
	clone_url: string;
	default_branch?: string;
	fork: boolean;
	archived: boolean;
	/** KiB; 0 for a repository without commits. */
	size: number;
}

/** The commit each repository was last scanned at, by `owner/name`. */
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

export async function listRepositories(client: GitHubClient, config: GitHubSensorConfig): Promise<GitHubRepository[]> {
	const owner = config.organization ?? config.user ?? "";
	const path = config.organization
		? `/orgs/${encodeURIComponent(owner)}/repos?per_page=100&type=all`
		: `/users/${encodeURIComponent(owner)}/repos?per_page=100&type=owner`;
	const what = config.organization
		? `listing the repositories of organization ${owner}`
		: `listing the repositories of user ${owner}`;
	const include = config.include_repositories?.length ? picomatch(config.include_repositories, { dot: true }) : null;
	const exclude = config.exclude_repositories?.length ? picomatch(config.exclude_repositories, { dot: true }) : null;
	const selected: GitHubRepository[] = [];
	try {
		for await (const page of client.paginate<GitHubRepository>(path, what)) {
			for (const repository of page) {
				if (repository.fork && !config.include_forks) continue;
				if (repository.archived && !config.include_archived) continue;
				if (repository.size === 0) continue;
				if (include && !include(repository.full_name)) continue;
				if (exclude?.(repository.full_name)) continue;
				selected.push(repository);
			}
		}
	} catch (error) {
		if (error instanceof SensorError && error.code === GITHUB_ERRORS.notFound) {
			throw new SensorError(
				GITHUB_ERRORS.notFound,
				`GitHub has no ${config.organization ? "organization" : "user"} "${owner}" the token can see.`,
			);
		}
		throw error;
	}
	selected.sort((a, b) => a.full_name.localeCompare(b.full_name));
	return config.max_repositories ? selected.slice(0, config.max_repositories) : selected;
}

interface RepositoryScan {
	repository: GitHubRepository;
	workDir: string;
	/** The repository's snapshot, or its diagnostic when it could not be cloned. */
	outcome: Promise<SensorSnapshot | SourceDiagnostic>;
}

function diagnosticOf(repository: GitHubRepository, error: unknown): SourceDiagnostic {
	const known = error instanceof SensorError;
	return {
		path: repository.full_name,
		stage: "read",
		errorClass: known ? error.code : error instanceof Error ? error.name : "Error",
		message: known ? error.message : "The repository could not be cloned.",
	};
}

/**
 * Every selected repository, each cloned and read by the GIT Sensor with its own previous commit, so
 * its clone hardening, credentials handling and incremental diff apply; up to `concurrency` clones run
 * ahead of the scanner and each is removed once its files were read.
 */
export const githubSensor: Sensor<GitHubSensorConfig> = {
	sensorType: "GitHub Sensor",
	async open(config, context) {
		const base = new URL(config.url ?? DEFAULT_GITHUB_API);
		const client = new GitHubClient(base, config.token, context.settings.networkPolicy, context.signal);
		let repositories: GitHubRepository[];
		try {
			repositories = await listRepositories(client, config);
		} finally {
			await client.close();
		}
		const previous = context.incremental ? decodeCursor(context.previousCursor) : null;
		const cursor: Cursor = {};
		const deleted: string[] = [];
		const diagnostics: SourceDiagnostic[] = [];
		const progress: OrgProgress = {
			repositoriesListed: repositories.length,
			repositoriesScanned: 0,
			repositoriesRemaining: repositories.length,
		};
		if (previous) {
			const listed = new Set(repositories.map((repository) => repository.full_name));
			// A repository gone from the organisation is not re-read: its findings resolve after the interval.
			for (const name of Object.keys(previous)) if (!listed.has(name)) deleted.push(`${name}:`);
		}
		const concurrency = Math.max(1, context.settings.orgRepositoryConcurrency ?? DEFAULT_REPOSITORY_CONCURRENCY);

		const start = (index: number): RepositoryScan => {
			const repository = repositories[index] as GitHubRepository;
			const workDir = join(context.workDir, `repository-${index}`);
			const gitConfig: GitSensorConfig = {
				url: repository.clone_url,
				token: config.token,
				include_paths: config.include_paths,
				exclude_paths: config.exclude_paths,
				scan_archives: config.scan_archives,
				max_file_size_mb: config.max_file_size_mb,
			};
			const branch = config.branch ?? repository.default_branch;
			if (branch) gitConfig.branch = branch;
			const before = previous?.[repository.full_name] ?? null;
			const outcome = mkdir(workDir)
				.then(() =>
					gitSensor.open(gitConfig, { ...context, workDir, previousCursor: before, incremental: before !== null }),
				)
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
				while (next < repositories.length || inFlight.length > 0) {
					while (next < repositories.length && inFlight.length < concurrency) inFlight.push(start(next++));
					const { repository, workDir, outcome } = inFlight.shift() as RepositoryScan;
					const name = repository.full_name;
					const result = await outcome;
					progress.repositoriesRemaining -= 1;
					if (!("files" in result)) {
						diagnostics.push(result);
						// A repository that failed this time keeps its old commit and its findings.
						const before = previous?.[name];
						if (before) cursor[name] = before;
						continue;
					}
					if (result.cursor) cursor[name] = result.cursor;
					// Re-read from scratch (new, or its old commit is gone): its old findings go unless seen again.
					if (previous?.[name] && result.mode === "full") deleted.push(`${name}:`);
					for (const path of result.deleted) deleted.push(`${name}:${path}`);
					for await (const file of result.files()) {
						yield { path: `${name}:${file.path}`, size: file.size, read: () => file.read() };
					}
					progress.repositoriesScanned += 1;
					await rm(workDir, { recursive: true, force: true });
				}
			} finally {
				await Promise.allSettled(inFlight.map((scan) => scan.outcome));
			}
			if (repositories.length > 0 && diagnostics.length === repositories.length) {
				const first = diagnostics[0] as SourceDiagnostic;
				throw new SensorError(
					first.errorClass.startsWith("GIT-") ? first.errorClass : GITHUB_ERRORS.unreachable,
					`None of the ${repositories.length} repositories could be cloned; the first: ${first.path}: ${first.message}`,
				);
			}
		}

		return {
			get cursor() {
				return JSON.stringify({ repositories: cursor });
			},
			mode: previous ? "changed" : "full",
			deleted,
			diagnostics,
			progress,
			files,
			...(repositories.length === 0 ? { notice: "No repository matched the filters." } : {}),
		};
	},
};
