import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS_FOLDER, migrateDatabase } from "@sensorium/db";
import pg from "pg";

export const TEST_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * The template's name carries a hash of the migrations, so concurrent test runs share one template
 * and a schema change gets a fresh one without dropping a template another run is cloning.
 */
export function templateDatabaseName(): string {
	const hash = createHash("sha256");
	for (const file of readdirSync(MIGRATIONS_FOLDER)
		.filter((f) => f.endsWith(".sql"))
		.sort()) {
		hash.update(file).update(readFileSync(join(MIGRATIONS_FOLDER, file)));
	}
	return `sensorium_tpl_${hash.digest("hex").slice(0, 12)}`;
}

export function databaseUrl(name: string, adminUrl = TEST_ADMIN_URL): string {
	const url = new URL(adminUrl);
	url.pathname = `/${name}`;
	return url.toString();
}

export async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>, adminUrl = TEST_ADMIN_URL): Promise<T> {
	const client = new pg.Client({ connectionString: adminUrl });
	await client.connect();
	try {
		return await fn(client);
	} finally {
		await client.end();
	}
}

export interface TestDatabase {
	name: string;
	url: string;
	drop(): Promise<void>;
}

/** A private database for one test file, cloned from the migrated template (a file copy, fast). */
export async function createTestDatabase(): Promise<TestDatabase> {
	const name = `sensorium_t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
	await withAdminClient(async (client) => {
		// CREATE DATABASE ... TEMPLATE fails while another session is connected to the template,
		// which can happen briefly when files start together; retry a few times.
		for (let attempt = 0; ; attempt++) {
			try {
				await client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabaseName()}"`);
				return;
			} catch (error) {
				if (attempt >= 20 || (error as { code?: string }).code !== "55006") throw error;
				await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
			}
		}
	});
	return {
		name,
		url: databaseUrl(name),
		drop: () =>
			withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
	};
}

/**
 * A private database migrated from scratch, for benchmarks, which run outside vitest and so have
 * no template. `adminUrl` names a database on the server from which databases may be created.
 */
export async function createMigratedDatabase(label: string, adminUrl = TEST_ADMIN_URL): Promise<TestDatabase> {
	const name = `sensorium_${label}_${randomBytes(4).toString("hex")}`;
	const url = databaseUrl(name, adminUrl);
	await migrateDatabase(url);
	return {
		name,
		url,
		drop: () =>
			withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), adminUrl).then(
				() => {},
			),
	};
}
