import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import {
	apiEnvSchema,
	ConfigError,
	DEVELOPMENT_SECRET_KEY,
	parseEnv,
	resolveSecretKey,
	workerEnvSchema,
} from "../src/index.ts";

describe("parseEnv", () => {
	it("applies the documented defaults", () => {
		expect(parseEnv(apiEnvSchema, {})).toMatchObject({
			DATABASE_URL: "postgres://postgres@127.0.0.1:5432/sensorium",
			REDIS_URL: "redis://127.0.0.1:6379",
			PORT: 8080,
			QUEUE_PREFIX: "sensorium",
			LOG_LEVEL: "info",
			SENSOR_GIT_ALLOW_FILE_URLS: false,
		});
	});

	it("treats empty strings as unset", () => {
		expect(parseEnv(apiEnvSchema, { PORT: "", LOG_LEVEL: "" }).PORT).toBe(8080);
	});

	it("names every bad variable", () => {
		try {
			parseEnv(apiEnvSchema, { PORT: "eighty", REDIS_URL: "localhost:6379", QUEUE_PREFIX: "a:b" });
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(ConfigError);
			const message = (error as Error).message;
			expect(message).toContain("PORT");
			expect(message).toContain("REDIS_URL");
			expect(message).toContain("QUEUE_PREFIX");
		}
	});

	it("parses booleans strictly", () => {
		expect(parseEnv(apiEnvSchema, { SENSOR_GIT_ALLOW_FILE_URLS: "true" }).SENSOR_GIT_ALLOW_FILE_URLS).toBe(true);
		expect(() => parseEnv(apiEnvSchema, { SENSOR_GIT_ALLOW_FILE_URLS: "yes" })).toThrow(/SENSOR_GIT_ALLOW_FILE_URLS/);
	});
});

describe("SENSOR_FS_ROOTS", () => {
	it("takes global roots and ORG_ID=/path roots of one organisation", () => {
		const env = parseEnv(workerEnvSchema, { SENSOR_FS_ROOTS: "/srv/shared, org_a=/srv/a ,org_b=/srv/b=c" });
		expect(env.SENSOR_FS_ROOTS).toEqual([
			{ orgId: null, path: "/srv/shared" },
			{ orgId: "org_a", path: "/srv/a" },
			{ orgId: "org_b", path: "/srv/b=c" },
		]);
	});

	it("gives a worker one discovery thread per core unless WORKER_THREADS says otherwise", () => {
		expect(parseEnv(workerEnvSchema, {})).toMatchObject({
			WORKER_THREADS: availableParallelism(),
			WORKER_CONCURRENCY: 2,
			WORKER_FILE_TIMEOUT_MS: 120_000,
			FINDINGS_BATCH_SIZE: 1_000,
		});
		expect(parseEnv(workerEnvSchema, { WORKER_THREADS: "3" }).WORKER_THREADS).toBe(3);
		expect(() => parseEnv(workerEnvSchema, { WORKER_THREADS: "0" })).toThrow(/WORKER_THREADS/);
		expect(() => parseEnv(workerEnvSchema, { FINDINGS_BATCH_SIZE: "many" })).toThrow(/FINDINGS_BATCH_SIZE/);
	});

	it.each(["relative/path", "org_a=relative", "=/srv/a"])("refuses %s, naming the variable", (value) => {
		expect(() => parseEnv(workerEnvSchema, { SENSOR_FS_ROOTS: value })).toThrow(/SENSOR_FS_ROOTS/);
	});
});

describe("resolveSecretKey", () => {
	const key = Buffer.alloc(32, 9).toString("base64");

	it("uses the configured key", () => {
		const resolved = resolveSecretKey({ NODE_ENV: "production", SENSORIUM_SECRET_KEY: key });
		expect(resolved.key.toString("base64")).toBe(key);
		expect(resolved.warning).toBeUndefined();
	});

	it("fails fast in production without a key", () => {
		expect(() => resolveSecretKey({ NODE_ENV: "production", SENSORIUM_SECRET_KEY: undefined })).toThrow(
			/SENSORIUM_SECRET_KEY/,
		);
	});

	it("refuses the built-in development key in production, even when set explicitly", () => {
		expect(() => resolveSecretKey({ NODE_ENV: "production", SENSORIUM_SECRET_KEY: DEVELOPMENT_SECRET_KEY })).toThrow(
			/SENSORIUM_SECRET_KEY: is the built-in development key/,
		);
		expect(
			resolveSecretKey({ NODE_ENV: "development", SENSORIUM_SECRET_KEY: DEVELOPMENT_SECRET_KEY }).key,
		).toHaveLength(32);
	});

	it("falls back to the development key with a loud warning elsewhere", () => {
		const resolved = resolveSecretKey({ NODE_ENV: "development", SENSORIUM_SECRET_KEY: undefined });
		expect(resolved.key).toHaveLength(32);
		expect(resolved.warning).toMatch(/DEVELOPMENT key/);
	});

	it("rejects a key that is not 32 bytes", () => {
		expect(() => parseEnv(apiEnvSchema, { SENSORIUM_SECRET_KEY: Buffer.alloc(16).toString("base64") })).toThrow(
			/SENSORIUM_SECRET_KEY: must be 32 bytes/,
		);
	});
});
