import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PinnedRemote } from "./git-network.ts";

export interface GitCredentials {
	username: string;
	password: string;
}

/**
 * Inherited from the worker because git, curl or ssh need them; everything else stays out of git's reach.
 * Not the ssh agent (tenants would use the worker's keys) and not proxies (a proxy would connect wherever it
 * is told, past the network policy).
 */
const PASSED_THROUGH = ["PATH", "TMPDIR", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH", "SSL_CERT_FILE", "SSL_CERT_DIR"];

/**
 * Answers git's credential prompts from environment variables, so the secret never appears in a URL,
 * an argument or a file. It answers only prompts for the configured server: if that server redirects
 * git elsewhere, the other host gets no credentials.
 */
const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
*"//$SENSORIUM_GIT_AUTHORITY'"* | *"@$SENSORIUM_GIT_AUTHORITY'"*) ;;
*) exit 1 ;;
esac
case "$1" in
Username*) printf '%s\\n' "$SENSORIUM_GIT_USERNAME" ;;
*) printf '%s\\n' "$SENSORIUM_GIT_PASSWORD" ;;
esac
`;

const HTTP_AUTHORITY = /^https?:\/\/([^/?#]+)/i;

function shellQuote(value: string): string {
	return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * Builds the environment every git command of one scan runs with: an empty private HOME, no system
 * config, no prompts, only the protocols the worker allows, and credentials (if any) via GIT_ASKPASS.
 */
export async function prepareGitEnvironment(options: {
	workDir: string;
	url: string;
	credentials: GitCredentials | null;
	allowFileUrls: boolean;
	/** The remote's checked address, pinned for every git and ssh connection of the scan. */
	pinned: PinnedRemote;
}): Promise<NodeJS.ProcessEnv> {
	const home = join(options.workDir, "git-home");
	await mkdir(join(home, ".ssh"), { recursive: true, mode: 0o700 });
	const env: NodeJS.ProcessEnv = {};
	for (const name of PASSED_THROUGH) {
		if (process.env[name] !== undefined) env[name] = process.env[name];
	}
	Object.assign(env, {
		HOME: home,
		XDG_CONFIG_HOME: join(home, ".config"),
		// English messages: errors are classified by git's wording.
		LC_ALL: "C",
		GIT_CONFIG_NOSYSTEM: "1",
		GIT_TERMINAL_PROMPT: "0",
		// Equivalent to protocol.allow=never plus protocol.<name>.allow=always for each listed one.
		GIT_ALLOW_PROTOCOL: options.allowFileUrls ? "https:http:ssh:file" : "https:http:ssh",
		// ssh reads ~ from the password database, not HOME: no config file, no agent and no identity of the
		// worker's own, and known_hosts in the private home.
		GIT_SSH_COMMAND: [
			"ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -o IdentityFile=none",
			"-o StrictHostKeyChecking=accept-new",
			`-o UserKnownHostsFile=${shellQuote(join(home, ".ssh", "known_hosts"))}`,
			...options.pinned.sshOptions.map((option) => `-o ${shellQuote(option)}`),
		].join(" "),
	});
	// Redirects could lead git to any address; the pinned resolve entry keeps it on the checked one.
	const config: [string, string][] = [["http.followRedirects", "false"], ...options.pinned.config];
	env.GIT_CONFIG_COUNT = String(config.length);
	for (const [i, [key, value]] of config.entries()) {
		env[`GIT_CONFIG_KEY_${i}`] = key;
		env[`GIT_CONFIG_VALUE_${i}`] = value;
	}
	const authority = HTTP_AUTHORITY.exec(options.url)?.[1];
	if (options.credentials && authority) {
		const askpass = join(options.workDir, "git-askpass.sh");
		await writeFile(askpass, ASKPASS_SCRIPT, { mode: 0o700, flag: "wx" });
		Object.assign(env, {
			GIT_ASKPASS: askpass,
			SENSORIUM_GIT_AUTHORITY: authority,
			SENSORIUM_GIT_USERNAME: options.credentials.username,
			SENSORIUM_GIT_PASSWORD: options.credentials.password,
		});
	}
	return env;
}
