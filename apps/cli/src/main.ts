import { parseArgs } from "node:util";
import { baseEnvSchema, ConfigError, parseEnv } from "@sensorium/config";
import { createDatabase } from "@sensorium/db";
import { isDomainError } from "@sensorium/errors";
import {
	bootstrap,
	type CommandContext,
	orgsSetLicence,
	tokensCreate,
	tokensRevoke,
	usersCreate,
	usersDeactivate,
} from "./commands/accounts.ts";
import { createOutput, type Output } from "./output.ts";

const COMMANDS: Record<string, (ctx: CommandContext) => Promise<void>> = {
	bootstrap,
	"users create": usersCreate,
	"users deactivate": usersDeactivate,
	"tokens create": tokensCreate,
	"tokens revoke": tokensRevoke,
	"orgs set-licence": orgsSetLicence,
};

const USAGE = `Usage: sensorium <command> [flags] [--json]

Operator commands (talk to Postgres at DATABASE_URL):
  bootstrap --org NAME --email EMAIL [--domain DOMAIN]   new organisation, admin user and Admin Token
  users create --org ORG_ID --email EMAIL [--role admin|user]
  users deactivate (--user USER_ID | --email EMAIL)
  tokens create (--user USER_ID | --email EMAIL) --name NAME [--type "API Token"|"Admin Token"]
                [--description TEXT] [--expires-in-days 7|30|60|90|180|365]
  tokens revoke --org ORG_ID --token TOKEN_ID
  orgs set-licence --org ORG_ID --expires (ISO-8601-DATE | never)

--json prints exactly one JSON object.`;

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
];

const { values, positionals } = parseArgs({
	allowPositionals: true,
	strict: false,
	options: {
		json: { type: "boolean" },
		help: { type: "boolean", short: "h" },
		...Object.fromEntries(STRING_FLAGS.map((flag) => [flag, { type: "string" as const }])),
	},
});
const out: Output = createOutput(values.json === true);
const name = [positionals[0], positionals[1]].filter(Boolean).join(" ");
const command = COMMANDS[name] ?? COMMANDS[positionals[0] ?? ""];

if (values.help || !command) {
	if (!command && positionals.length > 0) out.fail(`Unknown command: ${positionals.join(" ")}\n\n${USAGE}`, 2);
	process.stdout.write(`${USAGE}\n`);
	process.exit(values.help ? 0 : 2);
}

function databaseUrl(): string {
	try {
		return parseEnv(baseEnvSchema.pick({ DATABASE_URL: true })).DATABASE_URL;
	} catch (error) {
		out.fail(error instanceof ConfigError ? error.message : String(error));
	}
}
const env = { DATABASE_URL: databaseUrl() };
const database = createDatabase(env.DATABASE_URL, { max: 2, applicationName: "sensorium-cli" });
try {
	await command({ db: database.db, databaseUrl: env.DATABASE_URL, flags: values, out });
} catch (error) {
	await database.close();
	out.fail(isDomainError(error) ? error.message : error instanceof Error ? error.message : String(error));
}
await database.close();
