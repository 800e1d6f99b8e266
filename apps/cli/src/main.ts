import { parseArgs } from "node:util";
import { baseEnvSchema, ConfigError, parseEnv, redisTopology } from "@sensorium/config";
import { createDatabase } from "@sensorium/db";
import { isDomainError } from "@sensorium/errors";
import { type AuthInvalidation, createProducerConnection, publishAuthInvalidation } from "@sensorium/queue";
import {
	bootstrap,
	type CommandContext,
	orgsSetLicence,
	tokensCreate,
	tokensRevoke,
	usersCreate,
	usersDeactivate,
	usersSetPassword,
} from "./commands/accounts.ts";
import { callbacksDelete, callbacksList, callbacksRegister } from "./commands/callbacks.ts";
import { demo } from "./commands/demo.ts";
import { exportNdjson } from "./commands/export.ts";
import {
	type ApiContext,
	scanCbom,
	scanCreate,
	scanExecute,
	scanFindings,
	scanStatus,
	scanWait,
} from "./commands/scan.ts";
import { COMMAND_HELP, commandUsage, usage } from "./help.ts";
import { createOutput, type Output } from "./output.ts";

const COMMANDS: Record<string, (ctx: CommandContext) => Promise<void>> = {
	bootstrap,
	"users create": usersCreate,
	"users deactivate": usersDeactivate,
	"users set-password": usersSetPassword,
	"tokens create": tokensCreate,
	"tokens revoke": tokensRevoke,
	"orgs set-licence": orgsSetLicence,
	"callbacks register": callbacksRegister,
	"callbacks list": callbacksList,
	"callbacks delete": callbacksDelete,
	"export ndjson": exportNdjson,
	// Loaded on use: it needs the sensor registry, which the other commands should not pay for at start-up.
	"secrets reseal": async (ctx) => (await import("./commands/secrets.ts")).secretsReseal(ctx),
};

/** Commands that talk to a running API rather than to the database. */
const API_COMMANDS: Record<string, (ctx: ApiContext) => Promise<void>> = {
	"scan create": scanCreate,
	"scan execute": scanExecute,
	"scan status": scanStatus,
	"scan wait": scanWait,
	"scan findings": scanFindings,
	"scan cbom": scanCbom,
	demo,
};

const STRING_FLAGS = [
	"org",
	"email",
	"domain",
	"user",
	"role",
	"type",
	"name",
	"description",
	"expires-in-days",
	"token",
	"expires",
	"url",
	"auth-type",
	"header-name",
	"token-value",
	"callback",
	"api-url",
	"config",
	"config-file",
	"priority",
	"callback-id",
	"auto-resolution-days",
	"labels",
	"sensor",
	"execution",
	"interval",
	"timeout",
	"output",
	"index-prefix",
];

const { values, positionals } = parseArgs({
	allowPositionals: true,
	strict: false,
	options: {
		json: { type: "boolean" },
		help: { type: "boolean", short: "h" },
		incremental: { type: "boolean" },
		"password-stdin": { type: "boolean" },
		"token-value-stdin": { type: "boolean" },
		"dry-run": { type: "boolean" },
		...Object.fromEntries(STRING_FLAGS.map((flag) => [flag, { type: "string" as const }])),
	},
});
const out: Output = createOutput(values.json === true);
const name = [positionals[0], positionals[1]].filter(Boolean).join(" ");
const commandName = COMMAND_HELP[name] ? name : (positionals[0] ?? "");
if (values.help) {
	process.stdout.write(`${commandUsage(commandName) ?? usage()}\n`);
	process.exit(0);
}
if (positionals.length === 0) {
	process.stdout.write(`${usage()}\n`);
	process.exit(2);
}
const apiCommand = API_COMMANDS[commandName];
if (apiCommand) {
	await apiCommand({ flags: values, out });
	process.exit(0);
}
const command = COMMANDS[commandName];
if (!command) out.fail(`Unknown command: ${positionals.join(" ")}\n\n${usage()}`, 2);

function databaseUrl(): string {
	try {
		return parseEnv(baseEnvSchema.pick({ DATABASE_URL: true })).DATABASE_URL;
	} catch (error) {
		out.fail(error instanceof ConfigError ? error.message : String(error));
	}
}
/**
 * Postgres has the change already; this only spares running API replicas their AUTH_CACHE_TTL_MS
 * of remembering it, so an unreachable Redis is a warning, not a failure.
 */
async function announceAuthChange(change: AuthInvalidation): Promise<void> {
	try {
		const env = parseEnv(baseEnvSchema);
		const redis = createProducerConnection(redisTopology(env), {
			lazyConnect: true,
			connectTimeout: 2_000,
			retryStrategy: () => null,
		});
		try {
			await redis.connect();
			await publishAuthInvalidation(redis, env.QUEUE_PREFIX, change);
		} finally {
			redis.disconnect();
		}
	} catch (error) {
		// Not the URL: it may carry a password.
		const reason = error instanceof ConfigError ? error.message : "Redis did not answer";
		out.warn(`${reason}: running API replicas notice the change within AUTH_CACHE_TTL_MS (default 2 s).`);
	}
}

const env = { DATABASE_URL: databaseUrl() };
const database = createDatabase(env.DATABASE_URL, { max: 2, applicationName: "sensorium-cli" });
try {
	await command({ db: database.db, databaseUrl: env.DATABASE_URL, flags: values, out, announceAuthChange });
} catch (error) {
	await database.close();
	out.fail(isDomainError(error) ? error.message : error instanceof Error ? error.message : String(error));
}
await database.close();
