import { executionDiagnostics, executions } from "@sensorium/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

let h: Harness;
let org: Org;
let other: Org;
let executionId: string;

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
	other = await h.newOrg();
	const created = await h.request("POST", "/v3/scan/create", { token: org.apiToken, body: createBody() });
	executionId = created.body.executionId as string;
	// As a worker records them: three diagnostics, and one more failed file than it kept.
	await h.database.db.update(executions).set({ filesFailed: 4 }).where(eq(executions.id, executionId));
	await h.database.db.insert(executionDiagnostics).values(
		["a.pem", "b.zip!c.pem", "d.bin"].map((path, i) => ({
			executionId,
			seq: i + 1,
			path,
			stage: "parse" as const,
			errorClass: "UnreadableBlock",
			message: "a CERTIFICATE block could not be parsed (damaged or cut)",
		})),
	);
});
afterAll(() => h.close());

const get = (path: string, token = org.apiToken) => h.request("GET", path, { token });

describe("GET /v3/scan/{executionId}/diagnostics", () => {
	it("pages the diagnostics in order with filesFailed, as findings are paged", async () => {
		const first = await get(`/v3/scan/${executionId}/diagnostics?limit=2`);
		expect(first.status).toBe(200);
		expect(first.body).toMatchObject({ executionId, filesFailed: 4, nextCursor: "2" });
		expect((first.body.diagnostics as { path: string }[]).map((d) => d.path)).toEqual(["a.pem", "b.zip!c.pem"]);
		const second = await get(`/v3/scan/${executionId}/diagnostics?limit=2&cursor=2`);
		expect(second.body).toMatchObject({ nextCursor: null, diagnostics: [{ id: 3, path: "d.bin", stage: "parse" }] });
	});

	it("shows the status's progress.filesFailed", async () => {
		const status = await get(`/v3/scan/${executionId}`);
		expect(status.body.progress).toEqual({ filesScanned: 0, bytesScanned: 0, filesFailed: 4 });
	});

	it("answers 404 for another organisation's execution and for a malformed id, 400 for a bad page", async () => {
		expect((await get(`/v3/scan/${executionId}/diagnostics`, other.apiToken)).status).toBe(404);
		expect((await get("/v3/scan/not-an-id/diagnostics")).status).toBe(404);
		expect((await get(`/v3/scan/${executionId}/diagnostics?limit=0`)).body).toEqual({
			status: "failed",
			message: "Invalid value for limit: expected an integer from 1 to 500.",
		});
		expect((await get(`/v3/scan/${executionId}/diagnostics?cursor=abc`)).status).toBe(400);
		expect((await get(`/v3/scan/${executionId}/diagnostics`, "isg_wrong")).status).toBe(401);
	});
});

describe("SENSOR_MAX_FILE_SIZE_MB", () => {
	it("refuses a max_file_size_mb above the operator's cap (default 100) with the spec's message", async () => {
		const over = await h.request("POST", "/v3/scan/create", {
			token: org.apiToken,
			body: createBody({ sensorConfig: { url: "https://git.example.com/a.git", max_file_size_mb: 600 } }),
		});
		expect(over.status).toBe(400);
		expect(over.body.message).toBe("Invalid input for sensorConfig.");
		const within = await h.request("POST", "/v3/scan/create", {
			token: org.apiToken,
			body: createBody({ sensorConfig: { url: "https://git.example.com/a.git", max_file_size_mb: 100 } }),
		});
		expect(within.status).toBe(200);
	});
});
