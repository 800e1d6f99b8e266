import { bootstrapOrganization } from "@sensorium/accounts";
import { createDatabase, type DatabaseHandle, sensors } from "@sensorium/db";
import { newObjectId } from "@sensorium/ids";
import { createTestDatabase, type TestDatabase } from "@sensorium/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshHostKeyStore } from "../src/ssh-host-keys.ts";

let testDb: TestDatabase;
let database: DatabaseHandle;
let orgId: string;
let userId: string;

beforeAll(async () => {
	testDb = await createTestDatabase();
	database = createDatabase(testDb.url, { max: 2 });
	({ orgId, userId } = await bootstrapOrganization(database.db, { orgName: "K", email: "k@k.test" }));
});

afterAll(async () => {
	await database.close();
	await testDb.drop();
});

async function newSensor(): Promise<string> {
	const id = newObjectId();
	await database.db.insert(sensors).values({
		id,
		orgId,
		name: `s-${id}`,
		type: "GIT Sensor",
		config: { url: "git@example.com:a/b.git" },
		priority: "low",
		createdBy: userId,
	});
	return id;
}

describe("ssh host key store", () => {
	it("keeps the first pin of a sensor across stores, apart from other sensors", async () => {
		const sensorId = await newSensor();
		const other = await newSensor();
		expect(await sshHostKeyStore(database.db, sensorId).load()).toBeNull();
		await sshHostKeyStore(database.db, sensorId).pin("example.com ssh-ed25519 AAAAfirst");
		await sshHostKeyStore(database.db, sensorId).pin("example.com ssh-ed25519 AAAAsecond");
		expect(await sshHostKeyStore(database.db, sensorId).load()).toBe("example.com ssh-ed25519 AAAAfirst");
		expect(await sshHostKeyStore(database.db, other).load()).toBeNull();
	});
});
