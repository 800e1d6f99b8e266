/** Every command and flag, one line each: `sensorium --help` and `sensorium <command> --help`. */
interface CommandHelp {
	summary: string;
	flags: [flag: string, meaning: string][];
}

const API_FLAGS: [string, string][] = [
	["--api-url URL", "the running API (env SENSORIUM_API_URL; default http://localhost:8080)"],
	["--token TOKEN", "an API or Admin Token (env SENSORIUM_API_TOKEN)"],
];

export const COMMAND_HELP: Record<string, CommandHelp> = {
	demo: {
		summary: "scan a planted local repository with the running system (npm start) and summarise the findings",
		flags: [
			["--api-url URL", "the running API (env SENSORIUM_API_URL; default http://localhost:8080)"],
			["--token TOKEN", "use this token (env SENSORIUM_API_TOKEN) instead of the demo organisation's"],
		],
	},
	bootstrap: {
		summary: "new organisation with its admin, an Admin Token and a one-time console password",
		flags: [
			["--org NAME", "organisation name (required)"],
			["--email EMAIL", "the admin's email (required)"],
			["--domain DOMAIN", "the organisation's email domain"],
		],
	},
	"users create": {
		summary: "add a user to an organisation",
		flags: [
			["--org ORG_ID", "organisation (required)"],
			["--email EMAIL", "the user's email (required)"],
			["--role admin|user", "default user"],
		],
	},
	"users deactivate": {
		summary: "deactivate a user; their tokens stop working",
		flags: [
			["--user USER_ID", "the user (or --email)"],
			["--email EMAIL", "the user (or --user)"],
		],
	},
	"users set-password": {
		summary: "set a user's console password, read from stdin",
		flags: [
			["--user USER_ID", "the user (or --email)"],
			["--email EMAIL", "the user (or --user)"],
			["--password-stdin", "required: pipe the password in"],
		],
	},
	"tokens create": {
		summary: "issue a token to a user; the secret is printed once",
		flags: [
			["--user USER_ID", "the holder (or --email)"],
			["--email EMAIL", "the holder (or --user)"],
			["--name NAME", "token name (required)"],
			["--type TYPE", '"API Token" (default) or "Admin Token"'],
			["--description TEXT", "free text"],
			["--expires-in-days N", "7, 30, 60, 90 (default), 180 or 365"],
		],
	},
	"tokens revoke": {
		summary: "revoke a token",
		flags: [
			["--org ORG_ID", "organisation (required)"],
			["--token TOKEN_ID", "the token's id (required)"],
		],
	},
	"orgs set-licence": {
		summary: "set when an organisation's licence expires",
		flags: [
			["--org ORG_ID", "organisation (required)"],
			["--expires DATE|never", "ISO-8601 date or never (required)"],
		],
	},
	"callbacks register": {
		summary: "register a callback endpoint (needs the API's SENSORIUM_SECRET_KEY)",
		flags: [
			["--org ORG_ID", "organisation (required)"],
			["--name NAME", "endpoint name (required)"],
			["--url URL", "receiver URL (required)"],
			["--auth-type none|bearer|apiToken", "how the dispatcher authenticates"],
			["--header-name HEADER", "header for --auth-type apiToken"],
			["--token-value TOKEN", "secret for bearer or apiToken (visible in ps and shell history)"],
			["--token-value-stdin", "read that secret from stdin instead"],
		],
	},
	"callbacks list": { summary: "list an organisation's callback endpoints", flags: [["--org ORG_ID", "required"]] },
	"callbacks delete": {
		summary: "delete a callback endpoint",
		flags: [
			["--org ORG_ID", "organisation (required)"],
			["--callback CALLBACK_ID", "the endpoint (required)"],
		],
	},
	"export ndjson": {
		summary: "write the OpenSearch bulk NDJSON of findings, to load into any cluster with curl --data-binary",
		flags: [
			["--execution EXECUTION_ID", "one execution's findings (or --sensor)"],
			["--sensor SENSOR_ID", "a sensor's open findings (or --execution)"],
			["--output FILE", "write to FILE instead of stdout"],
			["--index-prefix PREFIX", "first part of the index names (default agilesec)"],
		],
	},
	"secrets reseal": {
		summary:
			"re-seal stored credentials bound to their row under SENSORIUM_SECRET_KEY (after an upgrade or a key rotation)",
		flags: [["--dry-run", "count what would be re-sealed, change nothing"]],
	},
	"scan create": {
		summary: "create a sensor and run it",
		flags: [
			["--type TYPE", '"GIT Sensor" or "Filesystem Sensor" (required)'],
			["--name NAME", "sensor name, unique in the organisation (required)"],
			["--config JSON", "sensorConfig (or --config-file)"],
			["--config-file PATH", "sensorConfig from a JSON file"],
			["--priority high|medium|low", "queue priority"],
			["--callback-id ID", "callback endpoint told when it ends"],
			["--incremental", "incremental Git scans"],
			["--auto-resolution-days N", "resolve findings not seen for N days"],
			["--labels k=v,k2=v2", "labels"],
			...API_FLAGS,
		],
	},
	"scan execute": {
		summary: "run an existing sensor again",
		flags: [["--sensor SENSOR_ID", "required"], ...API_FLAGS],
	},
	"scan status": {
		summary: "an execution's status",
		flags: [["--execution EXECUTION_ID", "required"], ...API_FLAGS],
	},
	"scan wait": {
		summary: "wait for an execution with a progress bar: exit 0 successful, 1 failed, 3 timeout",
		flags: [
			["--execution EXECUTION_ID", "required"],
			["--interval SECONDS", "between polls (default 2)"],
			["--timeout SECONDS", "give up after (default 3600)"],
			...API_FLAGS,
		],
	},
	"scan findings": {
		summary: "an execution's findings",
		flags: [
			["--execution EXECUTION_ID", "required"],
			["--type KIND", "x509, key, token, keystore, library, algorithm or protocol"],
			...API_FLAGS,
		],
	},
	"scan cbom": {
		summary: "CycloneDX 1.6 CBOM of an execution or of a sensor's open findings",
		flags: [
			["--execution EXECUTION_ID", "one execution (or --sensor)"],
			["--sensor SENSOR_ID", "a sensor's open findings (or --execution)"],
			["--output FILE", "write to FILE instead of stdout"],
			...API_FLAGS,
		],
	},
};

const EXIT_CODES = `Exit codes: 0 success; 1 failure (refused by the API or the database, scan failed, demo found
less than it planted); 2 usage error (unknown command, missing or bad flag); 3 timeout (scan wait, demo).`;

const COMMON = "  --json      print exactly one JSON object (also on failure)\n  -h, --help  this help";

function columns(rows: [string, string][]): string {
	const width = Math.max(...rows.map(([left]) => left.length));
	return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n");
}

export function usage(): string {
	return [
		"Usage: sensorium <command> [flags] [--json]",
		"",
		"Commands (demo and scan talk to a running API; the others to Postgres at DATABASE_URL):",
		columns(Object.entries(COMMAND_HELP).map(([name, help]) => [name, help.summary])),
		"",
		"Flags for all commands:",
		COMMON,
		"",
		"`sensorium <command> --help` lists the command's flags.",
		EXIT_CODES,
	].join("\n");
}

export function commandUsage(name: string): string | null {
	const help = COMMAND_HELP[name];
	if (!help) return null;
	return [
		`Usage: sensorium ${name} [flags] [--json]`,
		"",
		help.summary,
		"",
		"Flags:",
		columns(help.flags),
		COMMON,
		"",
		EXIT_CODES,
	].join("\n");
}
