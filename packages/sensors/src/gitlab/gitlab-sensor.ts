import type { GitLabSensorConfig } from "../config-schemas.ts";
import {
	type Headers,
	header,
	nextLink,
	OrgApiClient,
	orgErrorCodes,
	tooManyRequestsWaitMs,
} from "../org/org-api-client.ts";
import { type OrgRepository, openOrganization } from "../org/org-scan.ts";
import type { Sensor, SensorRunContext } from "../sensor.ts";

export const GITLAB_ERRORS = orgErrorCodes("GITLAB");
export const DEFAULT_GITLAB_URL = "https://gitlab.com";
/** GitLab accepts any username with a personal, group or project access token; `oauth2` is its documented one. */
const TOKEN_USERNAME = "oauth2";

/** How long GitLab's 429 asks to wait: Retry-After, else RateLimit-Reset, else 2 s doubling. */
export function gitlabRateLimitWaitMs(
	status: number,
	headers: Headers,
	attempt: number,
	now = Date.now(),
): number | null {
	return tooManyRequestsWaitMs(status, headers, attempt, now, "ratelimit-reset");
}

/**
 * The next page: `Link: rel="next"` when GitLab sends it, else `x-next-page`. Neither depends on
 * `x-total`/`x-total-pages`, which GitLab omits above 10,000 records.
 */
export function gitlabNextPage(headers: Headers, current: URL): URL | null {
	const link = nextLink(header(headers, "link"));
	if (link !== null) return new URL(link, current);
	const page = header(headers, "x-next-page")?.trim();
	if (!page || !/^[0-9]+$/.test(page)) return null;
	const next = new URL(current);
	next.searchParams.set("page", page);
	return next;
}

function gitlabClient(base: URL, token: string, context: SensorRunContext): OrgApiClient {
	return new OrgApiClient(
		base,
		{
			label: "GitLab",
			codes: GITLAB_ERRORS,
			headers: { accept: "application/json", "private-token": token },
			nextPage: gitlabNextPage,
			rateLimitWaitMs: (status, headers, attempt) => gitlabRateLimitWaitMs(status, headers, attempt),
			forbiddenHint: "The token lacks the read_api and read_repository scopes, or the Reporter role on the group.",
		},
		context.settings.networkPolicy,
		context.signal,
		context.settings.orgApiTimeoutMs,
	);
}

/** The fields of GitLab's project object the sensor reads. */
interface GitLabProject {
	id: number;
	path_with_namespace: string;
	http_url_to_repo: string;
	default_branch?: string | null;
	archived?: boolean;
	empty_repo?: boolean;
}

async function listProjects(client: OrgApiClient, config: GitLabSensorConfig): Promise<OrgRepository[]> {
	const group = String(config.group);
	const first = client.url(`/api/v4/groups/${encodeURIComponent(group)}/projects`);
	const query = first.searchParams;
	query.set("per_page", "100");
	query.set("include_subgroups", String(config.include_subgroups ?? true));
	query.set("with_shared", String(config.include_shared ?? false));
	if (!config.include_archived) query.set("archived", "false");
	query.set("order_by", "id");
	query.set("sort", "asc");
	const listed: OrgRepository[] = [];
	for await (const page of client.paginate<GitLabProject>(first, `listing the projects of group ${group}`)) {
		for (const project of page) {
			if (project.archived && !config.include_archived) continue;
			if (project.empty_repo) continue;
			const fullName = project.path_with_namespace;
			listed.push({
				fullName,
				cloneUrl: project.http_url_to_repo,
				defaultBranch: project.default_branch ?? undefined,
				head: async (branch) =>
					branch === undefined
						? null
						: client.stringAt<{ commit?: { id?: unknown } }>(
								client.url(`/api/v4/projects/${project.id}/repository/branches/${encodeURIComponent(branch)}`),
								`reading the head of ${fullName}`,
								(found) => found.commit?.id,
							),
			});
		}
	}
	return listed;
}

export const gitlabSensor: Sensor<GitLabSensorConfig> = {
	sensorType: "GitLab Sensor",
	async open(config, context) {
		const client = gitlabClient(new URL(config.url ?? DEFAULT_GITLAB_URL), config.token, context);
		return openOrganization(client, config, context, {
			list: () => listProjects(client, config),
			notFound: `GitLab has no group "${config.group}" the token can see.`,
			gitUsername: TOKEN_USERNAME,
		});
	},
};
