import { z } from "zod";

export interface SensorConfigOptions {
	/** SENSOR_GIT_ALLOW_FILE_URLS: file:// repositories, for tests and on-premises mirrors. */
	allowGitFileUrls: boolean;
}

const globList = z.array(z.string().min(1).max(500)).max(200);

const filters = {
	include_paths: globList.optional(),
	exclude_paths: globList.optional(),
	scan_archives: z.boolean().optional(),
	max_file_size_mb: z.number().positive().max(1024).optional(),
};

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)[^\s]+$/;

export function isAcceptedGitUrl(url: string, options: SensorConfigOptions): boolean {
	if (SCP_LIKE.test(url)) return true;
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return false;
	}
	// Credentials belong in username/password/token, where they are stored encrypted.
	if (parsed.password) return false;
	if (parsed.protocol === "https:" || parsed.protocol === "http:") return parsed.hostname !== "" && !parsed.username;
	if (parsed.protocol === "ssh:") return parsed.hostname !== "";
	if (parsed.protocol === "file:") return options.allowGitFileUrls && parsed.pathname.length > 1;
	return false;
}

export function gitConfigSchema(options: SensorConfigOptions) {
	return z
		.strictObject({
			url: z
				.string()
				.max(2048)
				.refine((u) => isAcceptedGitUrl(u, options)),
			branch: z
				.string()
				.min(1)
				.max(255)
				.regex(/^[^\s~^:?*[\\]+$/)
				.refine((b) => !b.startsWith("-") && !b.includes(".."))
				.optional(),
			username: z.string().min(1).max(256).optional(),
			password: z.string().min(1).max(4096).optional(),
			token: z.string().min(1).max(4096).optional(),
			...filters,
		})
		.refine((c) => !(c.password && c.token), "password and token are mutually exclusive")
		.refine((c) => !c.password || c.username, "password needs a username");
}

export function filesystemConfigSchema() {
	return z.strictObject({
		path: z
			.string()
			.min(1)
			.max(4096)
			.refine((p) => p.startsWith("/") && !p.includes("\0")),
		...filters,
	});
}

export type GitSensorConfig = z.infer<ReturnType<typeof gitConfigSchema>>;
export type FilesystemSensorConfig = z.infer<ReturnType<typeof filesystemConfigSchema>>;
