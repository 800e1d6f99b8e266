import type { BitbucketSensorConfig } from "../config-schemas.ts";
import { type Headers, OrgApiClient, orgErrorCodes, tooManyRequestsWaitMs } from "../org/org-api-client.ts";
import { type OrgRepository, openOrganization } from "../org/org-scan.ts";
import type { Sensor, SensorRunContext } from "../sensor.ts";

export const BITBUCKET_ERRORS = orgErrorCodes("BITBUCKET");
export const DEFAULT_BITBUCKET_CLOUD_API = "https://api.bitbucket.org/2.0";
/** Bitbucket's username for access tokens over git's HTTP. */
const TOKEN_USERNAME = "x-token-auth";

/** How long Bitbucket's 429 asks to wait: Retry-After, else 2 s doubling. */
export function bitbucketRateLimitWaitMs(
	status: number,
	headers: Headers,
	attempt: number,
	now = Date.now(),
): number | null {
	return tooManyRequestsWaitMs(status, headers, attempt, now);
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
		return client.stringAt<DataCenterBranch>(
			client.url(`${repository}/branches/default`),
			what,
			(found) => found.latestCommit,
		);
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
					head: async (branch) =>
						branch === undefined
							? null
							: client.stringAt<{ target?: { hash?: unknown } }>(
									client.url(
										`/repositories/${fullName.split("/").map(encodeURIComponent).join("/")}/refs/branches/${encodeURIComponent(branch)}`,
									),
									`reading the head of ${fullName}`,
									(found) => found.target?.hash,
								),
				});
			}
		}
	}
	return listed;
}

export const bitbucketSensor: Sensor<BitbucketSensorConfig> = {
	sensorType: "Bitbucket Sensor",
	async open(config, context) {
		const dataCenter = config.project_key !== undefined;
		const client = clientFor(config, context, dataCenter);
		const owner = dataCenter ? `project "${config.project_key}"` : `workspace "${config.workspace}"`;
		return openOrganization(client, config, context, {
			list: () => listRepositories(client, config),
			notFound: `Bitbucket has no ${owner} the credentials can see.`,
			gitUsername: config.username ?? TOKEN_USERNAME,
		});
	},
};
