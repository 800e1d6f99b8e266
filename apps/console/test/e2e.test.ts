import { execFile, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ServerType, serve } from "@hono/node-server";
import { bootstrapOrganization, createUser, setPassword } from "@sensorium/accounts";
import { createApp } from "@sensorium/api/app";
import { createHarness, type Harness } from "@sensorium/api/test-harness";
import { createTestDatabase, TEST_REDIS_URL, type TestDatabase } from "@sensorium/testing";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, "test-artifacts", "console");
const PASSWORD = "correct horse battery staple";
const SECRET_KEY = Buffer.alloc(32, 9).toString("base64");
const ADMIN = "admin@acme.example";
const USER = "dev@acme.example";
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

interface Received {
	method: string;
	headers: IncomingHttpHeaders;
	body: string;
}

interface Child {
	output(): string;
	stop(): Promise<void>;
}

/** A real process of this repository, as `npm run start:<role>` runs it, with its output kept for failures. */
function startRole(entry: string, env: Record<string, string>): Child {
	let output = "";
	const child = spawn(process.execPath, ["--import", "tsx", entry], {
		cwd: ROOT,
		env: { ...process.env, LOG_LEVEL: "warn", ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	child.stdout?.on("data", (chunk) => {
		output += chunk;
	});
	child.stderr?.on("data", (chunk) => {
		output += chunk;
	});
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	return {
		output: () => output,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
			await exited;
		},
	};
}

let work: string;
let scanRoot: string;
let testDb: TestDatabase;
let h: Harness;
let prefix: string;
let server: ServerType;
let baseUrl: string;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let browser: BrowserContext;
let page: Page;
const roles: Child[] = [];
const pageErrors: string[] = [];

let callbackId = "";
let executionId = "";

async function screenshot(target: Page, name: string) {
	await target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function newPage(viewport: { width: number; height: number }): Promise<Page> {
	const created = await browser.newPage();
	await created.setViewportSize(viewport);
	watchErrors(created);
	return created;
}

/** Paths of the console below the API's origin. */
const at = (path: string) => `${baseUrl}${path}`;

async function signIn(target: Page, email: string) {
	await target.getByLabel("Email").fill(email);
	await target.getByLabel("Password").fill(PASSWORD);
	await target.getByRole("button", { name: "Sign in" }).click();
	await target.getByRole("heading", { name: "Sign in" }).waitFor({ state: "detached" });
}

function watchErrors(target: Page) {
	target.on("pageerror", (error) => pageErrors.push(error.message));
	target.on("console", (message) => {
		// Chromium logs every 4xx answer as a failed load; the tests provoke some (wrong password, empty form).
		if (message.type() === "error" && !/status of 4\d\d/.test(message.text())) pageErrors.push(message.text());
	});
}

beforeAll(async () => {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`${CHROMIUM} is missing: run .ci/run (it installs Debian's chromium) to run the console's browser tests.`,
		);
	}
	mkdirSync(ARTIFACTS, { recursive: true });
	work = mkdtempSync(join(tmpdir(), "sensorium-console-e2e-"));
	const dist = join(work, "dist");
	scanRoot = join(work, "fs");
	mkdirSync(join(scanRoot, "deploy"), { recursive: true });
	const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" });
	writeFileSync(join(scanRoot, "deploy", "server.key"), key);
	const claims = Buffer.from(JSON.stringify({ iss: "e2e", exp: 1893456000 })).toString("base64url");
	const jwtHeader = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
	// An HS256 signature is 32 bytes; a shorter one would not be taken for a token.
	const signature = Buffer.alloc(32, 3).toString("base64url");
	writeFileSync(join(scanRoot, "config.yaml"), `session_token: "${jwtHeader}.${claims}.${signature}"\n`);

	// The production build, as the API serves it; NODE_ENV so React's production bundle is used.
	const build = promisify(execFile)(
		process.execPath,
		[
			join(ROOT, "node_modules/vite/bin/vite.js"),
			"build",
			"apps/console",
			"--outDir",
			dist,
			"--emptyOutDir",
			"--logLevel",
			"warn",
		],
		{ cwd: ROOT, env: { ...process.env, NODE_ENV: "production" } },
	);
	// A persistent context on a fresh profile directory: the browser starts with nothing from earlier runs.
	const launched = chromium.launchPersistentContext(join(work, "chromium"), {
		executablePath: CHROMIUM,
		headless: true,
		viewport: DESKTOP,
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
		],
	});
	// Settled, not Promise.all: whatever did start must be there for afterAll to stop when another part failed.
	const [db, launchedBrowser, built] = await Promise.allSettled([createTestDatabase(), launched, build]);
	if (db.status === "fulfilled") testDb = db.value;
	if (launchedBrowser.status === "fulfilled") browser = launchedBrowser.value;
	for (const step of [db, launchedBrowser, built]) if (step.status === "rejected") throw step.reason;

	h = await createHarness({
		label: "console",
		database: testDb,
		secretKey: Buffer.from(SECRET_KEY, "base64"),
		callbackNetworks: ["127.0.0.0/8"],
	});
	prefix = h.prefix;
	const database = h.database;
	const boot = await bootstrapOrganization(database.db, { orgName: "Acme", email: ADMIN });
	const user = await createUser(database.db, { orgId: boot.orgId, email: USER, role: "user" });
	await Promise.all([setPassword(database.db, boot.userId, PASSWORD), setPassword(database.db, user.userId, PASSWORD)]);

	const app = createApp({ ...h.deps, consoleDir: dist });
	baseUrl = await new Promise<string>((resolve) => {
		server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
			resolve(`http://127.0.0.1:${info.port}`),
		);
	});

	receiver = createServer((req, res) => {
		let body = "";
		req.on("data", (chunk) => {
			body += chunk;
		});
		req.on("end", () => {
			received.push({ method: req.method ?? "", headers: req.headers, body });
			res.writeHead(200).end();
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/sensorium`;

	await browser.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
	page = await newPage(DESKTOP);
}, 60_000);

afterAll(async () => {
	await browser?.close();
	await Promise.all(roles.map((role) => role.stop()));
	server?.close();
	receiver?.closeAllConnections();
	receiver?.close();
	if (h) await h.close();
	else await testDb?.drop();
	if (work) rmSync(work, { recursive: true, force: true });
});

describe("web console in a real browser", () => {
	it("signs in, telling a wrong password apart", async () => {
		await page.goto(at("/console/"));
		await page.getByRole("heading", { name: "Sign in" }).waitFor();
		await screenshot(page, "01-sign-in");

		await page.getByLabel("Email").fill(ADMIN);
		await page.getByLabel("Password").fill("not the password");
		await page.getByRole("button", { name: "Sign in" }).click();
		await page.getByText("Incorrect email or password.").waitFor();

		await signIn(page, ADMIN);
		await page.getByRole("heading", { name: "Scans", level: 1 }).waitFor();
		await page.getByText("No scans yet").waitFor();
		expect(await page.getByRole("navigation", { name: "Main" }).textContent()).toContain("Access Tokens");
		await screenshot(page, "02-scans-empty");

		// The session survives a reload: the console asks the API, not its own memory.
		await page.reload();
		await page.getByRole("heading", { name: "Scans", level: 1 }).waitFor();
	});

	it("registers a callback endpoint, showing the API's messages by the fields, and copies its id", async () => {
		await page.getByRole("link", { name: "Callback Endpoints" }).click();
		await page.getByText("No callback endpoints yet").waitFor();
		await page.getByRole("button", { name: "Register" }).click();
		const dialog = page.getByRole("dialog", { name: "Register New Endpoint" });
		await dialog.getByRole("button", { name: "Register" }).click();
		await page.locator("#callback-name-error").getByText("Missing required field: name.").waitFor();
		expect(await page.locator("#callback-url-error").textContent()).toBe("Missing required field: url.");
		await screenshot(page, "03-callback-validation");

		await dialog.getByLabel("Name").fill("scans-callback-prod");
		await dialog.getByLabel("Callback URL").fill(receiverUrl);
		await dialog.getByText("Bearer Token").click();
		await dialog.getByLabel("Token Value").fill("receiver-secret");
		await dialog.getByRole("button", { name: "Register" }).click();
		const registered = page.getByRole("dialog", { name: "Endpoint registered" });
		await registered.getByText("the endpoint answered HTTP 200").waitFor();
		expect(received.find((r) => r.method === "HEAD")?.headers.authorization).toBe("Bearer receiver-secret");
		expect(await registered.getByLabel("Signing secret").inputValue()).toMatch(/^whsec_/);
		await screenshot(page, "04-callback-registered");

		callbackId = await registered.getByLabel("Callback ID").inputValue();
		await registered.getByRole("button", { name: "Copy Callback ID" }).click();
		await registered.getByRole("button", { name: "Copied" }).waitFor();
		expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(callbackId);
		await registered.getByRole("button", { name: "Done" }).click();

		const row = page.getByRole("row", { name: /scans-callback-prod/ });
		await row.getByText("Bearer Token").waitFor();
		expect(await row.textContent()).toContain(callbackId);
		await screenshot(page, "05-callbacks");
	});

	it("generates an API token, copies it and the API accepts it", async () => {
		await page.getByRole("link", { name: "Access Tokens" }).click();
		await page.getByRole("button", { name: "Generate Token" }).click();
		const form = page.getByRole("dialog", { name: "Generate Token" });
		expect(await form.getByLabel("Expiration Time").inputValue()).toBe("90");
		// Escape closes the dialog without generating anything.
		await page.keyboard.press("Escape");
		await form.waitFor({ state: "detached" });

		await page.getByRole("button", { name: "Generate Token" }).click();
		await form.getByLabel("Token Name").fill("ci-pipeline");
		await form.getByLabel("Description").fill("Nightly scans from the build server");
		await form.getByLabel("Token Type").selectOption("API Token");
		await form.getByRole("button", { name: "Generate" }).click();
		const generated = page.getByRole("dialog", { name: "Token generated" });
		await generated.getByText("it will not be shown again").waitFor();
		const token = await generated.getByLabel("Your new token").inputValue();
		await generated.getByRole("button", { name: "Copy" }).click();
		await generated.getByRole("button", { name: "Copied" }).waitFor();
		const copied = await page.evaluate(() => navigator.clipboard.readText());
		expect(copied).toBe(token);
		await screenshot(page, "06-token-generated");
		await generated.getByRole("button", { name: "Done" }).click();

		const response = await fetch(`${baseUrl}/v3/scan/create`, {
			method: "POST",
			headers: { "isg-api-token": copied, "content-type": "application/json" },
			body: JSON.stringify({
				sensorType: "Filesystem Sensor",
				sensorName: "deploy-keys",
				sensorConfig: { path: scanRoot },
				priority: "high",
				labels: [{ team: "platform" }, { env: "prod" }],
				callbackId,
			}),
		});
		const body = (await response.json()) as { executionId: string };
		expect(response.status).toBe(200);
		executionId = body.executionId;

		await page.reload();
		const row = page.getByRole("row", { name: /ci-pipeline/ });
		await row.getByText("Active").waitFor();
		await screenshot(page, "07-tokens");
	});

	it("watches a scan go from queued to successful and opens its findings", async () => {
		await page.getByRole("link", { name: "Scans", exact: true }).click();
		const row = page.getByRole("row", { name: /deploy-keys/ });
		await row.getByText("Queued").waitFor();
		await screenshot(page, "08-scans-queued");

		const env = {
			DATABASE_URL: testDb.url,
			REDIS_URL: TEST_REDIS_URL,
			QUEUE_PREFIX: prefix,
			SENSORIUM_SECRET_KEY: SECRET_KEY,
		};
		roles.push(
			startRole("apps/worker/src/main.ts", { ...env, SENSOR_FS_ROOTS: work, WORKER_HEALTH_PORT: "0" }),
			startRole("apps/dispatcher/src/main.ts", {
				...env,
				CALLBACK_ALLOWED_NETWORKS: "127.0.0.0/8",
				CALLBACK_RETRY_SCHEDULE: "1,1,1",
				DISPATCHER_HEALTH_PORT: "0",
			}),
		);
		// No reload: the list refreshes itself while a scan is queued or running.
		await row
			.getByText("Successful")
			.waitFor({ timeout: 20_000 })
			.catch((error) => {
				throw new Error(`${error}\n${roles.map((role) => role.output()).join("\n")}`);
			});

		await row.getByRole("link", { name: "deploy-keys" }).click();
		await page.waitForURL(`**/console/scans/${executionId}`);
		const findings = page.getByRole("table", { name: "Findings of this scan" });
		const keyRow = findings.getByRole("row", { name: /deploy\/server\.key:1/ });
		await keyRow.getByText("2048-bit").waitFor();
		expect(await keyRow.textContent()).toContain("RSA");
		await findings.getByRole("row", { name: /config\.yaml:1/ }).waitFor();

		await page.getByRole("button", { name: /^Key/ }).click();
		await findings.getByRole("row", { name: /config\.yaml/ }).waitFor({ state: "detached" });
		await keyRow.getByRole("button", { name: "Details" }).click();
		await page.getByText("fingerprintSha256").waitFor();

		await page.getByText("Delivered").waitFor({ timeout: 15_000 });
		expect(received.some((r) => r.method === "POST" && r.body.includes(executionId))).toBe(true);
		const cbom = await page.getByRole("link", { name: "Download CBOM" }).getAttribute("href");
		const document = await page.evaluate(async (href) => (await fetch(href as string)).json(), cbom);
		expect(document).toMatchObject({ bomFormat: "CycloneDX" });
		await screenshot(page, "09-execution");

		await page.getByRole("button", { name: "Run again" }).click();
		await page.waitForURL(
			(url) => /\/console\/scans\/[0-9a-f]{24}$/.test(url.pathname) && !url.pathname.endsWith(executionId),
		);
		await page.getByRole("region", { name: "Summary" }).getByText("Successful").waitFor({ timeout: 30_000 });
		await page.getByRole("region", { name: "Other runs of this sensor" }).waitFor();
		await screenshot(page, "10-execution-run-again");

		const phone = await newPage(PHONE);
		await phone.goto(at("/console/scans"));
		await phone.getByRole("link", { name: "deploy-keys" }).first().waitFor();
		await screenshot(phone, "11-scans-phone");
		await phone.goto(at(`/console/scans/${executionId}`));
		await phone.getByText("deploy/server.key:1").waitFor();
		await screenshot(phone, "12-execution-phone");
		await phone.close();
	}, 60_000);

	it("keeps a user who is not an administrator out of the settings", async () => {
		// Same browser, the administrator signed out of it by losing the cookie.
		await page.close();
		await browser.clearCookies();
		const user = await newPage(PHONE);
		await user.goto(at("/console/settings/tokens"));
		await signIn(user, USER);
		await user.getByText("This page needs an administrator").waitFor();
		const nav = await user.getByRole("navigation", { name: "Main" }).textContent();
		expect(nav).not.toContain("Access Tokens");
		expect(nav).not.toContain("Callback Endpoints");
		await screenshot(user, "13-user-settings-phone");

		await user.getByRole("link", { name: "Go to Scans" }).click();
		await user.getByRole("link", { name: "deploy-keys" }).first().waitFor();
		await user.getByRole("button", { name: "Sign out" }).click();
		await user.getByText("You have signed out.").waitFor();
		expect(pageErrors).toEqual([]);
	});
});
