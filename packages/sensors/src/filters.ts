import picomatch from "picomatch";

export const DEFAULT_MAX_FILE_SIZE_MB = 25;

export interface FilterConfig {
	include_paths?: string[] | undefined;
	exclude_paths?: string[] | undefined;
	max_file_size_mb?: number | undefined;
}

export interface FileFilter {
	/** Whether a repo- or root-relative path is in scope, whatever its size. */
	matchesPath(path: string): boolean;
	maxBytes: number;
}

export function createFileFilter(config: FilterConfig): FileFilter {
	const include = config.include_paths?.length ? picomatch(config.include_paths, { dot: true }) : null;
	const exclude = config.exclude_paths?.length ? picomatch(config.exclude_paths, { dot: true }) : null;
	return {
		matchesPath: (path) => (include === null || include(path)) && (exclude === null || !exclude(path)),
		maxBytes: Math.floor((config.max_file_size_mb ?? DEFAULT_MAX_FILE_SIZE_MB) * 1024 * 1024),
	};
}
