import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface GitCredentials {
	username: string;
	password: string;
}

/**
 * Inherited from the worker because git or curl need them; everything else stays out of git's reach.
 * Not the proxy variables (no_proxy would let a host bypass the egress proxy) nor SSH_AUTH_SOCK (the
 * worker's agent keys are not the tenants').
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

export interface SshPin {
	address: string;
	/** The name host keys are filed under: the host, or `[host]:port` for another port than 22. */
	alias: string;
}

export function sshKnownHostsFile(home: string): string {
	return join(home, ".ssh", "known_hosts");
}

function sshIdentityFile(home: string): string {
	return join(home, ".ssh", "id_sensor");
}

/**
 * ssh reads ~ from the password database, not HOME: without -F /dev/null and explicit identity and
 * known_hosts files it would use the worker's own ~/.ssh keys and config for every tenant.
 */
export function sshCommand(home: string, pin: SshPin | undefined, knownHostsGiven: boolean): string {
	const options = [
		"-F /dev/null",
		"-o BatchMode=yes",
		"-o IdentitiesOnly=yes",
		"-o IdentityAgent=none",
		`-o IdentityFile=${shellQuote(sshIdentityFile(home))}`,
		`-o StrictHostKeyChecking=${knownHostsGiven ? "yes" : "accept-new"}`,
		`-o UserKnownHostsFile=${shellQuote(sshKnownHostsFile(home))}`,
		"-o GlobalKnownHostsFile=/dev/null",
		"-o UpdateHostKeys=no",
	];
	// Host keys stay filed under the name, while the connection goes to the checked address only.
	if (pin) options.push(`-o HostName=${shellQuote(pin.address)}`, `-o HostKeyAlias=${shellQuote(pin.alias)}`);
	return `ssh ${options.join(" ")}`;
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
	/** The worker's egress proxy: every http(s) connection git makes goes through it. */
	proxyUrl: string;
	/** For ssh URLs, the address the host name was checked against; ssh connects there and nowhere else. */
	sshPin?: SshPin;
	sshPrivateKey?: string;
	/** Host keys ssh must see (the sensor's ssh_known_hosts or its pinned keys); else the first one is accepted. */
	sshKnownHosts?: string;
}): Promise<NodeJS.ProcessEnv> {
	const home = join(options.workDir, "git-home");
	await mkdir(join(home, ".ssh"), { recursive: true, mode: 0o700 });
	if (options.sshPrivateKey !== undefined) {
		await writeFile(sshIdentityFile(home), `${options.sshPrivateKey.trim()}\n`, { mode: 0o600, flag: "wx" });
	}
	if (options.sshKnownHosts !== undefined) {
		await writeFile(sshKnownHostsFile(home), `${options.sshKnownHosts.trim()}\n`, { mode: 0o600, flag: "wx" });
	}
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
		// Like `git -c`, but for every git command of the scan, including the fetch after the clone.
		GIT_CONFIG_COUNT: "2",
		GIT_CONFIG_KEY_0: "http.proxy",
		GIT_CONFIG_VALUE_0: options.proxyUrl,
		GIT_CONFIG_KEY_1: "http.followRedirects",
		GIT_CONFIG_VALUE_1: "false",
		GIT_SSH_COMMAND: sshCommand(home, options.sshPin, options.sshKnownHosts !== undefined),
	});
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
