import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactorySensorConfig } from "../config-schemas.ts";
import { createFileFilter } from "../filters.ts";
import {
	type Sensor,
	SensorError,
	type SensorRunContext,
	type SensorSnapshot,
	type SourceDiagnostic,
	type SourceFile,
} from "../sensor.ts";
import { ArtifactoryClient } from "./artifactory-client.ts";
import { decodeCursor, encodeCursor, fingerprint } from "./artifactory-cursor.ts";
import { downloadArtifact } from "./artifactory-download.ts";
import { ARTIFACTORY_ERRORS } from "./artifactory-errors.ts";
import { type Artifact, listArtifacts, ping, selectRepositories } from "./artifactory-listing.ts";

function authorizationOf(config: ArtifactorySensorConfig): string {
	if (config.access_token) return `Bearer ${config.access_token}`;
	return `Basic ${Buffer.from(`${config.username}:${config.password}`).toString("base64")}`;
}

function baseUrl(url: string): URL {
	return new URL(url.endsWith("/") ? url : `${url}/`);
}

/** What the execution's progress shows beside filesScanned and bytesScanned. */
type ArtifactoryProgress = {
	artifactsListed: number;
	artifactsDownloaded: number;
	bytesDownloaded: number;
};

interface Download {
	artifact: Artifact;
	/** Resolves with the scratch file, or null when the artifact vanished after it was listed. */
	file: Promise<string | null>;
}

/**
 * Yields the artifacts in order while up to `concurrency` downloads run ahead of the scanner. Each
 * scratch file is deleted as soon as it has been read, so the disk holds at most `concurrency` + 1
 * artifacts at a time.
 */
async function* downloadAll(
	client: ArtifactoryClient,
	artifacts: readonly Artifact[],
	context: SensorRunContext,
	progress: ArtifactoryProgress,
	onVanished: (artifact: Artifact) => void,
): AsyncGenerator<SourceFile> {
	const concurrency = Math.max(1, context.settings.artifactoryDownloadConcurrency);
	const inFlight: Download[] = [];
	let next = 0;
	const start = () => {
		const artifact = artifacts[next] as Artifact;
		const file = join(context.workDir, `artifact-${next}`);
		next += 1;
		const download: Download = {
			artifact,
			file: downloadArtifact(client, artifact, file).then(
				() => {
					progress.artifactsDownloaded += 1;
					progress.bytesDownloaded += artifact.size;
					return file;
				},
				(error: unknown) => {
					// Deleted between the listing and the download: what a later listing would show.
					if (error instanceof SensorError && error.code === ARTIFACTORY_ERRORS.notFound) return null;
					throw error;
				},
			),
		};
		// Failures surface when the download's turn comes; until then they must not count as unhandled.
		download.file.catch(() => {});
		inFlight.push(download);
	};
	try {
		while (next < artifacts.length || inFlight.length > 0) {
			while (next < artifacts.length && inFlight.length < concurrency) start();
			const { artifact, file: pending } = inFlight.shift() as Download;
			const file = await pending;
			if (file === null) {
				onVanished(artifact);
				continue;
			}
			yield {
				path: artifact.key,
				size: artifact.size,
				read: async () => {
					try {
						return await readFile(file, { signal: context.signal });
					} finally {
						await rm(file, { force: true });
					}
				},
			};
		}
	} finally {
		const closed = client.close();
		await Promise.allSettled(inFlight.map((download) => download.file));
		await closed;
	}
}

async function openSnapshot(
	config: ArtifactorySensorConfig,
	context: SensorRunContext,
	client: ArtifactoryClient,
): Promise<SensorSnapshot> {
	await ping(client);
	const repositories = await selectRepositories(client, config);
	const artifacts = await listArtifacts(client, repositories, createFileFilter(config));
	const inventory = new Map([...artifacts.values()].map((artifact) => [artifact.key, fingerprint(artifact)]));
	const previous = context.incremental ? decodeCursor(context.previousCursor) : null;
	const notice =
		artifacts.size === 0
			? `${ARTIFACTORY_ERRORS.nothingMatched}: no artifact matched the filters (${repositories.length} repositories selected).`
			: undefined;

	const unchanged = (artifact: Artifact) => {
		const digest = previous?.get(artifact.key);
		return digest !== undefined && digest !== "" && digest === inventory.get(artifact.key);
	};
	const selected = [...artifacts.values()]
		.filter((artifact) => !unchanged(artifact))
		.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
	const deleted = previous ? [...previous.keys()].filter((key) => !inventory.has(key)) : [];
	const diagnostics: SourceDiagnostic[] = [];
	const progress: ArtifactoryProgress = { artifactsListed: artifacts.size, artifactsDownloaded: 0, bytesDownloaded: 0 };
	const snapshot: SensorSnapshot = {
		cursor: encodeCursor(inventory),
		mode: previous === null ? "full" : selected.length === 0 && deleted.length === 0 ? "unchanged" : "changed",
		deleted,
		diagnostics,
		progress,
		...(notice ? { notice } : {}),
		files: () =>
			downloadAll(client, snapshot.mode === "unchanged" ? [] : selected, context, progress, (artifact) => {
				inventory.delete(artifact.key);
				snapshot.cursor = encodeCursor(inventory);
				if (previous?.has(artifact.key)) deleted.push(artifact.key);
				diagnostics.push({
					path: artifact.key,
					stage: "read",
					errorClass: ARTIFACTORY_ERRORS.notFound,
					message: "The artifact was deleted after it was listed.",
				});
			}),
	};
	return snapshot;
}

export const artifactorySensor: Sensor<ArtifactorySensorConfig> = {
	sensorType: "Artifactory Sensor",
	async open(config, context) {
		const client = new ArtifactoryClient(
			baseUrl(config.url),
			authorizationOf(config),
			context.settings.networkPolicy,
			context.signal,
		);
		try {
			return await openSnapshot(config, context, client);
		} catch (error) {
			await client.close();
			throw error;
		}
	},
};
