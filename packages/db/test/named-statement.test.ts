import { createTestDatabase, type TestDatabase } from "@sensorium/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDatabase, type DatabaseHandle, isUniqueViolation, NamedStatement, organizations } from "../src/index.ts";

let testDb: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
	testDb = await createTestDatabase();
	// One connection, so every execution after the first reuses that connection's prepared statement.
	handle = createDatabase(testDb.url, { max: 1 });
});

afterAll(async () => {
	await handle.close();
	await testDb.drop();
});

const insertOrganization = new NamedStatement(
	"test_insert_organization",
	sql`INSERT INTO ${organizations} (id, name) VALUES (${sql.placeholder("id")}, ${sql.placeholder("name")})`,
);

it("fills placeholders by name, is prepared once per connection and reports constraint violations", async () => {
	await insertOrganization.execute(handle.db, { name: "First", id: "aaaaaaaaaaaaaaaaaaaaaaa1" });
	await insertOrganization.execute(handle.db, { id: "aaaaaaaaaaaaaaaaaaaaaaa2", name: "Second" });

	const { rows } = await handle.pool.query("SELECT id, name FROM organizations WHERE id LIKE 'aaaa%' ORDER BY id");
	expect(rows).toEqual([
		{ id: "aaaaaaaaaaaaaaaaaaaaaaa1", name: "First" },
		{ id: "aaaaaaaaaaaaaaaaaaaaaaa2", name: "Second" },
	]);
	const prepared = await handle.pool.query("SELECT name FROM pg_prepared_statements WHERE name = $1", [
		"test_insert_organization",
	]);
	expect(prepared.rowCount).toBe(1);

	const duplicate = await insertOrganization
		.execute(handle.db, { id: "aaaaaaaaaaaaaaaaaaaaaaa1", name: "Again" })
		.catch((error: unknown) => error);
	expect(isUniqueViolation(duplicate, "organizations_pkey")).toBe(true);
});
