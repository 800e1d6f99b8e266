import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { bootstrapOrganization } from "@sensorium/accounts";
import { callbackEndpoints, createDatabase, type DatabaseHandle, sensors } from "@sensorium/db";
import { newObjectId } from "@sensorium/ids";
import { SecretBox, sealedPlace } from "@sensorium/secrets";
import { createTestDatabase, legacyV1Envelope, type TestDatabase } from "@sensorium/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../bin/sensorium.mjs", import.meta.url));

const OLD_KEY = randomBytes(32);
const NEW_KEY = randomBytes(32);
const FOREIGN_KEY = randomBytes(32);

let testDb: TestDatabase;
let database: DatabaseHandle;
let owner: { orgId: string; userId: string };
const ids = { sensor: newObjectId(), lost: newObjectId(), current: newObjectId(), endpoint: newObjectId() };

beforeAll(async () => {
	testDb = await createTestDatabase();
	database = createDatabase(testDb.url, { max: 2 });
	owner = await bootstrapOrganization(database.db, { orgName: "Acme", email: "admin@acme.test" });
	const sensor = (id: string, name: string, config: Record<string, unknown>) => ({
		id,
		orgId: owner.orgId,
		name,
		type: "GIT Sensor",
		config,
		priority: "medium" as const,
		createdBy: owner.userId,
	});
	await database.db.insert(sensors).values([
		// Written by a release before places were bound, under the key that is being retired.
		sensor(ids.sensor, "legacy", {
			url: "https://git.example.test/a.git",
			username: "ci",
			password: { $sealed: legacyV1Envelope(OLD_KEY, "old-password") },
		}),
		// Sealed under a key nobody configured any more: reported, left alone.
		sensor(ids.lost, "lost", {
			url: "https://git.example.test/b.git",
			token: { $sealed: legacyV1Envelope(FOREIGN_KEY, "x") },
		}),
		// Already current: not rewritten.
		sensor(ids.current, "current", {
			url: "https://git.example.test/c.git",
			token: { $sealed: new SecretBox(NEW_KEY).encrypt("new-token", `${sealedPlace.sensorConfig(ids.current)}.token`) },
		}),
	]);
	await database.db.insert(callbackEndpoints).values({
		id: ids.endpoint,
		orgId: owner.orgId,
		name: "hook",
		url: "https://hooks.example.test/scan",
		authType: "bearer",
		tokenSealed: legacyV1Envelope(OLD_KEY, "bearer-value"),
		signingSecretSealed: legacyV1Envelope(OLD_KEY, "whsec_signing"),
	});
});

afterAll(async () => {
	await database.close();
	await testDb.drop();
});

async function reseal(...args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
	const env = {
		...process.env,
		DATABASE_URL: testDb.url,
		SENSORIUM_SECRET_KEY: NEW_KEY.toString("base64"),
		SENSORIUM_PREVIOUS_SECRET_KEYS: ` ${OLD_KEY.toString("base64")} `,
	};
	try {
		const { stdout, stderr } = await run(process.execPath, [BIN, "secrets", "reseal", "--json", ...args], { env });
		return { code: 0, json: JSON.parse(stdout), stderr };
	} catch (error) {
		const failed = error as { code: number; stdout: string; stderr: string };
		return { code: failed.code, json: JSON.parse(failed.stdout || "{}"), stderr: failed.stderr };
	}
}

async function sensorConfig(id: string): Promise<Record<string, unknown>> {
	const [row] = await database.db.select({ config: sensors.config }).from(sensors).where(eq(sensors.id, id));
	return row?.config ?? {};
}

describe("sensorium secrets reseal", () => {
	it("--dry-run counts what would change and changes nothing", async () => {
		const before = await sensorConfig(ids.sensor);
		const res = await reseal("--dry-run");
		expect(res.json).toMatchObject({
			dryRun: true,
			sensors: { examined: 3, resealed: 1, unreadable: [ids.lost] },
			callbackEndpoints: { examined: 1, resealed: 1, unreadable: [] },
		});
		expect(await sensorConfig(ids.sensor)).toEqual(before);
	});

	it("re-seals v1 values under the current key, bound to their row, and exits 1 naming what no key opens", async () => {
		const current = await sensorConfig(ids.current);
		const res = await reseal();
		expect(res.code).toBe(1);
		expect(res.json).toMatchObject({
			keyId: SecretBox.idOf(NEW_KEY),
			sensors: { examined: 3, resealed: 1, unreadable: [ids.lost] },
			callbackEndpoints: { examined: 1, resealed: 1 },
		});

		// Only the new key is needed from now on, and each value opens only in its own place.
		const box = new SecretBox(NEW_KEY);
		const config = await sensorConfig(ids.sensor);
		expect((config.password as { $sealed: string }).$sealed.startsWith(`v2.${box.keyId}.`)).toBe(true);
		expect(box.openFields(config, sealedPlace.sensorConfig(ids.sensor))).toMatchObject({ password: "old-password" });
		expect(() => box.openFields(config, sealedPlace.sensorConfig(ids.current))).toThrow(/does not open/);
		const [endpoint] = await database.db.select().from(callbackEndpoints).where(eq(callbackEndpoints.id, ids.endpoint));
		expect(box.decrypt(endpoint?.tokenSealed ?? "", sealedPlace.callbackToken(ids.endpoint))).toBe("bearer-value");
		expect(box.decrypt(endpoint?.signingSecretSealed ?? "", sealedPlace.callbackSigningSecret(ids.endpoint))).toBe(
			"whsec_signing",
		);
		expect(() => box.decrypt(endpoint?.tokenSealed ?? "", sealedPlace.callbackSigningSecret(ids.endpoint))).toThrow();

		// Untouched: the current value, and the one no configured key opens.
		expect(await sensorConfig(ids.current)).toEqual(current);
		expect(JSON.stringify(await sensorConfig(ids.lost))).toContain('"v1.');
		expect(res.stderr).not.toContain("old-password");
	});

	it("is idempotent: a second run re-seals nothing", async () => {
		const res = await reseal();
		expect(res.json).toMatchObject({ sensors: { resealed: 0 }, callbackEndpoints: { resealed: 0 } });
	});

	it("names the variable when a previous key is malformed", async () => {
		const { stdout, stderr } = await run(process.execPath, [BIN, "secrets", "reseal"], {
			env: { ...process.env, DATABASE_URL: testDb.url, SENSORIUM_PREVIOUS_SECRET_KEYS: "not-a-key" },
		}).catch((error) => error as { stdout: string; stderr: string });
		expect(`${stdout}${stderr}`).toContain("SENSORIUM_PREVIOUS_SECRET_KEYS");
	});
});
