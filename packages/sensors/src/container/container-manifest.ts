import { createHash } from "node:crypto";
import { SensorError } from "../sensor.ts";
import { CONTAINER_ERRORS } from "./container-errors.ts";
import type { ImageReference } from "./container-reference.ts";
import type { RegistryClient } from "./registry-client.ts";

export const MEDIA_TYPES = {
	ociIndex: "application/vnd.oci.image.index.v1+json",
	ociManifest: "application/vnd.oci.image.manifest.v1+json",
	dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
	dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
	ociConfig: "application/vnd.oci.image.config.v1+json",
	dockerConfig: "application/vnd.docker.container.image.v1+json",
} as const;

const ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest].join(
	", ",
);
const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);
const MANIFEST_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);
const CONFIG_TYPES = new Set<string>([MEDIA_TYPES.ociConfig, MEDIA_TYPES.dockerConfig]);
/** Layers are tar streams, plain or compressed; which compression is decided from their first bytes. */
const LAYER_TYPE =
	/^application\/vnd\.(?:oci\.image\.layer(?:\.nondistributable)?\.v1\.tar(?:\+gzip|\+zstd)?|docker\.image\.rootfs\.(?:foreign\.)?diff\.tar(?:\.gzip)?)$/;
const MANIFEST_LIMIT = 4 * 1024 * 1024;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface LayerDescriptor {
	mediaType: string;
	digest: string;
	size: number;
}

/** One runnable image: the manifest of one platform. */
export interface PlatformImage {
	/** `os/architecture[/variant]`, or "" for an image named by a plain manifest (no index). */
	platform: string;
	digest: string;
	/** Bottom layer first, as in the manifest. */
	layers: LayerDescriptor[];
}

export interface ResolvedImage {
	/** The digest the reference resolved to: the index's, or the manifest's when there is no index. */
	digest: string;
	images: PlatformImage[];
}

export interface PlatformSelection {
	/** `os/architecture[/variant]`. */
	platform: string;
	all: boolean;
}

interface Fetched {
	mediaType: string;
	digest: string;
	json: Record<string, unknown>;
}

function unsupported(what: string, why: string): SensorError {
	return new SensorError(CONTAINER_ERRORS.unsupportedManifest, `${what} is not supported: ${why}.`);
}

/** The manifest or index `ref` names, checked against its digest. */
async function fetchManifest(client: RegistryClient, repository: string, ref: string, what: string): Promise<Fetched> {
	const response = await client.send(`/v2/${repository}/manifests/${ref}`, { accept: ACCEPT, repository, what });
	const chunks: Buffer[] = [];
	let length = 0;
	for await (const chunk of response.body) {
		length += (chunk as Buffer).length;
		if (length > MANIFEST_LIMIT) {
			response.body.destroy();
			throw unsupported(what, `the manifest is larger than ${MANIFEST_LIMIT / 1024 / 1024} MiB`);
		}
		chunks.push(chunk as Buffer);
	}
	const body = Buffer.concat(chunks);
	const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
	const header = response.headers["docker-content-digest"];
	const announced = DIGEST.test(ref) ? ref : Array.isArray(header) ? header[0] : header;
	if (announced !== undefined && announced !== digest) {
		throw new SensorError(
			CONTAINER_ERRORS.digestMismatch,
			`${what} does not match its digest ${announced}: the registry served other bytes than it names.`,
		);
	}
	const contentType = String(response.headers["content-type"] ?? "")
		.split(";")[0]
		?.trim();
	let json: Record<string, unknown>;
	try {
		json = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
	} catch {
		throw unsupported(what, "the manifest is not JSON");
	}
	if (json.schemaVersion === 1 || contentType?.startsWith("application/vnd.docker.distribution.manifest.v1")) {
		throw unsupported(what, "Docker image manifest schema 1 is deprecated; push the image again with a current client");
	}
	const declared = typeof json.mediaType === "string" ? json.mediaType : undefined;
	if (
		declared &&
		contentType &&
		contentType !== declared &&
		(INDEX_TYPES.has(contentType) || MANIFEST_TYPES.has(contentType))
	) {
		throw unsupported(what, `the registry serves it as ${contentType} but it declares ${declared}`);
	}
	const mediaType = declared ?? (contentType || "");
	return { mediaType, digest, json };
}

function platformOf(entry: Record<string, unknown>): string | null {
	const platform = entry.platform as Record<string, unknown> | undefined;
	if (!platform || typeof platform.os !== "string" || typeof platform.architecture !== "string") return null;
	if (platform.os === "unknown" || platform.architecture === "unknown") return null;
	return [platform.os, platform.architecture, typeof platform.variant === "string" ? platform.variant : ""]
		.filter(Boolean)
		.join("/");
}

function isAttestation(entry: Record<string, unknown>): boolean {
	const annotations = entry.annotations as Record<string, unknown> | undefined;
	return annotations?.["vnd.docker.reference.type"] === "attestation-manifest";
}

/** An index inside an index, inside… is followed this deep at most. */
export const MAX_INDEX_DEPTH = 4;

/**
 * The entries that run somewhere of an index and of the indices it names (OCI allows an index as an
 * entry of another), each fetched and checked against its digest: attestations and `unknown/unknown`
 * left out, each manifest once.
 */
async function runnableEntries(
	client: RegistryClient,
	repository: string,
	index: Record<string, unknown>,
	what: string,
	depth = 1,
): Promise<{ digest: string; platform: string }[]> {
	const entries = Array.isArray(index.manifests) ? (index.manifests as Record<string, unknown>[]) : [];
	const runnable: { digest: string; platform: string }[] = [];
	for (const entry of entries) {
		if (typeof entry !== "object" || entry === null || isAttestation(entry)) continue;
		if (typeof entry.mediaType === "string" && INDEX_TYPES.has(entry.mediaType)) {
			if (typeof entry.digest !== "string" || !DIGEST.test(entry.digest)) continue;
			if (depth >= MAX_INDEX_DEPTH) throw unsupported(what, `its indices are nested more than ${MAX_INDEX_DEPTH} deep`);
			const nested = await fetchManifest(client, repository, entry.digest, `${what} (index ${entry.digest})`);
			if (!INDEX_TYPES.has(nested.mediaType)) {
				throw unsupported(what, `the entry ${entry.digest} is named an index but is ${nested.mediaType || "untyped"}`);
			}
			for (const inner of await runnableEntries(client, repository, nested.json, what, depth + 1)) {
				if (!runnable.some((known) => known.digest === inner.digest)) runnable.push(inner);
			}
			continue;
		}
		const platform = platformOf(entry);
		if (platform === null || typeof entry.digest !== "string" || !DIGEST.test(entry.digest)) continue;
		if (typeof entry.mediaType === "string" && !MANIFEST_TYPES.has(entry.mediaType)) continue;
		if (!runnable.some((known) => known.digest === entry.digest)) runnable.push({ digest: entry.digest, platform });
	}
	return runnable;
}

/** The entry Docker would run for `wanted`: os and architecture equal, the variant too when one is asked for. */
function selectPlatform(entries: { digest: string; platform: string }[], wanted: string) {
	const [os, architecture, variant] = wanted.split("/");
	const candidates = entries.filter((entry) => {
		const [entryOs, entryArchitecture, entryVariant] = entry.platform.split("/");
		return entryOs === os && entryArchitecture === architecture && (variant === undefined || entryVariant === variant);
	});
	return candidates.find((entry) => entry.platform.split("/").length === 2) ?? candidates[0];
}

function imageOf(fetched: Fetched, platform: string, what: string, maxBytes: number): PlatformImage {
	if (!MANIFEST_TYPES.has(fetched.mediaType))
		throw unsupported(what, `its media type is ${fetched.mediaType || "not given"}`);
	const config = fetched.json.config as Record<string, unknown> | undefined;
	if (typeof config?.mediaType !== "string" || !CONFIG_TYPES.has(config.mediaType)) {
		throw unsupported(what, `it is an artifact (config ${String(config?.mediaType)}), not a container image`);
	}
	const layers: LayerDescriptor[] = [];
	for (const layer of Array.isArray(fetched.json.layers) ? (fetched.json.layers as Record<string, unknown>[]) : []) {
		const { mediaType, digest, size } = layer ?? {};
		if (typeof mediaType !== "string" || !LAYER_TYPE.test(mediaType)) {
			throw unsupported(what, `a layer has the media type ${String(mediaType)}`);
		}
		if (typeof digest !== "string" || !DIGEST.test(digest) || typeof size !== "number" || !(size >= 0)) {
			throw unsupported(what, "a layer has no sha256 digest or size");
		}
		layers.push({ mediaType, digest, size });
	}
	const total = layers.reduce((sum, layer) => sum + layer.size, 0);
	if (total > maxBytes) {
		throw new SensorError(
			CONTAINER_ERRORS.sizeExceeded,
			`${what} has ${(total / 1024 / 1024).toFixed(1)} MiB of compressed layers, over max_image_size_mb (${Math.round(maxBytes / 1024 / 1024)} MiB).`,
		);
	}
	return { platform, digest: fetched.digest, layers };
}

/** What the reference points at now, without the manifest's body: `HEAD`, or null when the registry does not say. */
export async function currentDigest(
	client: RegistryClient,
	reference: ImageReference,
	what: string,
): Promise<string | null> {
	if (reference.digest) return reference.digest;
	const response = await client.send(`/v2/${reference.repository}/manifests/${reference.tag}`, {
		method: "HEAD",
		accept: ACCEPT,
		repository: reference.repository,
		what,
	});
	await response.body.dump();
	const header = response.headers["docker-content-digest"];
	const digest = Array.isArray(header) ? header[0] : header;
	return digest && DIGEST.test(digest) ? digest : null;
}

/** The reference's manifest, and through an index the platforms selected, each checked against its digest. */
export async function resolveImage(
	client: RegistryClient,
	reference: ImageReference,
	selection: PlatformSelection,
	maxImageBytes: number,
	what: string,
): Promise<ResolvedImage> {
	const repository = reference.repository;
	const top = await fetchManifest(client, repository, reference.digest ?? (reference.tag as string), what);
	if (MANIFEST_TYPES.has(top.mediaType)) {
		return { digest: top.digest, images: [imageOf(top, "", what, maxImageBytes)] };
	}
	if (!INDEX_TYPES.has(top.mediaType)) throw unsupported(what, `its media type is ${top.mediaType || "not given"}`);
	const runnable = await runnableEntries(client, repository, top.json, what);
	const chosen = selection.all
		? runnable
		: [selectPlatform(runnable, selection.platform)].filter((e) => e !== undefined);
	if (chosen.length === 0) {
		const available = runnable.map((entry) => entry.platform).join(", ") || "none";
		throw new SensorError(
			CONTAINER_ERRORS.noPlatform,
			`${what} has no manifest for ${selection.all ? "any runnable platform" : selection.platform} (available: ${available}).`,
		);
	}
	const images: PlatformImage[] = [];
	for (const entry of chosen) {
		const fetched = await fetchManifest(client, repository, entry.digest, `${what} (${entry.platform})`);
		images.push(imageOf(fetched, entry.platform, `${what} (${entry.platform})`, maxImageBytes));
	}
	return { digest: top.digest, images };
}
