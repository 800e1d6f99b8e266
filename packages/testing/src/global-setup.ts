import { migrateDatabase } from "@sensorium/db";
import { databaseUrl, templateDatabaseName, withAdminClient } from "./postgres.ts";

const TEMPLATE_LOCK_ID = 0x5e_45_7e_57;
const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/** Runs once per `vitest run`: makes sure the migrated template every test database clones exists. */
export default async function setup(): Promise<() => Promise<void>> {
	const template = templateDatabaseName();
	await withAdminClient(async (client) => {
		await client.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK_ID]);
		try {
			const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]);
			if (found.rowCount === 0) {
				const building = `${template}_building`;
				await client.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
				await migrateDatabase(databaseUrl(building));
				await client.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
			}
		} finally {
			await client.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK_ID]);
		}
	});
	return async () => {
		// Databases of test files that crashed before their afterAll would otherwise pile up; only
		// old ones go, so a concurrent run keeps its own.
		await withAdminClient(async (client) => {
			const rows = await client.query<{ datname: string }>(
				"SELECT datname FROM pg_database WHERE datname LIKE 'sensorium\\_t\\_%'",
			);
			for (const { datname } of rows.rows) {
				const created = Number.parseInt(datname.split("_")[2] ?? "", 36);
				if (Number.isFinite(created) && Date.now() - created > STALE_AFTER_MS) {
					await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
				}
			}
		});
	};
}
