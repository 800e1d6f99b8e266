// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Diagnostic, Execution } from "../src/lib/types.ts";
import { fakeApi, signedIn } from "./fake-api.ts";
import { renderConsole } from "./render.tsx";

afterEach(cleanup);

const EXECUTION_ID = "6b09ec11a4e9bc52934d539e";

function execution(filesFailed: number): Execution {
	return {
		executionId: EXECUTION_ID,
		sensorId: "6b09ec11a4e9bc52934d5300",
		status: "successful",
		priority: "high",
		labels: [],
		ranBy: "admin@acme.example",
		ranAt: "2026-11-27T19:30:00.000Z",
		startedAt: "2026-11-27T19:30:01.000Z",
		finishedAt: "2026-11-27T19:30:13.400Z",
		message: "Scan completed: 3 files scanned, 1 cryptographic assets found.",
		findings: { total: 1, byType: { x509: 1 } },
		progress: { filesScanned: 3, bytesScanned: 2048, filesFailed },
	};
}

const diagnostic = (id: number, path: string): Diagnostic => ({
	id,
	path,
	stage: "parse",
	errorClass: "UnreadableBlock",
	message: "a CERTIFICATE block could not be parsed (damaged or cut)",
});

function pageApi(filesFailed: number) {
	return signedIn(fakeApi())
		.on(`GET /v3/scan/${EXECUTION_ID}`, { body: execution(filesFailed) })
		.on("GET /v3/executions", { body: { executions: [], nextCursor: null } })
		.on(`GET /v3/scan/${EXECUTION_ID}/findings`, { body: { findings: [], nextCursor: null } })
		.on(`GET /v3/scan/${EXECUTION_ID}/callbacks`, { body: { deliveries: [] } })
		.on(`GET /v3/scan/${EXECUTION_ID}/export`, { status: 404, body: { status: "failed", message: "Not found." } })
		.on(`GET /v3/scan/${EXECUTION_ID}/diagnostics`, (request) =>
			request.query.get("cursor") === "1"
				? {
						body: {
							executionId: EXECUTION_ID,
							filesFailed,
							diagnostics: [diagnostic(2, "b.zip!c.pem")],
							nextCursor: null,
						},
					}
				: { body: { executionId: EXECUTION_ID, filesFailed, diagnostics: [diagnostic(1, "a.pem")], nextCursor: "1" } },
		);
}

describe("the execution page's diagnostics", () => {
	it("lists the files that could not be read or parsed, page by page", async () => {
		renderConsole(`/scans/${EXECUTION_ID}`, pageApi(2));
		const panel = await screen.findByRole("region", { name: "Files that could not be read or parsed" });
		expect(panel.textContent).toContain("2 files");
		expect(within(panel).getByText("a.pem")).toBeTruthy();
		fireEvent.click(within(panel).getByRole("button", { name: "Show more" }));
		await waitFor(() => expect(within(panel).getByText("b.zip!c.pem")).toBeTruthy());
		expect(within(panel).queryByRole("button", { name: "Show more" })).toBeNull();
	});

	it("shows nothing when every file was read", async () => {
		renderConsole(`/scans/${EXECUTION_ID}`, pageApi(0));
		await screen.findByRole("region", { name: "Summary" });
		expect(screen.queryByRole("region", { name: "Files that could not be read or parsed" })).toBeNull();
	});
});
