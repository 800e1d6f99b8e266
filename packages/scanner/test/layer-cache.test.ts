import { generateKeyPairSync } from "node:crypto";
import { bootstrapOrganization } from "@sensorium/accounts";
import { createDatabase, type DatabaseHandle, imageLayerScans, imageLayers } from "@sensorium/db";
import { createLogger } from "@sensorium/logger";
import type { SourceFile } from "@sensorium/sensors";
import { createTestDatabase, type TestDatabase } from "@sensorium/testing";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDetector, inspectFile, readAndInspect } from "../src/file-scan.ts";
import { detectionFingerprint, LAYER_RETENTION_DAYS, type ScanOptions } from "../src/index.ts";
import { PostgresLayerCache } from "../src/layer-cache.ts";

// The layer cache against the real Postgres: what one organisation's scans keep, and who gets it back.
const KEY = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
const LAYER = `sha256:${"a".repeat(64)}`;
const OPTIONS: ScanOptions = { maxFileBytes: 1024 * 1024, scanArchives: true };
const logger = createLogger({ name: "test", level: "silent" });
const detection = { keystorePasswords: ["changeit"] };
const detect = createDetector(detection);
const analyze = () => ({ priority: "high", reasons: ["analysed now"] });

let testDb: TestDatabase;
let database: DatabaseHandle;
let orgA: string;
let orgB: string;

beforeAll(async () => {
	testDb = await createTestDatabase();
	database = createDatabase(testDb.url, { max: 2 });
	orgA = (await bootstrapOrganization(database.db, { orgName: "A", email: "a@a.test" })).orgId;
	orgB = (await bootstrapOrganization(database.db, { orgName: "B", email: "b@b.test" })).orgId;
});

afterAll(async () => {
	await database.close();
	await testDb.drop();
});

const cacheOf = (orgId: string, options = OPTIONS, passwords = detection) =>
	PostgresLayerCache.forExecution(database.db, orgId, detectionFingerprint(passwords), options, logger);

function layerFile(image: string, path: string, content: string): SourceFile {
	return {
		path: `registry.test/app@${image}!${path}`,
		size: Buffer.byteLength(content),
		layerDigest: LAYER,
		layerPath: path,
		read: async () => Buffer.from(content),
	};
}

/** One "execution" that reads the file and keeps what it found. */
async function scanAndKeep(cache: PostgresLayerCache, file: SourceFile) {
	// As the scan loop does it (size cap, read failures), with discovery on this thread.
	const { report } = await readAndInspect(
		file,
		async (path, source) =>
			inspectFile(path, "bytes" in source ? source.bytes : Buffer.alloc(0), { detect, analyze }, OPTIONS),
		OPTIONS,
		new AbortController().signal,
	);
	const scanned = await report;
	await cache.remember(file, scanned, OPTIONS);
	await cache.flush();
	return scanned;
}

describe("layer cache", () => {
	it("gives a file's results back at another image's location, analysed again, to the same organisation only", async () => {
		const first = cacheOf(orgA);
		await first.saveEntries(LAYER, { format: 1, entries: [["f", "/etc/key.pem", KEY.length]] });
		const cold = await scanAndKeep(first, layerFile(`sha256:${"1".repeat(64)}`, "/etc/key.pem", KEY as string));
		expect(cold.observations).toHaveLength(1);

		const later = cacheOf(orgA);
		expect([...(await later.entries([LAYER])).keys()]).toEqual([LAYER]);
		expect(await later.scanned(LAYER, ["/etc/key.pem", "/etc/other.pem"])).toEqual(new Set(["/etc/key.pem"]));
		const unreadable: SourceFile = {
			...layerFile(`sha256:${"2".repeat(64)}`, "/etc/key.pem", ""),
			read: () => Promise.reject(new Error("must not be read")),
		};
		const warm = later.take(unreadable, analyze);
		expect(warm?.observations).toEqual(
			cold.observations.map((o) => ({
				...o,
				layerDigest: unreadable.layerDigest,
				path: unreadable.path,
				analysis: { priority: "high", reasons: ["analysed now"] },
			})),
		);
		expect(warm?.read).toBe(true);
		expect(later.take(unreadable, analyze)).toBeUndefined();

		const other = cacheOf(orgB);
		expect((await other.entries([LAYER])).size).toBe(0);
		expect((await other.scanned(LAYER, ["/etc/key.pem"])).size).toBe(0);
		expect(other.take(unreadable, analyze)).toBeUndefined();
	});

	it("an entry list saved again replaces the one the sensor could not use", async () => {
		const cache = cacheOf(orgA);
		await cache.saveEntries(LAYER, { format: 1, entries: [["f", "/etc/key.pem", KEY.length]] });
		expect((await cacheOf(orgA).entries([LAYER])).get(LAYER)).toEqual({
			format: 1,
			entries: [["f", "/etc/key.pem", KEY.length]],
		});
		await cache.saveEntries(LAYER, { format: 0 });
		expect((await cacheOf(orgA).entries([LAYER])).get(LAYER)).toEqual({ format: 0 });
		await cache.saveEntries(LAYER, { format: 1, entries: [["f", "/etc/key.pem", KEY.length]] });
	});

	it("results are kept per detection settings: another size cap, archive setting or keystore password misses", async () => {
		const settings = [
			cacheOf(orgA, { ...OPTIONS, maxFileBytes: 2 * 1024 * 1024 }),
			cacheOf(orgA, { ...OPTIONS, scanArchives: false }),
			cacheOf(orgA, OPTIONS, { keystorePasswords: ["changeit", "another"] }),
		];
		for (const cache of settings) {
			expect((await cache.entries([LAYER])).size).toBe(1);
			expect((await cache.scanned(LAYER, ["/etc/key.pem"])).size).toBe(0);
		}
		const stored = await database.db.select().from(imageLayerScans).where(eq(imageLayerScans.orgId, orgA));
		expect(JSON.stringify(stored)).not.toContain("changeit");
	});

	it("a failed read is not kept; a file over the size cap is", async () => {
		const cache = cacheOf(orgA);
		const broken: SourceFile = {
			...layerFile(`sha256:${"3".repeat(64)}`, "/broken.pem", "x"),
			read: () => Promise.reject(new Error("connection reset")),
		};
		await scanAndKeep(cache, broken);
		const big = { ...layerFile(`sha256:${"3".repeat(64)}`, "/big.bin", ""), size: 2 * 1024 * 1024 };
		await scanAndKeep(cache, big);
		expect(await cacheOf(orgA).scanned(LAYER, ["/broken.pem", "/big.bin"])).toEqual(new Set(["/big.bin"]));
	});

	it(`a layer unused for ${LAYER_RETENTION_DAYS} days goes, with its results, when the organisation next scans`, async () => {
		await database.db
			.update(imageLayers)
			.set({ usedAt: sql`now() - make_interval(days => ${LAYER_RETENTION_DAYS + 1})` })
			.where(eq(imageLayers.orgId, orgA));
		expect((await cacheOf(orgA).entries([LAYER])).size).toBe(0);
		expect(await database.db.select().from(imageLayerScans).where(eq(imageLayerScans.orgId, orgA))).toEqual([]);
	});
});
