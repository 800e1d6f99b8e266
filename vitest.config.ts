import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { globSync } from "tinyglobby";
import { defineConfig } from "vitest/config";

const TEST_FILES = ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.{ts,tsx}"];

/**
 * A test file is an integration test when it reaches outside the process: Postgres or Redis (through
 * @sensorium/testing, a harness, a database or queue client), child processes (git, openssl, keytool, the apps,
 * Chromium), sockets or a local receiver. Everything else is a unit test: pure, no services, seconds in all
 * (`npm run test:unit`). Deciding from what the file imports keeps the split true without a list to maintain.
 */
const REACHES_OUT =
	/@sensorium\/testing|from "\.\/(harness|fixtures|helpers|receivers?)(\.tsx?)?"|node:child_process|node:https?\b|node:net\b|\bfetch\(|createDatabase|ioredis|bullmq|playwright/;

// Relative to this file, not the working directory: each workspace's `test` script runs vitest from its own folder.
const ROOT = fileURLToPath(new URL(".", import.meta.url));
const integration = globSync(TEST_FILES, { cwd: ROOT }).filter((file) =>
	REACHES_OUT.test(readFileSync(join(ROOT, file), "utf8")),
);

const shared = { pool: "forks" as const, testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
	test: {
		// Vitest's default (cores - 1) runs one file at a time on two cores; most integration files spend their
		// time waiting on child processes, servers and time limits, so two at a time halves the suite's wall time
		// there (13.6 -> 6.2 min) and every file has its own database and queue prefix.
		maxWorkers: Math.max(2, availableParallelism() - 1),
		projects: [
			{ test: { ...shared, name: "unit", include: TEST_FILES, exclude: integration } },
			{
				test: {
					...shared,
					name: "integration",
					include: integration,
					globalSetup: ["packages/testing/src/global-setup.ts"],
				},
			},
		],
	},
});
