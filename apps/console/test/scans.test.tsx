// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Execution, ExecutionSummary, Finding } from "../src/lib/types.ts";
import { type FakeApi, fakeApi, signedIn, USER } from "./fake-api.ts";
import { renderConsole } from "./render.tsx";

afterEach(cleanup);

const EXECUTION_ID = "6b09ec11a4e9bc52934d539d";
const SENSOR_ID = "6b09ec11a4e9bc52934d5300";

function summary(overrides: Partial<ExecutionSummary> = {}): ExecutionSummary {
	return {
		executionId: EXECUTION_ID,
		sensorId: SENSOR_ID,
		sensorName: "payments-service",
		sensorType: "GIT Sensor",
		status: "successful",
		priority: "high",
		labels: [{ team: "payments" }],
		ranBy: "admin@acme.example",
		ranAt: "2026-11-27T19:30:00.000Z",
		startedAt: "2026-11-27T19:30:01.000Z",
		finishedAt: "2026-11-27T19:30:13.400Z",
		durationMs: 12_400,
		message: "Scan completed.",
		findings: { total: 3, byType: { x509: 1, key: 2 } },
		...overrides,
	};
}

function execution(overrides: Partial<Execution> = {}): Execution {
	const { sensorName, sensorType, durationMs, ...rest } = summary();
	return { ...rest, progress: { filesScanned: 1200, bytesScanned: 5 * 1024 * 1024 }, ...overrides };
}

const certificate: Finding = {
	findingId: "f1",
	kind: "x509",
	identity: "x509:aa",
	status: "open",
	observation: { file: { path: "certs/api.pem", line: 1 } },
	crypto: {
		x509: {
			subject: "CN=api.acme.example",
			notValidAfter: "2020-01-01T00:00:00.000Z",
			publicKey: { algorithm: "RSA", size: 1024 },
		},
	},
	analysis: {
		priority: "high",
		reasons: [{ rule: "rsa-short-key", priority: "high", message: "RSA keys under 2048 bits are weak" }],
	},
};

const key: Finding = {
	findingId: "f2",
	kind: "key",
	identity: "key:bb",
	status: "open",
	observation: { file: { path: "deploy/id_ed25519", line: 1 } },
	crypto: { key: { type: "private-key", algorithm: "Ed25519", size: 256 } },
	analysis: null,
};

function executionApi(state: Execution = execution()): FakeApi {
	return signedIn(fakeApi())
		.on(`GET /v3/scan/${EXECUTION_ID}`, { body: state })
		.on("GET /v3/executions", { body: { executions: [summary()], nextCursor: null } })
		.on(`GET /v3/scan/${EXECUTION_ID}/findings`, (request) => ({
			body: {
				findings: [certificate, key].filter((f) => !request.query.get("type") || f.kind === request.query.get("type")),
				nextCursor: null,
			},
		}))
		.on(`GET /v3/scan/${EXECUTION_ID}/callbacks`, { body: { deliveries: [] } })
		.on(`HEAD /v3/scan/${EXECUTION_ID}/cbom`, { status: 200 });
}

describe("Scans", () => {
	it("lists executions newest first with their details", async () => {
		const api = signedIn(fakeApi())
			.on("GET /v3/executions", {
				body: {
					executions: [summary(), summary({ executionId: "e2", status: "failed", durationMs: 850 })],
					nextCursor: null,
				},
			})
			.on("GET /v3/sensors", { body: { sensors: [] } });
		renderConsole("/scans", api);
		const table = await screen.findByRole("table", { name: "Scan executions, newest first" });
		const [first, second] = within(table).getAllByRole("row").slice(1);
		expect(first?.textContent).toContain("Successful");
		expect(first?.textContent).toContain("payments-service");
		expect(first?.textContent).toContain("team=payments");
		expect(first?.textContent).toContain("12 s");
		expect(
			within(first as HTMLElement)
				.getByRole("link", { name: "payments-service" })
				.getAttribute("href"),
		).toBe(`/console/scans/${EXECUTION_ID}`);
		expect(second?.textContent).toContain("Failed");
		expect(second?.textContent).toContain("850 ms");
		expect(screen.queryByText(/Updating every 2 s/)).toBeNull();
	});

	it("filters by status and sensor through the address", async () => {
		const api = signedIn(fakeApi())
			.on("GET /v3/executions", { body: { executions: [], nextCursor: null } })
			.on("GET /v3/sensors", {
				body: { sensors: [{ sensorId: SENSOR_ID, name: "payments-service", type: "GIT Sensor", labels: [] }] },
			});
		renderConsole("/scans", api);
		await screen.findByText("No scans yet");
		fireEvent.change(screen.getByLabelText("Status"), { target: { value: "failed" } });
		await screen.findByText("No scans match these filters");
		await screen.findByRole("option", { name: "payments-service" });
		fireEvent.change(screen.getByLabelText("Sensor"), { target: { value: SENSOR_ID } });
		await waitFor(() => expect(window.location.search).toBe(`?status=failed&sensorId=${SENSOR_ID}`));
		await waitFor(() =>
			expect(Object.fromEntries(api.requests.at(-1)?.query ?? [])).toEqual({
				status: "failed",
				sensorId: SENSOR_ID,
				limit: "50",
			}),
		);
		fireEvent.click(screen.getAllByRole("button", { name: "Clear filters" })[0] as HTMLElement);
		await screen.findByText("No scans yet");
	});

	it("says it is updating itself while scans are running and loads older pages on request", async () => {
		const api = signedIn(fakeApi())
			.on("GET /v3/executions", (request) => ({
				body: request.query.get("cursor")
					? { executions: [summary({ executionId: "e0", sensorName: "older-sensor" })], nextCursor: null }
					: { executions: [summary({ status: "running", durationMs: null, finishedAt: null })], nextCursor: "c1" },
			}))
			.on("GET /v3/sensors", { body: { sensors: [] } });
		renderConsole("/scans", api);
		await screen.findByText("Updating every 2 s while scans are queued or running");
		fireEvent.click(screen.getByRole("button", { name: "Load older scans" }));
		await screen.findByText("older-sensor");
		expect(screen.queryByRole("button", { name: "Load older scans" })).toBeNull();
		expect(screen.getByText("2 scans shown")).toBeTruthy();
	});

	it("tells users without a token how to get one", async () => {
		const api = signedIn(fakeApi(), USER)
			.on("GET /v3/executions", { body: { executions: [], nextCursor: null } })
			.on("GET /v3/sensors", { body: { sensors: [] } });
		renderConsole("/scans", api);
		await screen.findByText("Ask an administrator of your organisation for an API token.");
	});
});

describe("Execution", () => {
	it("shows the summary, findings with their facts, and the CBOM download", async () => {
		renderConsole(`/scans/${EXECUTION_ID}`, executionApi());
		await screen.findByRole("heading", { name: "payments-service", level: 1 });
		const findings = await screen.findByRole("table", { name: "Findings of this scan" });
		const cert = within(findings).getByText("certs/api.pem:1").closest("tr") as HTMLElement;
		expect(cert.textContent).toContain("CN=api.acme.example");
		expect(cert.textContent).toContain("1024-bit");
		expect(within(cert).getByText("Expired")).toBeTruthy();
		expect(within(cert).getByText("high")).toBeTruthy();
		fireEvent.click(within(cert).getByRole("button", { name: "Details" }));
		expect(screen.getByText("RSA keys under 2048 bits are weak (high)")).toBeTruthy();
		expect(screen.getByText("publicKey.algorithm")).toBeTruthy();
		const cbom = await screen.findByRole("link", { name: "Download CBOM" });
		expect(cbom.getAttribute("href")).toBe(`/v3/scan/${EXECUTION_ID}/cbom`);
		expect(screen.getByText("1,200")).toBeTruthy();
		expect(screen.getByText("5.0 MiB")).toBeTruthy();
	});

	it("filters findings by type", async () => {
		const api = executionApi();
		renderConsole(`/scans/${EXECUTION_ID}`, api);
		await screen.findByText("certs/api.pem:1");
		fireEvent.click(screen.getByRole("button", { name: /^Key/ }));
		// The list may be empty while the filtered page loads: wait for the filtered result itself.
		await waitFor(() => {
			expect(screen.queryByText("certs/api.pem:1")).toBeNull();
			expect(screen.getByText("deploy/id_ed25519:1")).toBeTruthy();
		});
		expect(screen.getByRole("button", { name: /^Key/ }).getAttribute("aria-pressed")).toBe("true");
		expect(api.sent(`GET /v3/scan/${EXECUTION_ID}/findings`).at(-1)?.query.get("type")).toBe("key");
	});

	it("hides the CBOM download when the API has none", async () => {
		const api = executionApi().on(`HEAD /v3/scan/${EXECUTION_ID}/cbom`, { status: 404 });
		renderConsole(`/scans/${EXECUTION_ID}`, api);
		await screen.findByText("certs/api.pem:1");
		await waitFor(() => expect(api.sent(`HEAD /v3/scan/${EXECUTION_ID}/cbom`)).toHaveLength(1));
		expect(screen.queryByRole("link", { name: "Download CBOM" })).toBeNull();
	});

	it("shows a failure's code and message, and the callback attempts", async () => {
		const api = executionApi(
			execution({ status: "failed", errorCode: "GIT-1002", message: "Authentication failed.", findings: undefined }),
		).on(`GET /v3/scan/${EXECUTION_ID}/callbacks`, {
			body: {
				deliveries: [
					{
						deliveryId: "d1",
						callbackId: "cb1",
						status: "failed",
						attempts: 2,
						attemptLog: [
							{ attempt: 1, attemptedAt: "2026-11-27T19:31:00.000Z", statusCode: 500, latencyMs: 40, error: null },
							{
								attempt: 2,
								attemptedAt: "2026-11-27T19:32:00.000Z",
								statusCode: null,
								latencyMs: 2000,
								error: "timeout",
							},
						],
					},
				],
			},
		});
		renderConsole(`/scans/${EXECUTION_ID}`, api);
		const failure = await screen.findByRole("alert");
		expect(failure.textContent).toContain("GIT-1002");
		expect(failure.textContent).toContain("Authentication failed.");
		const attempts = await screen.findByRole("table", { name: "Attempts of delivery d1" });
		expect(within(attempts).getAllByRole("row")).toHaveLength(3);
		expect(attempts.textContent).toContain("timeout");
		expect(attempts.textContent).toContain("500");
	});

	it("shows progress while running, without findings yet", async () => {
		const api = executionApi(execution({ status: "running", finishedAt: null, findings: undefined }));
		renderConsole(`/scans/${EXECUTION_ID}`, api);
		await screen.findByRole("heading", { name: "Scanning" });
		expect(screen.getByRole("progressbar")).toBeTruthy();
		expect(screen.getByText("1,200 files · 5.0 MiB read so far")).toBeTruthy();
		expect(screen.getByText("Findings and callback deliveries appear here when the scan finishes.")).toBeTruthy();
		expect(api.sent(`GET /v3/scan/${EXECUTION_ID}/findings`)).toHaveLength(0);
	});

	it("runs the sensor again and opens the new execution", async () => {
		const next = "6b09ec11a4e9bc52934d5400";
		const api = executionApi()
			.on("POST /v3/scan/execute", { body: { executionId: next, status: "successful" } })
			.on(`GET /v3/scan/${next}`, { body: execution({ executionId: next, status: "queued" }) });
		renderConsole(`/scans/${EXECUTION_ID}`, api);
		fireEvent.click(await screen.findByRole("button", { name: "Run again" }));
		await screen.findByRole("heading", { name: "Waiting for a worker" });
		expect(window.location.pathname).toBe(`/console/scans/${next}`);
		expect(api.sent("POST /v3/scan/execute")[0]).toMatchObject({
			body: { sensorId: SENSOR_ID },
			headers: { "x-csrf-token": "csrf-1" },
		});
	});

	it("says so when the execution does not exist", async () => {
		const api = signedIn(fakeApi()).on("GET /v3/scan/nope", {
			status: 404,
			body: { status: "failed", message: "The specified executionId was not found." },
		});
		renderConsole("/scans/nope", api);
		await screen.findByText("There is no scan with this id in your organisation");
	});
});
