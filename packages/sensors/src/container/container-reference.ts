/** One image as the user named it, resolved the way Docker resolves names. */
export interface ImageReference {
	/** `host[:port]` the registry API is reached at (`registry-1.docker.io` for Docker Hub). */
	registry: string;
	/** The repository path (`library/alpine`). */
	repository: string;
	tag: string | null;
	digest: string | null;
	/** The reference as configured, for messages and the cursor. */
	text: string;
}

const DOCKER_HUB = "registry-1.docker.io";
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", DOCKER_HUB]);
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST =
	/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * `host[:port]/name[:tag]` or `…@sha256:…`. The first component is a registry when it holds a `.` or
 * a `:` or is `localhost`, as in Docker; otherwise the image is on Docker Hub, where one-component
 * names live under `library/`. Returns null for anything else.
 */
export function parseImageReference(text: string): ImageReference | null {
	if (text.length === 0 || text.length > 1024 || /\s/.test(text)) return null;
	let rest = text;
	let digest: string | null = null;
	const at = rest.indexOf("@");
	if (at !== -1) {
		digest = rest.slice(at + 1);
		rest = rest.slice(0, at);
		if (!DIGEST.test(digest)) return null;
	}
	let tag: string | null = null;
	const lastSlash = rest.lastIndexOf("/");
	const colon = rest.lastIndexOf(":");
	if (colon > lastSlash) {
		tag = rest.slice(colon + 1);
		rest = rest.slice(0, colon);
		if (!TAG.test(tag)) return null;
	}
	const parts = rest.split("/");
	let registry = DOCKER_HUB;
	const first = parts[0] ?? "";
	if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
		if (!HOST.test(first)) return null;
		registry = DOCKER_HUB_ALIASES.has(first) ? DOCKER_HUB : first;
		parts.shift();
	}
	if (parts.length === 0 || !parts.every((part) => COMPONENT.test(part))) return null;
	if (registry === DOCKER_HUB && parts.length === 1) parts.unshift("library");
	if (tag === null && digest === null) tag = "latest";
	return { registry, repository: parts.join("/"), tag, digest, text };
}

/** `registry/repository`, the prefix of every location in the image. */
export function repositoryName(reference: ImageReference): string {
	return `${reference.registry}/${reference.repository}`;
}

/** `registry/repository:tag` or `…@digest`, as the image is named in diagnostics before it is resolved. */
export function displayName(reference: ImageReference): string {
	return `${repositoryName(reference)}${reference.digest ? `@${reference.digest}` : `:${reference.tag}`}`;
}
