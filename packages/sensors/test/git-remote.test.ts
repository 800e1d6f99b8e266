import { readFile, rm, stat } from "node:fs/promises";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gitSensor } from "../src/index.ts";
import { makeTempDir, rejection, runContext } from "./fixtures.ts";

const PASSWORD = "pa55-W0rd/with:odd@chars";
const TOKEN = "ghp_0123456789abcdefTOKEN";

let base: string;
const servers: Array<HttpServer | Server> = [];

function listen<T extends HttpServer | Server>(server: T): Promise<number> {
	servers.push(server);
	return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

/** A Git smart-HTTP endpoint that refuses everyone and remembers what they offered. */
async function refusingServer(): Promise<{ port: number; url: string; authorizations: Array<string | undefined> }> {
	const authorizations: Array<string | undefined> = [];
	const port = await listen(
		createHttpServer((request, response) => {
			authorizations.push(request.headers.authorization);
			response.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end();
		}),
	);
	return { port, url: `http://127.0.0.1:${port}/org/repo.git`, authorizations };
}

const basic = (username: string, password: string) =>
	`Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

beforeAll(async () => {
	base = await makeTempDir("git-remote");
});

afterEach(async () => {
	for (const server of servers.splice(0)) {
		if ("closeAllConnections" in server) server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	}
});

afterAll(async () => {
	await rm(base, { recursive: true, force: true });
});

describe("GIT Sensor: credentials", () => {
	it("sends username and password as Basic auth and reports refusal as GIT-1002 without the password", async () => {
		const server = await refusingServer();
		const context = await runContext(base);
		const error = await rejection(gitSensor.open({ url: server.url, username: "alice", password: PASSWORD }, context));
		expect(error).toMatchObject({ code: "GIT-1002", retryable: false });
		expect(server.authorizations).toContain(basic("alice", PASSWORD));
		for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), basic("alice", PASSWORD)]) {
			expect(error.message).not.toContain(secret);
		}
		const askpass = join(context.workDir, "git-askpass.sh");
		expect((await stat(askpass)).mode & 0o777).toBe(0o700);
		expect(await readFile(askpass, "utf8")).not.toContain(PASSWORD);
	});

	it("sends a token with a default username", async () => {
		const server = await refusingServer();
		const error = await rejection(gitSensor.open({ url: server.url, token: TOKEN }, await runContext(base)));
		expect(error.code).toBe("GIT-1002");
		expect(error.message).not.toContain(TOKEN);
		expect(server.authorizations).toContain(basic("x-access-token", TOKEN));
	});

	it("says that credentials are needed when none are configured", async () => {
		const server = await refusingServer();
		const error = await rejection(gitSensor.open({ url: server.url }, await runContext(base)));
		expect(error.code).toBe("GIT-1002");
		expect(error.message).toMatch(/requires authentication/);
		expect(server.authorizations.every((header) => header === undefined)).toBe(true);
	});

	it("does not follow redirects, so another host gets neither the request nor the credentials", async () => {
		const elsewhere = await refusingServer();
		const port = await listen(
			createHttpServer((request, response) => {
				response.writeHead(302, { Location: `http://localhost:${elsewhere.port}${request.url}` }).end();
			}),
		);
		const error = await rejection(
			gitSensor.open({ url: `http://127.0.0.1:${port}/org/repo.git`, token: TOKEN }, await runContext(base)),
		);
		expect(error.code).toBe("GIT-1006");
		expect(error.message).toMatch(/redirects/);
		expect(elsewhere.authorizations).toEqual([]);
	});
});

describe("GIT Sensor: network failures", () => {
	it("kills git after gitTimeoutMs when the server never answers (GIT-1004)", async () => {
		const sockets: Socket[] = [];
		const port = await listen(createTcpServer((socket) => sockets.push(socket)));
		const started = Date.now();
		const error = await rejection(
			gitSensor.open(
				{ url: `http://127.0.0.1:${port}/repo.git` },
				await runContext(base, { settings: { gitTimeoutMs: 300 } }),
			),
		);
		for (const socket of sockets) socket.destroy();
		expect(error).toMatchObject({ code: "GIT-1004", retryable: true });
		expect(Date.now() - started).toBeLessThan(5_000);
	});

	it("rejects with the abort reason when the execution is cancelled", async () => {
		const sockets: Socket[] = [];
		const port = await listen(createTcpServer((socket) => sockets.push(socket)));
		const controller = new AbortController();
		const context = await runContext(base, { signal: controller.signal });
		setTimeout(() => controller.abort(new Error("execution cancelled")), 200);
		await expect(gitSensor.open({ url: `http://127.0.0.1:${port}/repo.git` }, context)).rejects.toThrow(
			"execution cancelled",
		);
		for (const socket of sockets) socket.destroy();
	});

	it("reports a closed port as GIT-1001, retryable, over http and ssh", async () => {
		const server = createTcpServer();
		const port = await listen(server);
		servers.pop();
		await new Promise((resolve) => server.close(resolve));
		const http = await rejection(gitSensor.open({ url: `http://127.0.0.1:${port}/repo.git` }, await runContext(base)));
		expect(http).toMatchObject({ code: "GIT-1001", retryable: true });
		expect(http.message).toContain(`127.0.0.1:${port}`);
		const ssh = await rejection(
			gitSensor.open({ url: `ssh://git@127.0.0.1:${port}/repo.git` }, await runContext(base)),
		);
		expect(ssh).toMatchObject({ code: "GIT-1001", retryable: true });
		expect(ssh.message).toMatch(/Connection refused/);
	});
});
