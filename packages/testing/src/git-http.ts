import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Environment for git commands the contract servers run: no user or system config, a fixed identity. */
export function isolatedGitEnv(home: string): NodeJS.ProcessEnv {
	return {
		PATH: process.env.PATH,
		HOME: home,
		GIT_CONFIG_NOSYSTEM: "1",
		GIT_AUTHOR_NAME: "Contract",
		GIT_AUTHOR_EMAIL: "contract@example.com",
		GIT_COMMITTER_NAME: "Contract",
		GIT_COMMITTER_EMAIL: "contract@example.com",
	};
}

/**
 * Bare repositories below `root`, written with the real git: each commit is made in a scratch clone
 * and pushed, so the bare repository is what a hosting service would hold.
 */
export class BareRepositories {
	constructor(
		readonly root: string,
		private readonly home: string,
	) {}

	private git(args: string[], cwd?: string): string {
		return execFileSync("git", args, { cwd, env: isolatedGitEnv(this.home), encoding: "utf8", stdio: "pipe" }).trim();
	}

	dir(path: string): string {
		return join(this.root, `${path}.git`);
	}

	/** Creates `path`.git with `branch` as HEAD; without files it stays empty (no commit). */
	create(path: string, branch: string, files?: Record<string, string | Buffer>): string | null {
		this.git(["init", "--quiet", "--bare", `--initial-branch=${branch}`, this.dir(path)]);
		return files ? this.commit(path, branch, files) : null;
	}

	/** Commits `files` (null deletes) on `branch` and returns the new head. */
	commit(path: string, branch: string, files: Record<string, string | Buffer | null>): string {
		const work = mkdtempSync(join(tmpdir(), "sensorium-contract-work-"));
		try {
			this.git(["init", "--quiet", `--initial-branch=${branch}`, work]);
			this.git(["fetch", "--quiet", this.dir(path), `+refs/heads/*:refs/remotes/origin/*`], work);
			const heads = this.git(["branch", "-r", "--list", `origin/${branch}`], work);
			if (heads !== "") this.git(["reset", "--quiet", "--hard", `origin/${branch}`], work);
			for (const [name, content] of Object.entries(files)) {
				if (content === null) this.git(["rm", "--quiet", "--", name], work);
				else {
					mkdirSync(dirname(join(work, name)), { recursive: true });
					writeFileSync(join(work, name), content);
				}
			}
			this.git(["add", "--all"], work);
			this.git(["commit", "--quiet", "--allow-empty", "-m", "contract commit"], work);
			this.git(["push", "--quiet", this.dir(path), `HEAD:refs/heads/${branch}`], work);
			return this.git(["rev-parse", "HEAD"], work);
		} finally {
			rmSync(work, { recursive: true, force: true });
		}
	}

	head(path: string, branch: string): string | null {
		try {
			return this.git(["--git-dir", this.dir(path), "rev-parse", "--verify", "--quiet", `refs/heads/${branch}`]);
		} catch {
			return null;
		}
	}

	/** Every branch of `path` with its head, by name. */
	branches(path: string): [string, string][] {
		const listing = this.git([
			"--git-dir",
			this.dir(path),
			"for-each-ref",
			"--format=%(refname:lstrip=2) %(objectname)",
			"refs/heads/",
		]);
		return listing === "" ? [] : listing.split("\n").map((line) => line.split(" ", 2) as [string, string]);
	}

	remove(path: string): void {
		rmSync(this.dir(path), { recursive: true, force: true });
	}
}

/**
 * Serves `pathInfo` (`/owner/name.git/info/refs`, …) of the bare repositories below `root` with
 * `git http-backend` as a CGI, so clients speak real Git smart HTTP.
 */
export function serveGitHttp(root: string, pathInfo: string, req: IncomingMessage, res: ServerResponse): void {
	const url = new URL(req.url ?? "/", "http://contract");
	const child = spawn("git", ["http-backend"], {
		env: {
			PATH: process.env.PATH,
			GIT_CONFIG_NOSYSTEM: "1",
			GIT_PROJECT_ROOT: root,
			GIT_HTTP_EXPORT_ALL: "1",
			PATH_INFO: pathInfo,
			REQUEST_METHOD: req.method ?? "GET",
			QUERY_STRING: url.search.replace(/^\?/, ""),
			CONTENT_TYPE: req.headers["content-type"] ?? "",
			REMOTE_USER: "contract",
			REMOTE_ADDR: "127.0.0.1",
			...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
			...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
		},
		stdio: ["pipe", "pipe", "ignore"],
	});
	req.pipe(child.stdin);
	child.stdin.on("error", () => {});
	let head = Buffer.alloc(0);
	let headersSent = false;
	child.stdout.on("data", (chunk: Buffer) => {
		if (headersSent) {
			res.write(chunk);
			return;
		}
		head = Buffer.concat([head, chunk]);
		const end = head.indexOf("\r\n\r\n");
		if (end === -1) return;
		let status = 200;
		for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
			const colon = line.indexOf(":");
			const name = line.slice(0, colon).trim();
			const value = line.slice(colon + 1).trim();
			if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
			else res.setHeader(name, value);
		}
		res.statusCode = status;
		headersSent = true;
		res.write(head.subarray(end + 4));
	});
	child.on("close", () => {
		if (!headersSent) res.statusCode = 500;
		res.end();
	});
}
