import type { GitLabSensorConfig } from "../config-schemas.ts";
import { type Headers, header, nextLink, OrgApiClient, orgErrorCodes, retryAfterMs } from "../org/org-api-client.ts";
import { type OrgRepository, scanRepositories, selectRepositories } from "../org/org-scan.ts";
import { type Sensor, SensorError, type SensorRunContext } from "../sensor.ts";

export const GITLAB_ERRORS = orgErrorCodes("GITLAB");
export const DEFAULT_GITLAB_URL = "https://gitlab.com";
/** GitLab accepts any username with a personal, group or project access token; `oauth2` is its documented one. */
const TOKEN_USERNAME = "oauth2";
/** A 429 without Retry-After or RateLimit-Reset: 2 s, then doubling. */
const BACKOFF_BASE_MS = 2_000;

/** How long GitLab's 429 asks to wait: Retry-After, else RateLimit-Reset, else a doubling backoff. */
export function gitlabRateLimitWaitMs(
	status: number,
	headers: Headers,
	attempt: number,
	now = Date.now(),
): number | null {
	if (status !== 429) return null;
	const retryAfter = retryAfterMs(headers, now);
	if (retryAfter !== null) return retryAfter;
	const reset = Number(header(headers, "ratelimit-reset"));
	if (header(headers, "ratelimit-reset") !== undefined && Number.isFinite(reset)) {
		return Math.max(reset * 1000 - now, 0) + 1000;
	}
	return BACKOFF_BASE_MS * 2 ** attempt;
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
	try {
		for await (const page of client.paginate<GitLabProject>(first, `listing the projects of group ${group}`)) {
			for (const project of page) {
				if (project.archived && !config.include_archived) continue;
				if (project.empty_repo) continue;
				const fullName = project.path_with_namespace;
				listed.push({
					fullName,
					cloneUrl: project.http_url_to_repo,
					defaultBranch: project.default_branch ?? undefined,
					head: async (branch) => {
						if (branch === undefined) return null;
						const path = `/api/v4/projects/${project.id}/repository/branches/${encodeURIComponent(branch)}`;
						const found = await client.json<{ commit?: { id?: unknown } }>(
							client.url(path),
							`reading the head of ${fullName}`,
						);
						return typeof found.commit?.id === "string" ? found.commit.id : null;
					},
				});
			}
		}
	} catch (error) {
		if (error instanceof SensorError && error.code === GITLAB_ERRORS.notFound) {
			throw new SensorError(GITLAB_ERRORS.notFound, `GitLab has no group "${group}" the token can see.`);
		}
		throw error;
	}
	return selectRepositories(listed, {
		include: config.include_repositories,
		exclude: config.exclude_repositories,
		max: config.max_repositories,
	});
}

export const gitlabSensor: Sensor<GitLabSensorConfig> = {
	sensorType: "GitLab Sensor",
	async open(config, context) {
		const base = new URL(config.url ?? DEFAULT_GITLAB_URL);
		const client = gitlabClient(base, config.token, context);
		let repositories: OrgRepository[];
		try {
			repositories = await listProjects(client, config);
		} catch (error) {
			await client.close();
			throw error;
		}
		return scanRepositories(repositories, config, context, {
			gitUsername: TOKEN_USERNAME,
			unreachableCode: GITLAB_ERRORS.unreachable,
			release: () => client.close(),
		});
	},
};
