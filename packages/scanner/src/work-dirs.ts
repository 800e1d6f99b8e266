import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "@sensorium/logger";

export const WORK_DIR_PREFIX = "sensorium-exec-";

/** `sensorium-exec-<pid>-<executionId>-XXXXXX`: the pid tells whether its owner still runs. */
export function workDirPrefix(executionId: string): string {
	return `${WORK_DIR_PREFIX}${process.pid}-${executionId}-`;
}

/** Clones left by a worker that was killed (SIGKILL skips every finally) are removed at start-up. */
export async function removeOrphanedWorkDirs(tmpDir: string, logger: Logger): Promise<void> {
	const entries = await readdir(tmpDir).catch(() => [] as string[]);
	for (const entry of entries) {
		if (!entry.startsWith(WORK_DIR_PREFIX)) continue;
		const pid = Number(entry.slice(WORK_DIR_PREFIX.length).split("-")[0]);
		if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
		await rm(join(tmpDir, entry), { recursive: true, force: true }).catch((err) =>
			logger.warn({ err, dir: entry }, "could not remove an orphaned work dir"),
		);
	}
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === "EPERM";
	}
}
