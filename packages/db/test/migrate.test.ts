import { randomBytes } from "node:crypto";
import { databaseUrl, withAdminClient } from "@sensorium/testing";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { migrateDatabase } from "../src/index.ts";

const name = `sensorium_t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
afterAll(() => withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));

it("creates the database and applies every migration once, even when replicas start together", async () => {
	await Promise.all(Array.from({ length: 4 }, () => migrateDatabase(databaseUrl(name))));
	const client = new pg.Client({ connectionString: databaseUrl(name) });
	await client.connect();
	try {
		const applied = await client.query("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
		const { readFileSync } = await import("node:fs");
		const { MIGRATIONS_FOLDER } = await import("../src/index.ts");
		const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, "utf8")) as {
			entries: unknown[];
		};
		expect(applied.rows[0].n).toBe(journal.entries.length);
		const types = await client.query("SELECT type FROM sensor_types ORDER BY type");
		expect(types.rows.map((r) => r.type)).toEqual([
			"Artifactory Sensor",
			"Bitbucket Sensor",
			"Container Sensor",
			"Filesystem Sensor",
			"GIT Sensor",
			"GitHub Sensor",
			"GitLab Sensor",
			"Github Sensor",
			"Gitlab Sensor",
		]);
		await migrateDatabase(databaseUrl(name));
		expect((await client.query("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations")).rows[0].n).toBe(
			journal.entries.length,
		);
	} finally {
		await client.end();
	}
});
