import { baseEnvSchema, parseEnv } from "@sensorium/config";
import { migrateDatabase } from "./migrate.ts";

try {
	const env = parseEnv(baseEnvSchema.pick({ DATABASE_URL: true }));
	await migrateDatabase(env.DATABASE_URL);
	console.log(`Migrations applied to ${redactUrl(env.DATABASE_URL)}`);
} catch (error) {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
}

function redactUrl(url: string): string {
	const parsed = new URL(url);
	if (parsed.password) parsed.password = "***";
	return parsed.toString();
}
