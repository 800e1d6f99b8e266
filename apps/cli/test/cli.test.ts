import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { authenticate } from "@sensorium/accounts";
import { createDatabase, type DatabaseHandle } from "@sensorium/db";
import { type AuthInvalidation, createWorkerConnection, subscribeAuthInvalidations } from "@sensorium/queue";
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase, uniqueQueuePrefix } from "@sensorium/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../bin/sensorium.mjs", import.meta.url));

let testDb: TestDatabase;
let database: DatabaseHandle;

beforeAll(async () => {
	testDb = await createTestDatabase();
	database = createDatabase(testDb.url, { max: 2 });
});
afterAll(async () => {
	await database.close();
	await testDb.drop();
});

const prefix = uniqueQueuePrefix("cli");

interface CliResult {
	code: number;
	json: Record<string, unknown>;
	stdout: string;
	stderr: string;
}

async function sensoriumWith(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
	try {
		const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
			env: { ...process.env, DATABASE_URL: testDb.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, ...env },
		});
		return { code: 0, stdout, stderr, json: safeJson(stdout) };
	} catch (error) {
		const failed = error as { code: number; stdout: string; stderr: string };
		return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr, json: safeJson(failed.stdout) };
	}
}

const sensorium = (...args: string[]) => sensoriumWith({}, ...args);

function safeJson(text: string): Record<string, unknown> {
	try {
		return JSON.parse(text);
	} catch {
		return {};
	}
}

// Several CLI processes per test (node + tsx start-up each): more than the default 30 s on a loaded machine.
describe("sensorium CLI", { timeout: 120_000 }, () => {
	let org: { orgId: string; userId: string; tokenId: string; token: string };

	it("bootstrap --json prints exactly one JSON object with a working Admin Token", async () => {
		const res = await sensorium("bootstrap", "--org", "Acme", "--email", "admin@acme.test", "--json");
		expect(res.code).toBe(0);
		expect(res.stdout.trim().split("\n")).toHaveLength(1);
		expect(Object.keys(res.json).sort()).toEqual(["oneTimePassword", "orgId", "token", "tokenId", "userId"]);
		org = res.json as typeof org;
		const principal = await authenticate(database.db, org.token);
		expect(principal).toMatchObject({ orgId: org.orgId, role: "admin", tokenType: "Admin Token" });
		const { signIn } = await import("@sensorium/accounts");
		const session = await signIn(database.db, "admin@acme.test", res.json.oneTimePassword as string);
		expect(session.outcome).toBe("signed-in");
	});

	it("creates users and tokens, revokes tokens, deactivates users, sets licences", async () => {
		const user = await sensorium("users", "create", "--org", org.orgId, "--email", "dev@acme.test", "--json");
		expect(user.json.userId).toMatch(/^[0-9a-f]{24}$/);
		const token = await sensorium(
			"tokens",
			"create",
			"--email",
			"dev@acme.test",
			"--name",
			"ci",
			"--expires-in-days",
			"30",
			"--json",
		);
		expect(token.code).toBe(0);
		expect(await authenticate(database.db, token.json.token as string)).toMatchObject({ tokenType: "API Token" });

		await sensorium("tokens", "revoke", "--org", org.orgId, "--token", token.json.tokenId as string, "--json");
		expect(await authenticate(database.db, token.json.token as string)).toBeNull();

		const second = await sensorium("tokens", "create", "--user", user.json.userId as string, "--name", "b", "--json");
		await sensorium("users", "deactivate", "--email", "dev@acme.test", "--json");
		expect(await authenticate(database.db, second.json.token as string)).toBeNull();

		const licence = await sensorium("orgs", "set-licence", "--org", org.orgId, "--expires", "2000-01-01", "--json");
		expect(licence.json.licenceExpiresAt).toBe("2000-01-01T00:00:00.000Z");
		expect(await authenticate(database.db, org.token)).toBeNull();
		await sensorium("orgs", "set-licence", "--org", org.orgId, "--expires", "never", "--json");
		expect(await authenticate(database.db, org.token)).not.toBeNull();
	});

	it("announces revocations, deactivations and licence changes to running API replicas", async () => {
		const subscriber = createWorkerConnection(TEST_REDIS_URL);
		const heard: AuthInvalidation[] = [];
		await subscribeAuthInvalidations(subscriber, prefix, {
			onInvalidation: (change) => heard.push(change),
			onResubscribed: () => {},
		});
		try {
			const user = await sensorium("users", "create", "--org", org.orgId, "--email", "ops@acme.test", "--json");
			const token = await sensorium("tokens", "create", "--email", "ops@acme.test", "--name", "ops", "--json");
			await sensorium("tokens", "revoke", "--org", org.orgId, "--token", token.json.tokenId as string, "--json");
			await sensorium("users", "deactivate", "--email", "ops@acme.test", "--json");
			await sensorium("orgs", "set-licence", "--org", org.orgId, "--expires", "never", "--json");
			for (let i = 0; i < 100 && heard.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
			expect(heard).toEqual([
				{ scope: "token", tokenId: token.json.tokenId },
				{ scope: "user", userId: user.json.userId },
				{ scope: "org", orgId: org.orgId },
			]);
		} finally {
			subscriber.disconnect();
		}
	});

	it("still succeeds when Redis does not answer, warning on stderr without the Redis URL", async () => {
		const res = await sensoriumWith(
			{ REDIS_URL: "redis://:hunter2@127.0.0.1:1" },
			"orgs",
			"set-licence",
			"--org",
			org.orgId,
			"--expires",
			"never",
			"--json",
		);
		expect(res.code).toBe(0);
		expect(res.stdout.trim().split("\n")).toHaveLength(1);
		expect(res.json.orgId).toBe(org.orgId);
		expect(res.stderr).toContain("Redis did not answer");
		expect(res.stderr).not.toContain("hunter2");
	});

	it("set-password reads the password from stdin and ends existing sessions", async () => {
		const { signIn, sessionPrincipal } = await import("@sensorium/accounts");
		const before = await signIn(database.db, "admin@acme.test", "wrong");
		expect(before.outcome).toBe("invalid");
		const child = execFile(
			process.execPath,
			[BIN, "users", "set-password", "--email", "admin@acme.test", "--password-stdin", "--json"],
			{
				env: { ...process.env, DATABASE_URL: testDb.url },
			},
		);
		child.stdin?.end("correct horse battery staple\n");
		const stdout = await new Promise<string>((resolve) => {
			let out = "";
			child.stdout?.on("data", (d) => {
				out += d;
			});
			child.on("exit", () => resolve(out));
		});
		expect(JSON.parse(stdout)).toMatchObject({ passwordSet: true });
		const after = await signIn(database.db, "admin@acme.test", "correct horse battery staple");
		expect(after.outcome).toBe("signed-in");
		const short = execFile(
			process.execPath,
			[BIN, "users", "set-password", "--email", "admin@acme.test", "--password-stdin", "--json"],
			{
				env: { ...process.env, DATABASE_URL: testDb.url },
			},
		);
		short.stdin?.end("short");
		const code = await new Promise<number | null>((resolve) => short.on("exit", resolve));
		expect(code).not.toBe(0);
		if (after.outcome === "signed-in") expect(await sessionPrincipal(database.db, after.secret)).not.toBeNull();
	});

	it("failures are one JSON object too, with a non-zero exit", async () => {
		const dup = await sensorium("bootstrap", "--org", "Again", "--email", "admin@acme.test", "--json");
		expect(dup.code).not.toBe(0);
		expect(dup.json).toEqual({ status: "failed", message: "A user with email admin@acme.test already exists." });
		const missing = await sensorium("users", "create", "--json");
		expect(missing.code).toBe(2);
		expect(missing.json.message).toBe("--org is required");
		const plainUserAdmin = await sensorium(
			"tokens",
			"create",
			"--email",
			"dev@acme.test",
			"--name",
			"x",
			"--type",
			"Admin Token",
			"--json",
		);
		expect(plainUserAdmin.code).not.toBe(0);
		const unknown = await sensorium("frobnicate", "--json");
		expect(unknown.code).toBe(2);
	});
});

describe("sensorium --help and exit codes", () => {
	it("--help lists every command with one line each, the common flags and the exit codes", async () => {
		const res = await sensorium("--help");
		expect(res.code).toBe(0);
		const { COMMAND_HELP } = await import("../src/help.ts");
		for (const name of Object.keys(COMMAND_HELP)) expect(res.stdout).toMatch(new RegExp(`^  ${name}\\s+\\S`, "m"));
		expect(res.stdout).toMatch(/^ {2}--json\s+\S/m);
		expect(res.stdout).toContain("Exit codes: 0 success; 1 failure");
		expect(res.stdout).toContain("2 usage error");
		expect(res.stdout).toContain("3 timeout");
	});

	it("<command> --help lists each of the command's flags on its own line", async () => {
		const { COMMAND_HELP } = await import("../src/help.ts");
		for (const [name, help] of Object.entries(COMMAND_HELP)) {
			const res = await sensorium(...name.split(" "), "--help");
			expect(res.code, name).toBe(0);
			expect(res.stdout.split("\n")[0]).toBe(`Usage: sensorium ${name} [flags] [--json]`);
			for (const [flag] of help.flags)
				expect(res.stdout, `${name} ${flag}`).toMatch(
					new RegExp(`^  ${flag.replace(/[|.*+?()[\]]/g, "\\$&")}\\s+\\S`, "m"),
				);
		}
	}, 120_000);

	it("exits 2 for an unknown command or no command, and for a missing flag", async () => {
		const unknown = await sensorium("frobnicate", "--json");
		expect(unknown.code).toBe(2);
		expect(unknown.json).toMatchObject({ status: "failed" });
		expect(String(unknown.json.message)).toMatch(/^Unknown command: frobnicate/);
		expect((await sensorium()).code).toBe(2);
		const missing = await sensorium("scan", "wait", "--token", "isg_x", "--json");
		expect(missing.code).toBe(2);
		expect(missing.json).toEqual({ status: "failed", message: "--execution is required" });
	});

	it("scan wait exits 1 when the API cannot be reached", async () => {
		const res = await sensorium(
			"scan",
			"wait",
			"--execution",
			"6b09d8a7197f6b4c7e9999b1",
			"--token",
			"isg_x",
			"--api-url",
			"http://127.0.0.1:9",
			"--json",
		);
		expect(res.code).toBe(1);
		expect(String(res.json.message)).toMatch(/^Cannot reach the API at http:\/\/127\.0\.0\.1:9/);
	});
});
