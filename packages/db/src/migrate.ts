import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

/** Next to the schema in the repository; a bundled deployment points SENSORIUM_MIGRATIONS_DIR at its copy. */
export const MIGRATIONS_FOLDER =
	process.env.SENSORIUM_MIGRATIONS_DIR ?? fileURLToPath(new URL("../drizzle", import.meta.url));

// Arbitrary but fixed: every Sensorium process that migrates takes this session-level lock.
const MIGRATION_LOCK_ID = 0x5e_45_01_00;

/**
 * Applies the committed drizzle-kit migrations. Drizzle takes no lock of its own, so replicas
 * starting together serialise on a Postgres advisory lock held on one dedicated connection.
 * Creates the database first when it does not exist (a fresh laptop or CI machine).
 */
export async function migrateDatabase(url: string): Promise<void> {
	await ensureDatabaseExists(url);
	const client = new pg.Client({ connectionString: url, application_name: "sensorium-migrate" });
	await client.connect();
	try {
		await client.query("SET client_min_messages = warning");
		await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
		try {
			await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
		} finally {
			await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
		}
	} finally {
		await client.end();
	}
}

export async function ensureDatabaseExists(url: string): Promise<void> {
	const target = new URL(url);
	const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
	if (!name) return;
	const admin = new URL(url);
	admin.pathname = "/postgres";
	const client = new pg.Client({ connectionString: admin.toString() });
	await client.connect();
	try {
		const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
		if (found.rowCount === 0) {
			try {
				await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
			} catch (error) {
				// Another replica created it between our check and our CREATE: 42P04, or 23505 when the
				// two CREATEs race inside the catalog.
				const code = (error as { code?: string }).code;
				if (code !== "42P04" && code !== "23505") throw error;
			}
		}
	} finally {
		await client.end();
	}
}
