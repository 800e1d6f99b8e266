import { redactSecrets } from "../redact.ts";
import { SensorError } from "../sensor.ts";
import type { GitOutcome } from "./git-process.ts";

export interface CloneTarget {
	url: string;
	branch: string | undefined;
	hasCredentials: boolean;
	secrets: readonly string[];
	timeoutMs: number;
	/** Why the egress proxy could not connect to the server, when it could not. */
	proxyFailure: string | undefined;
}

// Matched against git's English (LC_ALL=C) output, most specific first: an auth failure over ssh
// also says "Could not read from remote repository".
const FILE_TRANSPORT_REFUSED = /transport 'file' not allowed/i;
const HOST_KEY_MISMATCH =
	/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known for/i;
const AUTH_FAILED =
	/Authentication failed|could not read (Username|Password)|Invalid username or password|HTTP Basic: Access denied|Permission denied \(|returned error: 40[13]/i;
const REDIRECTED = /returned error: 30[1278]/;
const BRANCH_MISSING = /Remote branch .* not found|Could not find remote branch/i;
// The server was reached and answered, but cannot produce objects its history refers to.
const REPOSITORY_DAMAGED =
	/repository corruption on the remote side|did not send all necessary objects|missing (blob|tree|commit) object|unable to read [0-9a-f]{40}|pack-objects died/i;
const REPOSITORY_MISSING = /repository .* not found|does not appear to be a git repository|returned error: 404/i;
const UNREACHABLE =
	/Could not resolve host|Failed to connect|Connection refused|Connection timed out|Connection reset|No route to host|Network is unreachable|Could not read from remote repository|remote end hung up|early EOF|RPC failed/i;

const DETAIL_LIMIT = 300;

/**
 * The line of git's output that says what went wrong, redacted, for error messages: the first one
 * matching `cause` (ssh's "Connection refused" comes before git's generic "Could not read from
 * remote repository"), else the last fatal one.
 */
export function gitDetail(stderr: string, secrets: readonly string[], cause?: RegExp): string {
	const lines = redactSecrets(stderr, secrets)
		.split(/\r?\n|\r/)
		.map((line) => line.trim())
		.filter((line) => line !== "");
	const line =
		(cause && lines.find((candidate) => cause.test(candidate))) ??
		lines.findLast((candidate) => candidate.startsWith("fatal:")) ??
		lines.at(-1) ??
		"no output";
	const detail = line.replace(/^fatal:\s*/, "");
	return detail.length > DETAIL_LIMIT ? `${detail.slice(0, DETAIL_LIMIT)}…` : detail;
}

export function fileUrlsRefused(): SensorError {
	return new SensorError(
		"GIT-1005",
		"file:// repository URLs are disabled on this worker; an administrator can enable them with SENSOR_GIT_ALLOW_FILE_URLS.",
	);
}

export function cloneFailure(outcome: GitOutcome, target: CloneTarget): SensorError {
	const url = redactSecrets(target.url, target.secrets);
	if (outcome.timedOut) {
		const seconds = Math.ceil(target.timeoutMs / 1000);
		return new SensorError(
			"GIT-1004",
			`Cloning ${url} did not finish within ${seconds} s; the server may be slow or unreachable, or the repository too large for the worker's Git timeout.`,
			true,
		);
	}
	const stderr = outcome.stderr;
	if (FILE_TRANSPORT_REFUSED.test(stderr)) return fileUrlsRefused();
	if (HOST_KEY_MISMATCH.test(stderr)) {
		return new SensorError(
			"GIT-1008",
			`The ssh host key of ${url} does not match the one pinned for this sensor or given in ssh_known_hosts: the server's key changed, or someone is in between. If the change is expected, update ssh_known_hosts or create a new sensor.`,
		);
	}
	if (AUTH_FAILED.test(stderr)) {
		return new SensorError(
			"GIT-1002",
			target.hasCredentials
				? `Authentication to ${url} failed: check the username, password or token, and that they grant read access to this repository.`
				: `${url} requires authentication: configure username and password, or a token.`,
		);
	}
	if (REDIRECTED.test(stderr)) {
		return new SensorError(
			"GIT-1006",
			`${url} redirects elsewhere, and the worker does not follow redirects: configure the URL the server redirects to.`,
		);
	}
	if (target.branch !== undefined && BRANCH_MISSING.test(stderr)) {
		return new SensorError("GIT-1003", `Branch "${target.branch}" does not exist in ${url}.`);
	}
	if (REPOSITORY_MISSING.test(stderr)) {
		return new SensorError("GIT-1001", `Repository ${url} was not found, or it is not a Git repository.`);
	}
	if (REPOSITORY_DAMAGED.test(stderr)) {
		// Not retried: the same objects are missing on the next attempt, and "could not reach" would send the
		// user looking at the network.
		return new SensorError(
			"GIT-1099",
			`The Git server of ${url} could not send the repository: it reports missing or damaged objects (${gitDetail(stderr, target.secrets, REPOSITORY_DAMAGED)}). The repository needs repairing on the server.`,
		);
	}
	if (target.proxyFailure !== undefined) {
		return new SensorError("GIT-1001", `Could not reach the Git server of ${url}: ${target.proxyFailure}`, true);
	}
	if (UNREACHABLE.test(stderr)) {
		const detail = gitDetail(stderr, target.secrets, UNREACHABLE);
		return new SensorError("GIT-1001", `Could not reach the Git server of ${url}: ${detail}`, true);
	}
	return new SensorError("GIT-1099", `Cloning ${url} failed: ${gitDetail(stderr, target.secrets)}`, true);
}

/** The same message whether or not anything listens there: only the address and its range are named. */
export function addressNotAllowed(reason: string): SensorError {
	return new SensorError(
		"GIT-1007",
		`Git server address not allowed: ${reason}. An administrator can allow it with SENSOR_ALLOWED_NETWORKS.`,
	);
}
