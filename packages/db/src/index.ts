export { createDatabase, type Database, type DatabaseHandle, type DbExecutor, type Transaction } from "./client.ts";
export { ensureDatabaseExists, MIGRATIONS_FOLDER, migrateDatabase } from "./migrate.ts";
export * from "./schema/index.ts";
