import type { GitHubSensorConfig } from "../config-schemas.ts";
import type { OrgApiClient } from "../org/org-api-client.ts";
import { type OrgRepository, openOrganization } from "../org/org-scan.ts";
import type { Sensor } from "../sensor.ts";
import { githubClient } from "./github-client.ts";

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
				head: async (branch) =>
					branch === undefined
						? null
						: client.stringAt<{ sha?: unknown }>(
								client.url(
									`/repos/${fullName.split("/").map(encodeURIComponent).join("/")}/commits/${encodeURIComponent(branch)}`,
								),
								`reading the head of ${fullName}`,
								(commit) => commit.sha,
							),
			});
		}
	}
	return listed;
}

export const githubSensor: Sensor<GitHubSensorConfig> = {
	sensorType: "GitHub Sensor",
	async open(config, context) {
		const client = githubClient(new URL(config.url ?? DEFAULT_GITHUB_API), config.token, context);
		const kind = config.organization ? "organization" : "user";
		return openOrganization(client, config, context, {
			list: () => listRepositories(client, config),
			notFound: `GitHub has no ${kind} "${config.organization ?? config.user}" the token can see.`,
			gitUsername: TOKEN_USERNAME,
		});
	},
};
