import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SensorError } from "../sensor.ts";
import type { ArtifactoryClient } from "./artifactory-client.ts";
import { ARTIFACTORY_ERRORS } from "./artifactory-errors.ts";
import type { Artifact } from "./artifactory-listing.ts";

export function downloadPath(artifact: Artifact): string {
	return [artifact.repo, ...artifact.path.split("/")].map(encodeURIComponent).join("/");
}

class ChecksumMismatch extends Error {}

/**
 * Streams one artifact to `file` through SHA-256 (and SHA-1 when that is the only digest listed),
 * never writing more than the size AQL listed. A digest mismatch is retried once, since a broken
 * connection or proxy can garble one transfer; a second one fails the scan.
 */
export async function downloadArtifact(client: ArtifactoryClient, artifact: Artifact, file: string): Promise<void> {
	for (let attempt = 1; ; attempt += 1) {
		try {
			await downloadOnce(client, artifact, file);
			return;
		} catch (error) {
			await rm(file, { force: true });
			if (!(error instanceof ChecksumMismatch)) throw error;
			if (attempt >= 2) {
				throw new SensorError(
					ARTIFACTORY_ERRORS.checksumMismatch,
					`The download of ${artifact.key} does not match the checksum Artifactory lists for it (${error.message}), twice; the artifact may be corrupt in storage or altered in transit.`,
				);
			}
		}
	}
}

async function downloadOnce(client: ArtifactoryClient, artifact: Artifact, file: string): Promise<void> {
	const response = await client.send(client.url(downloadPath(artifact)), { what: `downloading ${artifact.key}` });
	const sha256 = createHash("sha256");
	const sha1 = artifact.sha256 === null && artifact.sha1 !== null ? createHash("sha1") : null;
	let received = 0;
	const meter = new Transform({
		transform(chunk: Buffer, _encoding, done) {
			received += chunk.length;
			if (received > artifact.size) {
				done(
					new SensorError(
						ARTIFACTORY_ERRORS.sizeExceeded,
						`The download of ${artifact.key} is larger than the ${artifact.size} bytes Artifactory lists for it.`,
					),
				);
				return;
			}
			sha256.update(chunk);
			sha1?.update(chunk);
			done(null, chunk);
		},
	});
	try {
		await pipeline(response.body, meter, createWriteStream(file, { flags: "wx", mode: 0o600 }), {
			signal: client.signal,
		});
	} catch (error) {
		if (client.signal.aborted) throw client.signal.reason;
		if (error instanceof SensorError) throw error;
		if ((error as NodeJS.ErrnoException).code === "ENOSPC") {
			throw new SensorError(
				ARTIFACTORY_ERRORS.sizeExceeded,
				`The worker's scratch disk is full while downloading ${artifact.key}; lower ARTIFACTORY_DOWNLOAD_CONCURRENCY or max_file_size_mb, or give WORKER_TMP_DIR more room.`,
				true,
			);
		}
		throw new SensorError(
			ARTIFACTORY_ERRORS.unreachable,
			`The download of ${artifact.key} broke off after ${received} bytes.`,
			true,
		);
	}
	if (received !== artifact.size) throw new ChecksumMismatch(`${received} of ${artifact.size} bytes`);
	if (artifact.sha256 !== null && sha256.digest("hex") !== artifact.sha256) throw new ChecksumMismatch("SHA-256");
	if (sha1 !== null && sha1.digest("hex") !== artifact.sha1) throw new ChecksumMismatch("SHA-1");
}
