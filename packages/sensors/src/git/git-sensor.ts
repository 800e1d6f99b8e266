import { lookup } from "node:dns/promises";
import { readFile as readFileCallback } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import { type EgressProxy, type NetworkPolicy, startEgressProxy } from "@sensorium/network-policy";
import { type GitSensorConfig, isAcceptedGitUrl } from "../config-schemas.ts";
import { createFileFilter, type FileFilter } from "../filters.ts";
import { type Sensor, SensorError, type SensorRunContext, type SensorSnapshot, type SourceFile } from "../sensor.ts";
import { type GitCredentials, prepareGitEnvironment, type SshPin, sshKnownHostsFile } from "./git-environment.ts";
import { addressNotAllowed, cloneFailure, fileUrlsRefused, gitDetail } from "./git-errors.ts";
import { type GitOutcome, runGit } from "./git-process.ts";
import { isRegularFile, parseLsTree, parseRawDiff, type TreeChange, type TreeEntry } from "./git-tree.ts";

/** GitHub's username for tokens; GitLab accepts any username with a token. Other hosts need `username` set. */
const TOKEN_USERNAME = "x-access-token";
const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Checks files out byte for byte as committed: no eol conversion, keyword expansion or filters like LFS. */
const VERBATIM_ATTRIBUTES = "* -text -ident -filter -working-tree-encoding\n";

interface Git {
	attempt(args: readonly string[], options?: { timeoutMs?: number; stdin?: Buffer }): Promise<GitOutcome>;
	/** Runs a local command that should not fail; a failure is GIT-1099. */
	output(args: readonly string[], stdin?: Buffer): Promise<Buffer>;
}

function credentialsOf(config: GitSensorConfig): GitCredentials | null {
	if (config.token) return { username: config.username ?? TOKEN_USERNAME, password: config.token };
	if (config.username && config.password) return { username: config.username, password: config.password };
	return null;
}

function checkUrl(url: string, allowGitFileUrls: boolean): void {
	if (/^file:/i.test(url) && !allowGitFileUrls) throw fileUrlsRefused();
	if (!isAcceptedGitUrl(url, { allowGitFileUrls })) {
		throw new SensorError(
			"GIT-1006",
			"The repository URL is not accepted: use https://, http://, ssh:// or user@host:path, without credentials in it.",
		);
	}
}

const SCP_HOST = /^[^@]+@([^:]+):/;

/** The host and port an ssh URL connects to, or undefined for http(s) and file URLs. */
function sshTargetOf(url: string): { host: string; port: number } | undefined {
	if (/^ssh:/i.test(url)) {
		const parsed = new URL(url);
		return { host: parsed.hostname.replace(/^\[|\]$/g, ""), port: Number(parsed.port || 22) };
	}
	if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
	const host = SCP_HOST.exec(url)?.[1];
	return host === undefined ? undefined : { host, port: 22 };
}

/**
 * Resolves the ssh host once and checks every address, so ssh can be pinned to one that passed: a
 * second lookup by ssh itself could answer differently (DNS rebinding).
 */
async function pinSshHost(url: string, policy: NetworkPolicy): Promise<SshPin | undefined> {
	const target = sshTargetOf(url);
	if (target === undefined) return undefined;
	const { host, port } = target;
	let addresses: string[];
	if (isIP(host) !== 0) {
		addresses = [host];
	} else {
		try {
			addresses = (await lookup(host, { all: true })).map((entry) => entry.address);
		} catch {
			throw new SensorError(
				"GIT-1001",
				`Could not reach the Git server of ${url}: could not resolve host ${host}`,
				true,
			);
		}
	}
	const refused = addresses.find((address) => !policy.isAllowed(address));
	if (refused !== undefined) throw addressNotAllowed(policy.describe(refused));
	const [address = host] = addresses;
	return { address, alias: port === 22 ? host : `[${host}]:${port}` };
}

function gitIn(cwd: string, env: NodeJS.ProcessEnv, signal: AbortSignal, secrets: readonly string[]): Git {
	const attempt: Git["attempt"] = (args, options = {}) => runGit({ args, cwd, env, signal, ...options });
	return {
		attempt,
		async output(args, stdin) {
			const outcome = await attempt(args, stdin ? { stdin } : {});
			if (outcome.exitCode === 0) return outcome.stdout;
			throw new SensorError("GIT-1099", `git ${args[0]} failed: ${gitDetail(outcome.stderr, secrets)}`, true);
		},
	};
}

async function headCommit(git: Git): Promise<string | null> {
	const outcome = await git.attempt(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
	return outcome.exitCode === 0 ? outcome.stdout.toString("latin1").trim() : null;
}

/** Tip-to-tip changes since `previous`, or null when that commit cannot be fetched any more. */
async function changesSince(git: Git, previous: string, timeoutMs: number): Promise<TreeChange[] | null> {
	if (!COMMIT_ID.test(previous)) return null;
	const fetched = await git.attempt(["fetch", "--quiet", "--depth=1", "--no-tags", "origin", previous], { timeoutMs });
	if (fetched.exitCode !== 0) return null;
	const present = await git.attempt(["rev-parse", "--verify", "--quiet", `${previous}^{commit}`]);
	if (present.exitCode !== 0) return null;
	return parseRawDiff(await git.output(["diff-tree", "-r", "-z", "--no-renames", previous, "HEAD"]));
}

async function checkOut(git: Git, repoDir: string, entries: readonly TreeEntry[]): Promise<void> {
	if (entries.length === 0) return;
	const info = join(repoDir, ".git", "info");
	await mkdir(info, { recursive: true });
	await writeFile(join(info, "attributes"), VERBATIM_ATTRIBUTES);
	await git.output(["read-tree", "HEAD"]);
	await git.output(
		["checkout-index", "-z", "--stdin"],
		Buffer.from(entries.map((entry) => `${entry.path}\0`).join("")),
	);
}

async function* listFiles(
	repoDir: string,
	entries: readonly TreeEntry[],
	signal: AbortSignal,
): AsyncGenerator<SourceFile> {
	for (const entry of entries) {
		signal.throwIfAborted();
		const localPath = join(repoDir, entry.path);
		// The checkout stays until the execution's work directory is removed, after the scan.
		yield { path: entry.path, size: entry.size, localPath, read: () => readWhole(localPath, signal) };
	}
}

/**
 * The callback form of readFile: in Node 20 the promise form (a FileHandle, a promise per step) costs about
 * half as much event-loop time again per file, and a scan reads thousands of files on the event loop.
 */
function readWhole(path: string, signal: AbortSignal): Promise<Buffer> {
	return new Promise((resolve, reject) =>
		readFileCallback(path, { signal }, (error, data) => (error ? reject(error) : resolve(data))),
	);
}

function isOffered(entry: TreeEntry, filter: FileFilter): boolean {
	// Files over max_file_size_mb are offered too: the scanner skips them unread, with a diagnostic.
	return isRegularFile(entry.mode) && filter.matchesPath(entry.path);
}

async function snapshotOf(
	config: GitSensorConfig,
	context: SensorRunContext,
	git: Git,
	repoDir: string,
): Promise<SensorSnapshot> {
	const nothing = () => listFiles(repoDir, [], context.signal);
	const head = await headCommit(git);
	// An empty repository has no commit to remember, so the next scan is a full one again.
	if (head === null) return { cursor: null, mode: "full", deleted: [], files: nothing };
	const previous = context.incremental ? context.previousCursor?.toLowerCase() : undefined;
	if (previous === head) return { cursor: head, mode: "unchanged", deleted: [], files: nothing };

	const filter = createFileFilter(config);
	const offered = parseLsTree(await git.output(["ls-tree", "-r", "-z", "--long", "HEAD"])).filter((entry) =>
		isOffered(entry, filter),
	);
	const changes = previous ? await changesSince(git, previous, context.settings.gitTimeoutMs) : null;
	let selected = offered;
	let deleted: string[] = [];
	if (changes !== null) {
		const changed = new Set(changes.map((change) => change.path));
		selected = offered.filter((entry) => changed.has(entry.path));
		const offeredPaths = new Set(offered.map((entry) => entry.path));
		// Whatever was a scannable file before and is not offered now (removed, replaced by a symlink)
		// must drop its old findings.
		deleted = changes
			.filter(
				(change) => isRegularFile(change.oldMode) && !offeredPaths.has(change.path) && filter.matchesPath(change.path),
			)
			.map((change) => change.path);
	}
	await checkOut(git, repoDir, selected);
	return {
		cursor: head,
		mode: changes === null ? "full" : "changed",
		deleted,
		files: () => listFiles(repoDir, selected, context.signal),
	};
}

export const gitSensor: Sensor<GitSensorConfig> = {
	sensorType: "GIT Sensor",
	async open(config, context) {
		const { allowGitFileUrls } = context.settings;
		checkUrl(config.url, allowGitFileUrls);
		const credentials = credentialsOf(config);
		const secrets = credentials ? [credentials.password] : [];
		const sshPin = await pinSshHost(config.url, context.settings.networkPolicy);
		const pinnedKeys = sshPin && config.ssh_known_hosts === undefined ? await context.sshHostKeys.load() : null;
		const sshKnownHosts = config.ssh_known_hosts ?? pinnedKeys ?? undefined;
		const proxy = await startEgressProxy(context.settings.networkPolicy);
		try {
			const env = await prepareGitEnvironment({
				workDir: context.workDir,
				url: config.url,
				credentials,
				allowFileUrls: allowGitFileUrls,
				proxyUrl: proxy.url,
				...(sshPin ? { sshPin } : {}),
				...(config.ssh_private_key ? { sshPrivateKey: config.ssh_private_key } : {}),
				...(sshKnownHosts !== undefined ? { sshKnownHosts } : {}),
			});
			const snapshot = await cloneAndSnapshot(config, context, env, secrets, credentials !== null, proxy);
			if (sshPin && sshKnownHosts === undefined) await pinFirstHostKeys(context);
			return snapshot;
		} finally {
			await proxy.close();
		}
	},
};

/** After the first successful ssh connection, keeps the host keys ssh accepted for every later scan. */
async function pinFirstHostKeys(context: SensorRunContext): Promise<void> {
	const accepted = await readFile(sshKnownHostsFile(join(context.workDir, "git-home")), "utf8").catch(() => "");
	if (accepted.trim() !== "") await context.sshHostKeys.pin(accepted.trim());
}

async function cloneAndSnapshot(
	config: GitSensorConfig,
	context: SensorRunContext,
	env: NodeJS.ProcessEnv,
	secrets: readonly string[],
	hasCredentials: boolean,
	proxy: Pick<EgressProxy, "refusals" | "failures">,
): Promise<SensorSnapshot> {
	const { gitTimeoutMs } = context.settings;
	const repoDir = join(context.workDir, "repo");
	const clone = await runGit({
		args: [
			"clone",
			"--quiet",
			"--depth=1",
			"--single-branch",
			"--no-tags",
			"--no-checkout",
			...(config.branch ? ["--branch", config.branch] : []),
			"--",
			config.url,
			repoDir,
		],
		cwd: context.workDir,
		env,
		signal: context.signal,
		timeoutMs: gitTimeoutMs,
	});
	const [refused] = proxy.refusals;
	if (refused !== undefined) throw addressNotAllowed(refused);
	if (clone.exitCode !== 0 || clone.timedOut) {
		throw cloneFailure(clone, {
			url: config.url,
			branch: config.branch,
			hasCredentials,
			secrets,
			timeoutMs: gitTimeoutMs,
			proxyFailure: proxy.failures[0],
		});
	}
	return snapshotOf(config, context, gitIn(repoDir, env, context.signal, secrets), repoDir);
}
