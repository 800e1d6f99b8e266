import { z } from "zod";
import { parseImageReference } from "./container/container-reference.ts";

export interface SensorConfigOptions {
	/** SENSOR_GIT_ALLOW_FILE_URLS: file:// repositories, for tests and on-premises mirrors. */
	allowGitFileUrls: boolean;
	/** SENSOR_MAX_FILE_SIZE_MB: the largest max_file_size_mb a sensor may ask for (default 100). */
	maxFileSizeMb?: number;
}

export const DEFAULT_SENSOR_MAX_FILE_SIZE_MB = 100;

const globList = z.array(z.string().min(1).max(500)).max(200);

function filters(options: Partial<SensorConfigOptions>) {
	return {
		include_paths: globList.optional(),
		exclude_paths: globList.optional(),
		scan_archives: z.boolean().optional(),
		max_file_size_mb: z
			.number()
			.positive()
			.max(options.maxFileSizeMb ?? DEFAULT_SENSOR_MAX_FILE_SIZE_MB)
			.optional(),
	};
}

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/;

export function isAcceptedGitUrl(url: string, options: SensorConfigOptions): boolean {
	// ssh would read a host or user starting with "-" as an option.
	if (SCP_LIKE.test(url)) return !url.startsWith("-") && !url.includes("@-");
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return false;
	}
	// Credentials belong in username/password/token, where they are stored encrypted.
	if (parsed.password) return false;
	if (parsed.protocol === "https:" || parsed.protocol === "http:") return parsed.hostname !== "" && !parsed.username;
	if (parsed.protocol === "ssh:") {
		return parsed.hostname !== "" && !parsed.hostname.startsWith("-") && !parsed.username.startsWith("-");
	}
	if (parsed.protocol === "file:") return options.allowGitFileUrls && parsed.pathname.length > 1;
	return false;
}

export function gitConfigSchema(options: SensorConfigOptions) {
	return z
		.strictObject({
			url: z
				.string()
				.max(2048)
				.refine((u) => isAcceptedGitUrl(u, options)),
			branch: z
				.string()
				.min(1)
				.max(255)
				.regex(/^[^\s~^:?*[\\]+$/)
				.refine((b) => !b.startsWith("-") && !b.includes(".."))
				.optional(),
			username: z.string().min(1).max(256).optional(),
			password: z.string().min(1).max(4096).optional(),
			token: z.string().min(1).max(4096).optional(),
			/** An unencrypted OpenSSH or PEM private key; the only key ssh offers. Sealed at rest. */
			ssh_private_key: z
				.string()
				.max(16_384)
				.refine((key) => /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\s/.test(key.trim()))
				.optional(),
			/** known_hosts lines for the server; without them the first key seen is pinned for this sensor. */
			ssh_known_hosts: z
				.string()
				.min(1)
				.max(65_536)
				.refine((text) => !text.includes("\0"))
				.optional(),
			...filters(options),
		})
		.refine((c) => !(c.password && c.token), "password and token are mutually exclusive")
		.refine((c) => !c.password || c.username, "password needs a username");
}

export function filesystemConfigSchema(options: Partial<SensorConfigOptions> = {}) {
	return z.strictObject({
		path: z
			.string()
			.min(1)
			.max(4096)
			.refine((p) => p.startsWith("/") && !p.includes("\0")),
		...filters(options),
	});
}

export type GitSensorConfig = z.infer<ReturnType<typeof gitConfigSchema>>;
export type FilesystemSensorConfig = z.infer<ReturnType<typeof filesystemConfigSchema>>;

/** JFrog access, identity and reference tokens are printable ASCII without spaces (JWTs, base64url). */
const JFROG_TOKEN = /^[\x21-\x7e]+$/;
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]+$/u;

/** `https://host[:port]/…/artifactory`, without credentials, query or fragment; a trailing `/` is tolerated. */
export function isAcceptedArtifactoryUrl(url: string): boolean {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return false;
	}
	if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return false;
	if (parsed.username || parsed.password || parsed.search || parsed.hash || url.includes("#")) return false;
	return parsed.hostname !== "" && /\/artifactory\/?$/.test(parsed.pathname);
}

export function artifactoryConfigSchema(options: Partial<SensorConfigOptions> = {}) {
	return z
		.strictObject({
			url: z.string().max(2048).refine(isAcceptedArtifactoryUrl),
			access_token: z.string().max(4096).regex(JFROG_TOKEN).optional(),
			username: z
				.string()
				.min(1)
				.max(256)
				.regex(NO_CONTROL_CHARACTERS)
				.refine((u) => !u.includes(":"))
				.optional(),
			password: z.string().min(1).max(4096).regex(NO_CONTROL_CHARACTERS).optional(),
			repositories_include: globList.min(1).optional(),
			repositories_exclude: globList.optional(),
			repository_types: z
				.array(z.enum(["local", "virtual", "federated"]))
				.min(1)
				.max(3)
				.optional(),
			package_types: z
				.array(
					z
						.string()
						.min(1)
						.max(64)
						.regex(/^[A-Za-z0-9_-]+$/),
				)
				.max(50)
				.optional(),
			...filters(options),
		})
		.refine(
			(c) => (c.access_token !== undefined) !== (c.username !== undefined || c.password !== undefined),
			"exactly one of access_token or username+password",
		)
		.refine((c) => (c.username === undefined) === (c.password === undefined), "username and password go together");
}

export type ArtifactorySensorConfig = z.infer<ReturnType<typeof artifactoryConfigSchema>>;

const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,98})$/;
const repositoryGlobs = z.array(z.string().min(1).max(500)).max(200);
const gitBranch = z
	.string()
	.min(1)
	.max(255)
	.regex(/^[^\s~^:?*[\\]+$/)
	.refine((b) => !b.startsWith("-") && !b.includes(".."));

/** `https://api.github.com` or a GitHub Enterprise Server `https://HOST/api/v3`, without credentials, query or fragment. */
export function isAcceptedApiUrl(url: string): boolean {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return false;
	}
	if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return false;
	if (parsed.username || parsed.password || parsed.search || parsed.hash || url.includes("#")) return false;
	return parsed.hostname !== "";
}

export function githubConfigSchema(options: Partial<SensorConfigOptions> = {}) {
	return z
		.strictObject({
			organization: z.string().regex(GITHUB_LOGIN).optional(),
			user: z.string().regex(GITHUB_LOGIN).optional(),
			token: z
				.string()
				.min(1)
				.max(4096)
				.regex(/^[\x21-\x7e]+$/),
			url: z.string().max(2048).refine(isAcceptedApiUrl).optional(),
			include_repositories: repositoryGlobs.optional(),
			exclude_repositories: repositoryGlobs.optional(),
			include_forks: z.boolean().optional(),
			include_archived: z.boolean().optional(),
			max_repositories: z.number().int().positive().max(100_000).optional(),
			branch: gitBranch.optional(),
			...filters(options),
		})
		.refine((c) => (c.organization === undefined) !== (c.user === undefined), "exactly one of organization or user");
}

export type GitHubSensorConfig = z.infer<ReturnType<typeof githubConfigSchema>>;

/** A numeric group id or a full path (`acme/platform`): GitLab's path characters only, no `..`. */
const GITLAB_GROUP = /^(?:[0-9]+|[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*)$/;

export function gitlabConfigSchema(options: Partial<SensorConfigOptions> = {}) {
	return z.strictObject({
		group: z
			.union([z.number().int().positive(), z.string().max(1024).regex(GITLAB_GROUP)])
			.refine((g) => typeof g === "number" || !g.includes("..")),
		token: z
			.string()
			.min(1)
			.max(4096)
			.regex(/^[\x21-\x7e]+$/),
		url: z.string().max(2048).refine(isAcceptedApiUrl).optional(),
		include_subgroups: z.boolean().optional(),
		include_shared: z.boolean().optional(),
		include_archived: z.boolean().optional(),
		include_repositories: repositoryGlobs.optional(),
		exclude_repositories: repositoryGlobs.optional(),
		max_repositories: z.number().int().positive().max(100_000).optional(),
		branch: gitBranch.optional(),
		...filters(options),
	});
}

export type GitLabSensorConfig = z.infer<ReturnType<typeof gitlabConfigSchema>>;

const BITBUCKET_SLUG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function bitbucketConfigSchema(options: Partial<SensorConfigOptions> = {}) {
	return z
		.strictObject({
			workspace: z.string().regex(BITBUCKET_SLUG).optional(),
			project_key: z
				.string()
				.regex(/^[A-Za-z~][A-Za-z0-9_]{0,127}$/)
				.optional(),
			token: z
				.string()
				.min(1)
				.max(4096)
				.regex(/^[\x21-\x7e]+$/)
				.optional(),
			username: z
				.string()
				.min(1)
				.max(256)
				.regex(NO_CONTROL_CHARACTERS)
				.refine((u) => !u.includes(":"))
				.optional(),
			password: z.string().min(1).max(4096).regex(NO_CONTROL_CHARACTERS).optional(),
			url: z.string().max(2048).refine(isAcceptedApiUrl).optional(),
			include_repositories: repositoryGlobs.optional(),
			exclude_repositories: repositoryGlobs.optional(),
			max_repositories: z.number().int().positive().max(100_000).optional(),
			branch: gitBranch.optional(),
			...filters(options),
		})
		.refine(
			(c) => (c.workspace === undefined) !== (c.project_key === undefined),
			"exactly one of workspace or project_key",
		)
		.refine((c) => (c.token === undefined) !== (c.password === undefined), "exactly one of token or password")
		.refine((c) => c.password === undefined || c.username !== undefined, "password needs a username")
		.refine((c) => c.project_key === undefined || c.url !== undefined, "project_key (Data Center) needs url");
}

export type BitbucketSensorConfig = z.infer<ReturnType<typeof bitbucketConfigSchema>>;

/** A registry host as `images` name it: `host[:port]`. */
const REGISTRY_HOST =
	/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

export function containerConfigSchema(options: Partial<SensorConfigOptions> = {}) {
	return z
		.strictObject({
			images: z
				.array(
					z
						.string()
						.max(1024)
						.refine((reference) => parseImageReference(reference) !== null),
				)
				.min(1)
				.max(100),
			username: z
				.string()
				.min(1)
				.max(256)
				.regex(NO_CONTROL_CHARACTERS)
				.refine((u) => !u.includes(":"))
				.optional(),
			password: z.string().min(1).max(4096).regex(NO_CONTROL_CHARACTERS).optional(),
			token: z
				.string()
				.min(1)
				.max(8192)
				.regex(/^[\x21-\x7e]+$/)
				.optional(),
			platform: z
				.string()
				.regex(/^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/)
				.optional(),
			all_platforms: z.boolean().optional(),
			insecure_registries: z.array(z.string().max(300).regex(REGISTRY_HOST)).max(100).optional(),
			max_image_size_mb: z
				.number()
				.int()
				.positive()
				.max(1024 * 1024)
				.optional(),
			...filters(options),
		})
		.refine((c) => !(c.password !== undefined && c.token !== undefined), "password and token are mutually exclusive")
		.refine((c) => (c.username === undefined) === (c.password === undefined), "username and password go together")
		.refine((c) => !(c.platform !== undefined && c.all_platforms === true), "platform or all_platforms, not both");
}

export type ContainerSensorConfig = z.infer<ReturnType<typeof containerConfigSchema>>;
