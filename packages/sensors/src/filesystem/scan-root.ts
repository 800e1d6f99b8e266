import { access, constants, realpath, stat } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { SensorError } from "../sensor.ts";

function isWithin(path: string, root: string): boolean {
	return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

async function realRoots(roots: readonly string[]): Promise<string[]> {
	const resolved = await Promise.all(roots.map((root) => realpath(root).catch(() => null)));
	return resolved.filter((root) => root !== null);
}

/**
 * The real path of `path`, or when it does not resolve, the real path of its deepest ancestor that
 * does, with the error. The caller checks the roots against either, so whether something exists
 * outside the roots is never revealed.
 */
async function realpathOrAncestor(path: string): Promise<{ real: string; failure: NodeJS.ErrnoException | null }> {
	let failure: NodeJS.ErrnoException | null = null;
	for (let current = path; ; current = dirname(current)) {
		try {
			return { real: await realpath(current), failure };
		} catch (error) {
			failure ??= error as NodeJS.ErrnoException;
			if (current === dirname(current)) throw error;
		}
	}
}

function openFailure(path: string, error: NodeJS.ErrnoException): SensorError {
	switch (error.code) {
		case "ENOENT":
		case "ENOTDIR":
		case "ELOOP":
			return new SensorError("FS-1002", `Path ${path} does not exist on the worker.`);
		case "EACCES":
		case "EPERM":
			return new SensorError("FS-1004", `The worker is not permitted to read ${path}.`);
		default:
			return new SensorError("FS-1099", `Path ${path} could not be opened (${error.code ?? "unknown error"}).`, true);
	}
}

/** Resolves the configured path to a readable real directory at or below one of the allowed roots. */
export async function resolveScanRoot(path: string, roots: readonly string[]): Promise<string> {
	const allowed = await realRoots(roots);
	let resolved: Awaited<ReturnType<typeof realpathOrAncestor>>;
	try {
		resolved = await realpathOrAncestor(resolve(path));
	} catch (error) {
		throw openFailure(path, error as NodeJS.ErrnoException);
	}
	if (!allowed.some((root) => isWithin(resolved.real, root))) {
		throw new SensorError(
			"FS-1001",
			`Path ${path} is outside the roots this worker may read (SENSOR_FS_ROOTS); choose a path below one of them or ask an administrator to add a root.`,
		);
	}
	if (resolved.failure) throw openFailure(path, resolved.failure);
	try {
		if (!(await stat(resolved.real)).isDirectory()) {
			throw new SensorError("FS-1003", `Path ${path} is not a directory; the Filesystem Sensor scans directories.`);
		}
		await access(resolved.real, constants.R_OK | constants.X_OK);
	} catch (error) {
		if (error instanceof SensorError) throw error;
		throw openFailure(path, error as NodeJS.ErrnoException);
	}
	return resolved.real;
}
