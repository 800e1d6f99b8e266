import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { WorkerProcess } from "../../worker/test/fixtures.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** A real exporter process, as `npm run start:exporter` runs it. */
export function startExporter(env: Record<string, string>): WorkerProcess {
	let output = "";
	const child = spawn(process.execPath, ["--import", "tsx", "apps/exporter/src/main.ts"], {
		cwd: ROOT,
		env: { ...process.env, LOG_LEVEL: "info", EXPORTER_HEALTH_PORT: "0", ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	child.stdout?.on("data", (d) => {
		output += d;
	});
	child.stderr?.on("data", (d) => {
		output += d;
	});
	const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
	return {
		child,
		output: () => output,
		async stop(signal = "SIGTERM") {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			return exited;
		},
	};
}
