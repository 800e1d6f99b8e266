import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createGuardedAgent } from "@sensorium/network-policy";
import type { ContainerSensorConfig } from "../config-schemas.ts";
import { createFileFilter, type FileFilter } from "../filters.ts";
import {
	type Sensor,
	SensorError,
	type SensorRunContext,
	type SensorSnapshot,
	type SourceDiagnostic,
	type SourceFile,
} from "../sensor.ts";
import { decodeCursor, encodeCursor, type ImageInventory, type ImageRecord } from "./container-cursor.ts";
import { CONTAINER_ERRORS } from "./container-errors.ts";
import { classify, entryBytes, Overlay, openLayer, tarEntries } from "./container-layers.ts";
import {
	currentDigest,
	type LayerDescriptor,
	type PlatformImage,
	type PlatformSelection,
	resolveImage,
} from "./container-manifest.ts";
import { displayName, type ImageReference, parseImageReference, repositoryName } from "./container-reference.ts";
import { RegistryClient } from "./registry-client.ts";

export const DEFAULT_PLATFORM = "linux/amd64";
export const DEFAULT_MAX_IMAGE_SIZE_MB = 4096;
const MIB = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 60_000;
/** Images whose manifests are resolved at once when the scan opens. */
const RESOLVE_CONCURRENCY = 4;
/** Layers downloaded ahead of the one being read: the next download overlaps decompression and scanning. */
const LAYERS_AHEAD = 2;

type ContainerProgress = {
	imagesListed: number;
	imagesScanned: number;
	imagesUnchanged: number;
	layersDownloaded: number;
	bytesDownloaded: number;
};

/** One configured image and what opening the scan learnt about it. */
interface ImagePlan {
	reference: ImageReference;
	/** `reference|platform selection`: the cursor's key, so a changed selection is a changed image. */
	key: string;
	previous: ImageRecord | undefined;
	outcome:
		| { state: "unchanged" }
		| { state: "changed"; digest: string; images: PlatformImage[] }
		| { state: "failed"; diagnostic: SourceDiagnostic };
}

function diagnosticOf(path: string, stage: SourceDiagnostic["stage"], error: unknown): SourceDiagnostic {
	const known = error instanceof SensorError;
	return {
		path,
		stage,
		errorClass: known ? error.code : error instanceof Error ? error.name : "Error",
		message: known ? error.message : "The image could not be read.",
	};
}

function locationOf(reference: ImageReference, manifestDigest: string): string {
	return `${repositoryName(reference)}@${manifestDigest}`;
}

interface ReadContext {
	client: RegistryClient;
	reference: ImageReference;
	context: SensorRunContext;
	filter: FileFilter;
	progress: ContainerProgress;
	diagnostics: SourceDiagnostic[];
}

/**
 * The files a container of `image` sees, read from its layers top down: each layer is downloaded to
 * the work directory (checked against its digest before a byte of it is trusted), streamed through
 * its decompressor and tar parser once, and deleted. Only regular files that are visible and pass
 * the filters are read into memory, one at a time.
 */
async function* readImage(image: PlatformImage, read: ReadContext): AsyncGenerator<SourceFile> {
	const { client, reference, context, progress } = read;
	const location = locationOf(reference, image.digest);
	const overlay = new Overlay();
	const topDown = [...image.layers].reverse();
	const downloads: Promise<string>[] = [];
	const download = (index: number) => {
		const layer = topDown[index] as LayerDescriptor;
		const file = join(context.workDir, `layer-${image.digest.slice(7, 19)}-${index}`);
		const done = client
			.downloadBlob(reference.repository, layer, file, `layer ${layer.digest} of ${location}`)
			.then(() => {
				progress.layersDownloaded += 1;
				progress.bytesDownloaded += layer.size;
				return file;
			});
		done.catch(() => {});
		downloads[index] = done;
	};
	try {
		for (let index = 0; index < topDown.length; index += 1) {
			for (let ahead = index; ahead < Math.min(topDown.length, index + LAYERS_AHEAD); ahead += 1) {
				if (downloads[ahead] === undefined) download(ahead);
			}
			const layer = topDown[index] as LayerDescriptor;
			const file = await (downloads[index] as Promise<string>);
			try {
				yield* readLayer(file, layer, location, overlay, read);
			} finally {
				await rm(file, { force: true });
			}
			overlay.endLayer();
		}
	} finally {
		const files = await Promise.allSettled(downloads);
		await Promise.all(
			files.map((settled) => (settled.status === "fulfilled" ? rm(settled.value, { force: true }) : undefined)),
		);
	}
}

async function* readLayer(
	file: string,
	layer: LayerDescriptor,
	location: string,
	overlay: Overlay,
	read: ReadContext,
): AsyncGenerator<SourceFile> {
	const { filter } = read;
	/** Visible hardlinks in scope, by the path of the file whose bytes they share. */
	const links = new Map<string, string[]>();
	const offer = (path: string, size: number, bytes: Buffer | null): SourceFile => ({
		path: `${location}!${path}`,
		size,
		layerDigest: layer.digest,
		read: async () => {
			if (bytes === null) throw new Error("the file is larger than max_file_size_mb");
			return bytes;
		},
	});
	for await (const entry of tarEntries(await openLayer(file))) {
		const classified = classify(entry.header);
		const visible = classified !== null && overlay.add(classified);
		if (
			!visible ||
			classified === null ||
			!("path" in classified) ||
			(classified.kind !== "file" && classified.kind !== "hardlink") ||
			!filter.matchesPath(classified.path.slice(1))
		) {
			entry.resume();
			continue;
		}
		if (classified.kind === "hardlink") {
			const target = classify({ name: entry.header.linkname ?? "", type: "file" });
			if (target !== null && "path" in target)
				links.set(target.path, [...(links.get(target.path) ?? []), classified.path]);
			entry.resume();
			continue;
		}
		const size = entry.header.size ?? 0;
		if (size > filter.maxBytes) {
			entry.resume();
			yield offer(classified.path, size, null);
		} else {
			yield offer(classified.path, size, await entryBytes(entry));
		}
	}
	if (links.size === 0) return;
	// A hardlink has no bytes of its own: they are its target's, earlier in the same layer. Only the
	// few layers with visible hardlinks in scope are read a second time to get them.
	for await (const entry of tarEntries(await openLayer(file))) {
		const classified = classify(entry.header);
		const paths = classified !== null && "path" in classified ? links.get(classified.path) : undefined;
		if (paths === undefined || classified?.kind !== "file") {
			entry.resume();
			continue;
		}
		links.delete((classified as { path: string }).path);
		const size = entry.header.size ?? 0;
		if (size > filter.maxBytes) entry.resume();
		const bytes = size > filter.maxBytes ? null : await entryBytes(entry);
		for (const path of paths) yield offer(path, size, bytes);
	}
	for (const [target, paths] of links) {
		for (const path of paths) {
			read.diagnostics.push({
				path: `${location}!${path}`,
				stage: "read",
				errorClass: "HardlinkTargetMissing",
				message: `The hardlink's target ${target} is not a regular file of layer ${layer.digest}.`,
			});
		}
	}
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await fn(items[index] as T);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	return results;
}

async function openSnapshot(
	config: ContainerSensorConfig,
	context: SensorRunContext,
	clientOf: (registry: string) => RegistryClient,
	close: () => Promise<void>,
): Promise<SensorSnapshot> {
	const selection: PlatformSelection = {
		platform: config.platform ?? DEFAULT_PLATFORM,
		all: config.all_platforms === true,
	};
	const selectionKey = selection.all ? "all" : selection.platform;
	const maxImageBytes = (config.max_image_size_mb ?? DEFAULT_MAX_IMAGE_SIZE_MB) * MIB;
	const previous = context.incremental ? decodeCursor(context.previousCursor) : null;
	const references = [...new Set(config.images)].map((text) => parseImageReference(text) as ImageReference);

	const plans = await mapLimited(references, RESOLVE_CONCURRENCY, async (reference): Promise<ImagePlan> => {
		const key = `${reference.text}|${selectionKey}`;
		const before = previous?.[key];
		const what = displayName(reference);
		try {
			const client = clientOf(reference.registry);
			if (before && (await currentDigest(client, reference, `the manifest of ${what}`)) === before.digest) {
				return { reference, key, previous: before, outcome: { state: "unchanged" } };
			}
			const resolved = await resolveImage(client, reference, selection, maxImageBytes, `the manifest of ${what}`);
			return { reference, key, previous: before, outcome: { state: "changed", ...resolved } };
		} catch (error) {
			if (context.signal.aborted) throw context.signal.reason;
			return {
				reference,
				key,
				previous: before,
				outcome: { state: "failed", diagnostic: diagnosticOf(what, "list", error) },
			};
		}
	});

	const inventory: ImageInventory = {};
	const deleted: string[] = [];
	const diagnostics: SourceDiagnostic[] = [];
	const progress: ContainerProgress = {
		imagesListed: plans.length,
		imagesScanned: 0,
		imagesUnchanged: 0,
		layersDownloaded: 0,
		bytesDownloaded: 0,
	};
	const configured = new Set(plans.map((plan) => plan.key));
	for (const [key, record] of Object.entries(previous ?? {})) {
		if (configured.has(key)) continue;
		// An image no longer configured: its findings go.
		const reference = parseImageReference(key.slice(0, key.lastIndexOf("|")));
		if (reference) for (const digest of Object.values(record.platforms)) deleted.push(locationOf(reference, digest));
	}
	let failures = 0;
	for (const plan of plans) {
		if (plan.outcome.state === "unchanged" && plan.previous) {
			inventory[plan.key] = plan.previous;
			progress.imagesUnchanged += 1;
		}
		if (plan.outcome.state === "failed") {
			failures += 1;
			diagnostics.push(plan.outcome.diagnostic);
			// An image that failed this time keeps its old digests, and so its findings.
			if (plan.previous) inventory[plan.key] = plan.previous;
		}
	}
	const changed = plans.filter((plan) => plan.outcome.state === "changed");
	const mode: SensorSnapshot["mode"] =
		previous === null
			? "full"
			: changed.length === 0 && deleted.length === 0 && failures === 0
				? "unchanged"
				: "changed";
	const filter = createFileFilter(config);

	async function* files(): AsyncGenerator<SourceFile> {
		try {
			for (const plan of changed) {
				const outcome = plan.outcome as Extract<ImagePlan["outcome"], { state: "changed" }>;
				const client = clientOf(plan.reference.registry);
				const read: ReadContext = { client, reference: plan.reference, context, filter, progress, diagnostics };
				const platforms: Record<string, string> = {};
				let failed = false;
				for (const image of outcome.images) {
					const location = locationOf(plan.reference, image.digest);
					try {
						yield* readImage(image, read);
						platforms[image.platform] = image.digest;
					} catch (error) {
						if (context.signal.aborted) throw context.signal.reason;
						diagnostics.push(diagnosticOf(location, "read", error));
						failed = true;
					}
				}
				if (failed) {
					failures += 1;
					if (plan.previous) inventory[plan.key] = plan.previous;
					continue;
				}
				inventory[plan.key] = { digest: outcome.digest, platforms };
				progress.imagesScanned += 1;
				// What the image held at its old digests is replaced by what was just read.
				for (const digest of Object.values(plan.previous?.platforms ?? {})) {
					if (!Object.values(platforms).includes(digest)) deleted.push(locationOf(plan.reference, digest));
				}
			}
		} finally {
			await close();
		}
		if (plans.length > 0 && failures === plans.length) {
			const first = diagnostics.find((d) => d.errorClass.startsWith("CONTAINER-")) ?? diagnostics[0];
			throw new SensorError(
				first?.errorClass.startsWith("CONTAINER-") ? first.errorClass : CONTAINER_ERRORS.unreachable,
				`None of the ${plans.length} images could be scanned (see the diagnostics); the first: ${first?.path}: ${first?.message}`,
			);
		}
	}

	return {
		get cursor() {
			return encodeCursor(inventory);
		},
		mode,
		deleted,
		diagnostics,
		progress,
		files,
	};
}

export const containerSensor: Sensor<ContainerSensorConfig> = {
	sensorType: "Container Sensor",
	async open(config, context) {
		const dispatcher = createGuardedAgent(context.settings.networkPolicy, {
			headersTimeout: REQUEST_TIMEOUT_MS,
			bodyTimeout: REQUEST_TIMEOUT_MS,
		});
		const insecure = new Set(config.insecure_registries ?? []);
		const credentials = { username: config.username, password: config.password, token: config.token };
		const clients = new Map<string, RegistryClient>();
		const clientOf = (registry: string) => {
			let client = clients.get(registry);
			if (!client) {
				client = new RegistryClient(registry, insecure, credentials, dispatcher, context.signal);
				clients.set(registry, client);
			}
			return client;
		};
		const close = () => dispatcher.close();
		try {
			return await openSnapshot(config, context, clientOf, close);
		} catch (error) {
			await close();
			throw error;
		}
	},
};
