// @vitest-environment happy-dom
import { cleanup, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Execution, FindingExport } from "../src/lib/types.ts";
import { fakeApi, signedIn } from "./fake-api.ts";
import { renderConsole } from "./render.tsx";

afterEach(cleanup);

const EXECUTION_ID = "6b09ec11a4e9bc52934d539d";

const execution: Execution = {
	executionId: EXECUTION_ID,
	sensorId: "6b09ec11a4e9bc52934d5300",
	status: "successful",
	priority: "high",
	labels: [{ team: "payments" }],
	ranBy: "admin@acme.example",
	ranAt: "2026-11-27T19:30:00.000Z",
	startedAt: "2026-11-27T19:30:01.000Z",
	finishedAt: "2026-11-27T19:30:13.400Z",
	message: "Scan completed.",
	findings: { total: 3, byType: { x509: 3 } },
	progress: { filesScanned: 3, bytesScanned: 2048 },
};

function exportView(overrides: Partial<FindingExport> = {}): FindingExport {
	return {
		exportId: "6b09ec11a4e9bc52934d5400",
		executionId: EXECUTION_ID,
		state: "done",
		attempts: 1,
		documentsExported: 3,
		documentsFailed: 0,
		lastError: null,
		nextAttemptAt: null,
		startedAt: "2026-11-27T19:30:14.000Z",
		finishedAt: "2026-11-27T19:30:14.200Z",
		itemErrors: [],
		...overrides,
	};
}

function pageApi(answers: FindingExport[]) {
	let call = 0;
	return signedIn(fakeApi())
		.on(`GET /v3/scan/${EXECUTION_ID}`, { body: execution })
		.on("GET /v3/executions", { body: { executions: [], nextCursor: null } })
		.on(`GET /v3/scan/${EXECUTION_ID}/findings`, { body: { findings: [], nextCursor: null } })
		.on(`GET /v3/scan/${EXECUTION_ID}/callbacks`, { body: { deliveries: [] } })
		.on(`GET /v3/scan/${EXECUTION_ID}/export`, () => ({
			body: answers[Math.min(call++, answers.length - 1)],
		}));
}

const panel = () => screen.findByRole("region", { name: "OpenSearch export" });

describe("the execution page's OpenSearch export", () => {
	it("shows a pending export with its attempts and error, then follows it to done", async () => {
		const api = pageApi([
			exportView({
				state: "pending",
				attempts: 3,
				documentsExported: 0,
				lastError: "connect ECONNREFUSED 127.0.0.1:9200",
				nextAttemptAt: "2026-11-27T19:31:00.000Z",
			}),
			exportView(),
		]);
		renderConsole(`/scans/${EXECUTION_ID}`, api);
		const pending = await panel();
		expect(pending.textContent).toContain("Export state: pending");
		expect(pending.textContent).toContain("3 attempts");
		expect(pending.textContent).toContain("ECONNREFUSED");
		await waitFor(
			() =>
				expect(screen.getByRole("region", { name: "OpenSearch export" }).textContent).toContain("Export state: done"),
			{
				timeout: 5_000,
			},
		);
		expect((await panel()).textContent).toContain("3 documents exported");
	});

	it("lists the documents OpenSearch rejected", async () => {
		const rejected = {
			findingId: "f1",
			status: 400,
			error: "mapper_parsing_exception: failed to parse field [crypto]",
		};
		renderConsole(
			`/scans/${EXECUTION_ID}`,
			pageApi([exportView({ state: "failed", documentsExported: 2, documentsFailed: 1, itemErrors: [rejected] })]),
		);
		const failed = await panel();
		expect(failed.textContent).toContain("1 rejected");
		const table = within(failed).getByRole("table", { name: "Documents OpenSearch rejected" });
		expect(table.textContent).toContain("mapper_parsing_exception");
	});

	it("shows nothing where the API has no export route", async () => {
		const api = pageApi([]).on(`GET /v3/scan/${EXECUTION_ID}/export`, {
			status: 404,
			body: { status: "failed", message: "Not found." },
		});
		renderConsole(`/scans/${EXECUTION_ID}`, api);
		await screen.findByRole("region", { name: /Callback deliveries/ });
		expect(screen.queryByRole("region", { name: "OpenSearch export" })).toBeNull();
	});
});
