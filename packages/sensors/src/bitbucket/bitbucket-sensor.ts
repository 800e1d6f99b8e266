import type { BitbucketSensorConfig } from "../config-schemas.ts";
import { type Headers, OrgApiClient, orgErrorCodes, retryAfterMs } from "../org/org-api-client.ts";
import { type OrgRepository, scanRepositories, selectRepositories } from "../org/org-scan.ts";
import { type Sensor, SensorError, type SensorRunContext } from "../sensor.ts";

export const BITBUCKET_ERRORS = orgErrorCodes("BITBUCKET");
export const DEFAULT_BITBUCKET_CLOUD_API = "https://api.bitbucket.org/2.0";
/** Bitbucket's username for access tokens over git's HTTP. */
const TOKEN_USERNAME = "x-token-auth";
/** A 429 without Retry-After: 2 s, then doubling. */
const BACKOFF_BASE_MS = 2_000;

export function bitbucketRateLimitWaitMs(
	status: number,
	headers: Headers,
	attempt: number,
	now = Date.now(),
): number | null {
	if (status !== 429) return null;
	return retryAfterMs(headers, now) ?? BACKOFF_BASE_MS * 2 ** attempt;
}

interface CloudPage {
	values?: CloudRepository[];
	next?: string;
}
interface CloudRepository {
	full_name: string;
	mainbranch?: { name?: string } | null;
	links?: { clone?: { name?: string; href?: string }[] };
}
interface DataCenterPage {
	values?: DataCenterRepository[];
	isLastPage?: boolean;
	nextPageStart?: number;
}
interface DataCenterRepository {
	slug: string;
	project?: { key?: string };
	links?: { clone?: { name?: string; href?: string }[] };
}

/** The https (Cloud) or http (Data Center) clone link, without the username Bitbucket puts in it. */
function cloneUrlOf(links: { name?: string; href?: string }[] | undefined): string | null {
	const href = links?.find((link) => link.name === "https" || link.name === "http")?.href;
	if (!href) return null;
	const url = new URL(href);
	url.username = "";
	url.password = "";
	return url.href;
}

function clientFor(config: BitbucketSensorConfig, context: SensorRunContext, dataCenter: boolean): OrgApiClient {
	const authorization = config.token
		? `Bearer ${config.token}`
		: `Basic ${Buffer.from(`${config.username}:${config.password}`).toString("base64")}`;
	return new OrgApiClient(
		new URL(config.url ?? DEFAULT_BITBUCKET_CLOUD_API),
		{
			label: dataCenter ? "Bitbucket Data Center" : "Bitbucket",
			codes: BITBUCKET_ERRORS,
			headers: { accept: "application/json", authorization },
			items: (body) => (body as { values?: unknown }).values,
			nextPage: (_headers, current, body) => {
				if (dataCenter) {
					const page = body as DataCenterPage;
					if (page.isLastPage !== false || typeof page.nextPageStart !== "number") return null;
					const next = new URL(current);
					next.searchParams.set("start", String(page.nextPageStart));
					return next;
				}
				const next = (body as CloudPage).next;
				return typeof next === "string" ? new URL(next, current) : null;
			},
			rateLimitWaitMs: (status, headers, attempt) => bitbucketRateLimitWaitMs(status, headers, attempt),
			forbiddenHint: dataCenter
				? "The token or user lacks read permission on the project."
				: "The token or app password lacks the repository:read scope.",
		},
		context.settings.networkPolicy,
		context.signal,
		context.settings.orgApiTimeoutMs,
	);
}

interface DataCenterBranch {
	/** `refs/heads/<name>`. */
	id?: string;
	displayId?: string;
	latestCommit?: string;
}

/**
 * A Data Center branch's head from the REST API: `branches/default` for the default branch (the
 * repository listing does not name it), else the branch list filtered by name, which matches
 * substrings and so is searched for the exact ref.
 */
async function dataCenterHead(
	client: OrgApiClient,
	key: string,
	slug: string,
	branch: string | undefined,
): Promise<string | null> {
	const repository = `/rest/api/1.0/projects/${encodeURIComponent(key)}/repos/${encodeURIComponent(slug)}`;
	const what = `reading the head of ${key}/${slug}`;
	if (branch === undefined) {
		const found = await client.json<DataCenterBranch>(client.url(`${repository}/branches/default`), what);
		return typeof found.latestCommit === "string" ? found.latestCommit : null;
	}
	const query = `${repository}/branches?filterText=${encodeURIComponent(branch)}&limit=100`;
	for await (const page of client.paginate<DataCenterBranch>(client.url(query), what)) {
		const found = page.find((candidate) => candidate.id === `refs/heads/${branch}`);
		if (found) return typeof found.latestCommit === "string" ? found.latestCommit : null;
	}
	return null;
}

async function listRepositories(client: OrgApiClient, config: BitbucketSensorConfig): Promise<OrgRepository[]> {
	const listed: OrgRepository[] = [];
	const dataCenter = config.project_key !== undefined;
	const owner = (config.project_key ?? config.workspace) as string;
	const first = dataCenter
		? client.url(`/rest/api/1.0/projects/${encodeURIComponent(owner)}/repos?limit=100`)
		: client.url(`/repositories/${encodeURIComponent(owner)}?pagelen=100`);
	const what = dataCenter
		? `listing the repositories of project ${owner}`
		: `listing the repositories of workspace ${owner}`;
	try {
		if (dataCenter) {
			for await (const page of client.paginate<DataCenterRepository>(first, what)) {
				for (const repository of page) {
					const cloneUrl = cloneUrlOf(repository.links?.clone);
					const key = repository.project?.key ?? owner;
					if (cloneUrl) {
						listed.push({
							fullName: `${key}/${repository.slug}`,
							cloneUrl,
							head: (branch) => dataCenterHead(client, key, repository.slug, branch),
						});
					}
				}
			}
		} else {
			for await (const page of client.paginate<CloudRepository>(first, what)) {
				for (const repository of page) {
					const cloneUrl = cloneUrlOf(repository.links?.clone);
					// Bitbucket Cloud has no main branch for a repository without commits.
					if (!cloneUrl || !repository.mainbranch?.name) continue;
					const fullName = repository.full_name;
					listed.push({
						fullName,
						cloneUrl,
						defaultBranch: repository.mainbranch.name,
						head: async (branch) => {
							if (branch === undefined) return null;
							const path = `/repositories/${fullName.split("/").map(encodeURIComponent).join("/")}/refs/branches/${encodeURIComponent(branch)}`;
							const found = await client.json<{ target?: { hash?: unknown } }>(
								client.url(path),
								`reading the head of ${fullName}`,
							);
							return typeof found.target?.hash === "string" ? found.target.hash : null;
						},
					});
				}
			}
		}
	} catch (error) {
		if (error instanceof SensorError && error.code === BITBUCKET_ERRORS.notFound) {
			throw new SensorError(
				BITBUCKET_ERRORS.notFound,
				`Bitbucket has no ${dataCenter ? "project" : "workspace"} "${owner}" the credentials can see.`,
			);
		}
		throw error;
	}
	return selectRepositories(listed, {
		include: config.include_repositories,
		exclude: config.exclude_repositories,
		max: config.max_repositories,
	});
}

export const bitbucketSensor: Sensor<BitbucketSensorConfig> = {
	sensorType: "Bitbucket Sensor",
	async open(config, context) {
		const client = clientFor(config, context, config.project_key !== undefined);
		let repositories: OrgRepository[];
		try {
			repositories = await listRepositories(client, config);
		} catch (error) {
			await client.close();
			throw error;
		}
		return scanRepositories(repositories, config, context, {
			gitUsername: config.username ?? TOKEN_USERNAME,
			unreachableCode: BITBUCKET_ERRORS.unreachable,
			release: () => client.close(),
		});
	},
};
