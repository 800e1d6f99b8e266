import { spawn } from "node:child_process";
import { SensorError } from "../sensor.ts";

export interface GitCommand {
	args: readonly string[];
	cwd: string;
	env: NodeJS.ProcessEnv;
	signal: AbortSignal;
	/** Only network operations get one; local commands are bounded by `signal` alone. */
	timeoutMs?: number;
	stdin?: Buffer;
}

export interface GitOutcome {
	exitCode: number | null;
	stdout: Buffer;
	/** The tail of git's stderr; it may contain credentials, so redact before showing it. */
	stderr: string;
	timedOut: boolean;
}

const STDERR_LIMIT = 64 * 1024;

/** Runs git without a shell. Rejects with `signal.reason` when the caller aborts. */
export async function runGit(command: GitCommand): Promise<GitOutcome> {
	command.signal.throwIfAborted();
	return new Promise((resolve, reject) => {
		const child = spawn("git", command.args, {
			cwd: command.cwd,
			env: command.env,
			stdio: [command.stdin ? "pipe" : "ignore", "pipe", "pipe"],
			// Its own process group, so a kill also reaches git-remote-https and ssh, which hold the connection.
			detached: true,
		});
		const stdout: Buffer[] = [];
		let stderr = "";
		let timedOut = false;
		const kill = () => {
			try {
				if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
			} catch {
				// The group has already exited.
			}
			child.stdout?.destroy();
			child.stderr?.destroy();
		};
		const timer =
			command.timeoutMs === undefined
				? undefined
				: setTimeout(() => {
						timedOut = true;
						kill();
					}, command.timeoutMs);
		command.signal.addEventListener("abort", kill, { once: true });
		const settle = () => {
			clearTimeout(timer);
			command.signal.removeEventListener("abort", kill);
		};
		child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
		child.stderr?.setEncoding("utf8");
		child.stderr?.on("data", (chunk: string) => {
			stderr = (stderr + chunk).slice(-STDERR_LIMIT);
		});
		child.on("error", (error) => {
			settle();
			reject(new SensorError("GIT-1099", `Could not run git on the worker: ${error.message}`, false));
		});
		child.on("close", (exitCode) => {
			settle();
			if (command.signal.aborted) reject(command.signal.reason);
			else resolve({ exitCode, stdout: Buffer.concat(stdout), stderr, timedOut });
		});
		if (command.stdin && child.stdin) {
			// git may exit before reading everything (e.g. on a bad path); its exit status reports that.
			child.stdin.on("error", () => {});
			child.stdin.end(command.stdin);
		}
	});
}
