import type { GitHubSensorConfig } from "../config-schemas.ts";
import type { OrgApiClient } from "../org/org-api-client.ts";
import { type OrgRepository, scanRepositories, selectRepositories } from "../org/org-scan.ts";
import { type Sensor, SensorError } from "../sensor.ts";
import { GITHUB_ERRORS, githubClient } from "./github-client.ts";

export const DEFAULT_GITHUB_API = "https://api.github.com";
/** GitHub's username for tokens over git's HTTP. */
const TOKEN_USERNAME = "x-access-token";

/** The fields of GitHub's repository object the sensor reads. */
interface GitHubRepository {
	full_name: string;
	clone_url: string;
	default_branch?: string;
	fork: boolean;
	archived: boolean;
	/** KiB; 0 for a repository without commits. */
	size: number;
}

async function listRepositories(client: OrgApiClient, config: GitHubSensorConfig): Promise<OrgRepository[]> {
	const owner = config.organization ?? config.user ?? "";
	const kind = config.organization ? "organization" : "user";
	const path = config.organization
		? `/orgs/${encodeURIComponent(owner)}/repos?per_page=100&type=all`
		: `/users/${encodeURIComponent(owner)}/repos?per_page=100&type=owner`;
	const listed: OrgRepository[] = [];
	try {
		for await (const page of client.paginate<GitHubRepository>(
			client.url(path),
			`listing the repositories of ${kind} ${owner}`,
		)) {
			for (const repository of page) {
				if (repository.fork && !config.include_forks) continue;
				if (repository.archived && !config.include_archived) continue;
				if (repository.size === 0) continue;
				const fullName = repository.full_name;
				listed.push({
					fullName,
					cloneUrl: repository.clone_url,
					defaultBranch: repository.default_branch,
					head: async (branch) => {
						if (branch === undefined) return null;
						const path = `/repos/${fullName.split("/").map(encodeURIComponent).join("/")}/commits/${encodeURIComponent(branch)}`;
						const commit = await client.json<{ sha?: unknown }>(client.url(path), `reading the head of ${fullName}`);
						return typeof commit.sha === "string" ? commit.sha : null;
					},
				});
			}
		}
	} catch (error) {
		if (error instanceof SensorError && error.code === GITHUB_ERRORS.notFound) {
			throw new SensorError(GITHUB_ERRORS.notFound, `GitHub has no ${kind} "${owner}" the token can see.`);
		}
		throw error;
	}
	return selectRepositories(listed, {
		include: config.include_repositories,
		exclude: config.exclude_repositories,
		max: config.max_repositories,
	});
}

export const githubSensor: Sensor<GitHubSensorConfig> = {
	sensorType: "GitHub Sensor",
	async open(config, context) {
		const client = githubClient(
			new URL(config.url ?? DEFAULT_GITHUB_API),
			config.token,
			context.settings.networkPolicy,
			context.signal,
			context.settings.orgApiTimeoutMs,
		);
		let repositories: OrgRepository[];
		try {
			repositories = await listRepositories(client, config);
		} catch (error) {
			await client.close();
			throw error;
		}
		return scanRepositories(repositories, config, context, {
			gitUsername: TOKEN_USERNAME,
			unreachableCode: GITHUB_ERRORS.unreachable,
			release: () => client.close(),
		});
	},
};
