import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema/index.ts";

export type Database = NodePgDatabase<typeof schema> & { $client: pg.Pool };
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Either the pool-backed database or an open transaction: domain functions run inside both. */
export type DbExecutor = Database | Transaction;

export interface DatabaseHandle {
	db: Database;
	pool: pg.Pool;
	close(): Promise<void>;
}

export function createDatabase(url: string, options: { max?: number; applicationName?: string } = {}): DatabaseHandle {
	const pool = new pg.Pool({
		connectionString: url,
		max: options.max ?? 10,
		application_name: options.applicationName ?? "sensorium",
		connectionTimeoutMillis: 5_000,
	});
	// An idle client losing its connection must not crash the process; the pool replaces it.
	pool.on("error", () => {});
	return { db: drizzle(pool, { schema }), pool, close: () => pool.end() };
}
