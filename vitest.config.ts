import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.{ts,tsx}"],
		globalSetup: ["packages/testing/src/global-setup.ts"],
		pool: "forks",
		testTimeout: 30_000,
		hookTimeout: 60_000,
	},
});
