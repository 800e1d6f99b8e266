import picomatch from "picomatch";
import { z } from "zod";
import type { ArtifactorySensorConfig } from "../config-schemas.ts";
import type { FileFilter } from "../filters.ts";
import { SensorError } from "../sensor.ts";
import { type ArtifactoryClient, readText } from "./artifactory-client.ts";
import { ARTIFACTORY_ERRORS } from "./artifactory-errors.ts";

/** Rows per AQL page. JFrog filters permissions after the limit, so a page may be short and more may follow. */
export const AQL_PAGE_SIZE = 1000;

/** A repository list or an AQL page of 1,000 rows is far smaller; anything larger is not Artifactory. */
const JSON_LIMIT = 64 * 1024 * 1024;

/** One file in a repository, as AQL lists it. */
export interface Artifact {
	/** `repo/path/name`: the location findings carry and the key of the incremental cursor. */
	key: string;
	repo: string;
	/** Path inside the repository (`dir/sub/name`), which include_paths/exclude_paths match. */
	path: string;
	size: number;
	sha256: string | null;
	sha1: string | null;
}

/** JFrog documents several numeric fields as strings in places; accept both. */
const count = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);
const hex = (length: number) =>
	z
		.string()
		.nullish()
		.transform((v) => (v && new RegExp(`^[0-9a-fA-F]{${length}}$`).test(v) ? v.toLowerCase() : null));

const aqlItem = z.object({
	repo: z.string().min(1),
	path: z.string(),
	name: z.string().min(1),
	size: count,
	sha256: hex(64),
	actual_sha1: hex(40),
});

const aqlPage = z.object({
	results: z.array(z.unknown()),
	range: z.object({ notification: z.string().optional() }).loose().optional(),
});

const repositoryList = z.array(
	z.object({ key: z.string().min(1), type: z.string(), packageType: z.string().optional() }).loose(),
);

async function json(client: ArtifactoryClient, path: string, what: string, body?: string): Promise<unknown> {
	const response = await client.send(
		client.url(path),
		body === undefined
			? { what }
			: { what, method: "POST", body, contentType: "text/plain", badRequestCode: ARTIFACTORY_ERRORS.aqlRejected },
	);
	const text = await readText(response.body, JSON_LIMIT);
	try {
		if (text === null) throw new Error("too large");
		return JSON.parse(text);
	} catch {
		throw new SensorError(
			ARTIFACTORY_ERRORS.unreachable,
			`Artifactory answered ${what} with something that is not a JSON document of at most 64 MiB.`,
		);
	}
}

export async function ping(client: ArtifactoryClient): Promise<void> {
	const notArtifactory = new SensorError(
		ARTIFACTORY_ERRORS.unreachable,
		// Not naming the URL: messages are redacted of every config value, the URL included.
		`The server at ${client.base.host} did not answer the ping as Artifactory does: check that url is the base ending in /artifactory.`,
	);
	let body: string;
	try {
		const response = await client.send(client.url("api/system/ping"), { what: "the ping (api/system/ping)" });
		body = ((await readText(response.body, 1024)) ?? "").trim();
	} catch (error) {
		if (error instanceof SensorError && error.code === ARTIFACTORY_ERRORS.notFound) throw notArtifactory;
		throw error;
	}
	if (body !== "OK") throw notArtifactory;
}

function isLiteral(pattern: string): boolean {
	return !picomatch.scan(pattern).isGlob;
}

/** The repository keys to list: the configured types and package types, then the include/exclude globs. */
export async function selectRepositories(
	client: ArtifactoryClient,
	config: ArtifactorySensorConfig,
): Promise<string[]> {
	const parsed = repositoryList.safeParse(await json(client, "api/repositories", "listing repositories"));
	if (!parsed.success) {
		throw new SensorError(ARTIFACTORY_ERRORS.unreachable, "Artifactory's repository list has an unexpected shape.");
	}
	const all = parsed.data;
	const include = config.repositories_include ?? ["*"];
	const known = new Set(all.map((repo) => repo.key));
	const missing = include.filter((pattern) => isLiteral(pattern) && !known.has(pattern));
	if (missing.length > 0) {
		throw new SensorError(
			ARTIFACTORY_ERRORS.notFound,
			`Repository ${missing.map((key) => `"${key}"`).join(", ")} does not exist, or the credentials cannot see it.`,
		);
	}
	// Remote repositories are never listed: that would pull from the internet. Scan them via a virtual one.
	const types = new Set(config.repository_types ?? ["local"]);
	const packageTypes = config.package_types ? new Set(config.package_types.map((t) => t.toLowerCase())) : null;
	const included = picomatch(include);
	const excluded = config.repositories_exclude?.length ? picomatch(config.repositories_exclude) : () => false;
	return all
		.filter((repo) => types.has(repo.type.toLowerCase() as "local"))
		.filter((repo) => packageTypes === null || packageTypes.has((repo.packageType ?? "").toLowerCase()))
		.filter((repo) => included(repo.key) && !excluded(repo.key))
		.map((repo) => repo.key)
		.sort();
}

export function aqlQuery(repo: string, offset: number): string {
	return (
		`items.find({"repo":${JSON.stringify(repo)},"type":"file"})` +
		`.include("repo","path","name","size","sha256","actual_sha1","modified")` +
		`.sort({"$asc":["path","name"]}).offset(${offset}).limit(${AQL_PAGE_SIZE})`
	);
}

function toArtifact(item: z.infer<typeof aqlItem>): Artifact {
	const path =
		item.path === "." || item.path === "" ? item.name : `${item.path.replace(/^\/+|\/+$/g, "")}/${item.name}`;
	return {
		key: `${item.repo}/${path}`,
		repo: item.repo,
		path,
		size: item.size,
		sha256: item.sha256,
		sha1: item.actual_sha1,
	};
}

/**
 * Every file of `repo` the credentials may read, by AQL pages until one comes back empty (never
 * stopping at a short page). A trimmed result fails the scan rather than passing for the inventory.
 */
export async function* listRepository(client: ArtifactoryClient, repo: string): AsyncGenerator<Artifact> {
	const seen = new Set<string>();
	for (let offset = 0; ; offset += AQL_PAGE_SIZE) {
		client.signal.throwIfAborted();
		const what = `the AQL search of repository "${repo}"`;
		const page = aqlPage.safeParse(await json(client, "api/search/aql", what, aqlQuery(repo, offset)));
		if (!page.success) {
			throw new SensorError(ARTIFACTORY_ERRORS.aqlRejected, `Artifactory answered ${what} with an unexpected shape.`);
		}
		if (page.data.range?.notification) {
			throw new SensorError(
				ARTIFACTORY_ERRORS.aqlRejected,
				`Artifactory trimmed ${what} ("${page.data.range.notification.slice(0, 200)}"); the scan stops rather than report a partial inventory. Narrow it with repositories_include.`,
			);
		}
		if (page.data.results.length === 0) return;
		const before = seen.size;
		for (const raw of page.data.results) {
			const item = aqlItem.safeParse(raw);
			if (!item.success) {
				throw new SensorError(ARTIFACTORY_ERRORS.aqlRejected, `An item of ${what} has an unexpected shape.`);
			}
			const artifact = toArtifact(item.data);
			seen.add(artifact.key);
			yield artifact;
		}
		// A server that ignores the offset would otherwise be paged until the execution's time limit.
		if (seen.size === before) {
			throw new SensorError(
				ARTIFACTORY_ERRORS.aqlRejected,
				`Artifactory repeated a page of ${what}: it ignores the AQL offset.`,
			);
		}
	}
}

/** Every artifact in scope across the repositories, once each (virtual repositories repeat their members'). */
export async function listArtifacts(
	client: ArtifactoryClient,
	repositories: readonly string[],
	filter: FileFilter,
): Promise<Map<string, Artifact>> {
	const artifacts = new Map<string, Artifact>();
	for (const repo of repositories) {
		for await (const artifact of listRepository(client, repo)) {
			if (artifact.size <= filter.maxBytes && filter.matchesPath(artifact.path)) artifacts.set(artifact.key, artifact);
		}
	}
	return artifacts;
}
