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
import {
	decodeIndex,
	encodeIndex,
	type IndexEntry,
	indexLayerHolding,
	type LayerFile,
	Overlay,
	openLayer,
	planLayer,
	readLayerFiles,
} from "./container-layers.ts";
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
/** Bytes of a new layer's files held while its entry list is read, so that most layers are decompressed once. */
const LAYER_HOLD_BYTES = 64 * MIB;

type ContainerProgress = {
	imagesListed: number;
	imagesScanned: number;
	imagesUnchanged: number;
	layersDownloaded: number;
	/** Layers not downloaded: their entry list and the scanner's results for their visible files were cached. */
	layersReused: number;
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
 * The files a container of `image` sees, read from its layers top down. A layer is flattened from its
 * entry list: the one the layer cache kept, or one read from the layer (downloaded to the work
 * directory and checked against its digest before a byte of it is trusted, then streamed through its
 * decompressor and tar parser) and saved. Files the scanner has results for are offered without
 * bytes; a layer is downloaded only when it has no entry list yet or a visible file in scope has no
 * results, and then only those files are read into memory (held while the entry list is read, up to
 * LAYER_HOLD_BYTES, or one at a time in a second pass).
 */
async function* readImage(image: PlatformImage, read: ReadContext): AsyncGenerator<SourceFile> {
	const { client, reference, context, filter, progress } = read;
	const cache = context.layerCache;
	const location = locationOf(reference, image.digest);
	const overlay = new Overlay();
	const topDown = [...image.layers].reverse();
	const indexes = new Map<string, IndexEntry[]>();
	if (cache) {
		for (const [digest, value] of await cache.entries([...new Set(topDown.map((layer) => layer.digest))])) {
			const entries = decodeIndex(value);
			if (entries) indexes.set(digest, entries);
		}
	}
	const downloads = new Map<number, Promise<string>>();
	const download = (index: number): Promise<string> => {
		const started = downloads.get(index);
		if (started) return started;
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
		downloads.set(index, done);
		return done;
	};
	const offer = (layer: LayerDescriptor, file: LayerFile, bytes: Buffer | null): SourceFile => ({
		path: `${location}!${file.path}`,
		size: file.size,
		layerDigest: layer.digest,
		layerPath: file.path,
		read: async () => {
			if (bytes !== null) return bytes;
			throw new Error(
				file.size > filter.maxBytes
					? "the file is larger than max_file_size_mb"
					: "the layer was not downloaded: the scanner has this file's results",
			);
		},
	});
	try {
		for (let index = 0; index < topDown.length; index += 1) {
			// Layers without an entry list are downloaded whatever else is cached: the next ones start early.
			for (let ahead = index, started = 0; ahead < topDown.length && started < LAYERS_AHEAD; ahead += 1) {
				if (indexes.has((topDown[ahead] as LayerDescriptor).digest)) continue;
				download(ahead);
				started += 1;
			}
			const layer = topDown[index] as LayerDescriptor;
			let blob: string | undefined;
			let entries = indexes.get(layer.digest);
			let held = new Map<number, Buffer>();
			if (!entries) {
				blob = await download(index);
				const listed = await indexLayerHolding(
					await openLayer(blob),
					overlay,
					filter.matchesPath,
					filter.maxBytes,
					LAYER_HOLD_BYTES,
				);
				entries = listed.entries;
				held = listed.held ?? held;
				indexes.set(layer.digest, entries);
				await cache?.saveEntries(layer.digest, encodeIndex(entries));
			}
			const plan = planLayer(entries, overlay, filter.matchesPath);
			for (const link of plan.brokenLinks) {
				read.diagnostics.push({
					path: `${location}!${link.path}`,
					stage: "read",
					errorClass: "HardlinkTargetMissing",
					message: `The hardlink's target ${link.target} is not a regular file of layer ${layer.digest}.`,
				});
			}
			const readable = plan.files.filter((file) => file.size <= filter.maxBytes);
			const scanned =
				cache && blob === undefined && readable.length > 0
					? await cache.scanned(
							layer.digest,
							readable.map((file) => file.path),
						)
					: new Set<string>();
			const unread = readable.filter((file) => !scanned.has(file.path));
			const needed = new Set(unread);
			for (const file of plan.files) if (!needed.has(file)) yield offer(layer, file, null);
			// The entry pass may have held the bytes already; the other files are read in one more pass.
			const later: LayerFile[] = [];
			for (const file of unread) {
				const bytes = held.get(file.source);
				if (bytes === undefined) later.push(file);
				else yield offer(layer, file, bytes);
			}
			held.clear();
			if (later.length > 0) {
				blob ??= await download(index);
				for await (const { file, bytes } of readLayerFiles(await openLayer(blob), later, filter.maxBytes)) {
					yield offer(layer, file, bytes);
				}
			} else if (blob === undefined) {
				progress.layersReused += 1;
			}
			if (blob !== undefined) await rm(blob, { force: true });
			overlay.endLayer();
		}
	} finally {
		const files = await Promise.allSettled(downloads.values());
		await Promise.all(
			files.map((settled) => (settled.status === "fulfilled" ? rm(settled.value, { force: true }) : undefined)),
		);
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
		layersReused: 0,
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
				client = new RegistryClient(
					registry,
					insecure,
					credentials,
					dispatcher,
					context.signal,
					context.settings.registryMaxRetryWaitMs,
				);
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
