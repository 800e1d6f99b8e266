export { createDatabase, type Database, type DatabaseHandle, type DbExecutor, type Transaction } from "./client.ts";
export { isDatabaseUnavailable, isUniqueViolation, isUnstorableText } from "./errors.ts";
export { ensureDatabaseExists, MIGRATIONS_FOLDER, migrateDatabase } from "./migrate.ts";
export { NamedStatement } from "./named-statement.ts";
export * from "./schema/index.ts";
