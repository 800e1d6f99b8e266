// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { fakeApi, signedIn } from "./fake-api.ts";
import { renderConsole } from "./render.tsx";

afterEach(cleanup);

const endpoint = {
	callbackId: "6b09ec10a4e9bc52934d539a",
	name: "scans-callback-prod",
	url: "https://hooks.acme.example/sensorium",
	authType: "apiToken",
	headerName: "X-Custom-Auth",
	hasToken: true,
	createdAt: "2026-11-01T10:00:00.000Z",
	tokenRotatedAt: null,
};

function callbacksApi(callbacks: unknown[] = [endpoint]) {
	return signedIn(fakeApi()).on("GET /v3/callbacks", { body: { status: "successful", callbacks } });
}

function openRegister() {
	fireEvent.click(screen.getByRole("button", { name: "Register" }));
	return screen.getByRole("dialog", { name: "Register New Endpoint" });
}

describe("Callback Endpoints", () => {
	it("lists endpoints with their authentication and copies a Callback ID", async () => {
		renderConsole("/settings/callbacks", callbacksApi());
		const row = (await screen.findByText("scans-callback-prod")).closest("tr") as HTMLElement;
		expect(row.textContent).toContain("API Token (X-Custom-Auth)");
		fireEvent.click(within(row).getByRole("button", { name: "Copy Callback ID" }));
		await within(row).findByRole("button", { name: "Copied" });
		expect(await navigator.clipboard.readText()).toBe(endpoint.callbackId);
	});

	it("asks for a header name only for API Token and a token value only with authentication", async () => {
		renderConsole("/settings/callbacks", callbacksApi([]));
		await screen.findByText("No callback endpoints yet");
		const dialog = openRegister();
		expect(within(dialog).queryByLabelText("Header Name")).toBeNull();
		expect(within(dialog).queryByLabelText("Token Value")).toBeNull();
		fireEvent.click(within(dialog).getByLabelText(/Bearer Token/));
		expect(within(dialog).queryByLabelText("Header Name")).toBeNull();
		expect(within(dialog).getByLabelText("Token Value")).toBeTruthy();
		fireEvent.click(within(dialog).getByLabelText(/API Token/));
		expect(within(dialog).getByLabelText("Header Name")).toBeTruthy();
	});

	it("sends only the fields of the chosen authentication and shows the secret once", async () => {
		const api = callbacksApi([]).on("POST /v3/callbacks", {
			status: 201,
			body: {
				status: "successful",
				...endpoint,
				authType: "bearer",
				headerName: null,
				signingSecret: "whsec_c2VjcmV0",
				reachability: { statusCode: 204, latencyMs: 35 },
				message: "Callback endpoint registered.",
			},
		});
		renderConsole("/settings/callbacks", api);
		await screen.findByText("No callback endpoints yet");
		const dialog = openRegister();
		fireEvent.click(within(dialog).getByLabelText(/API Token/));
		fireEvent.change(within(dialog).getByLabelText("Header Name"), { target: { value: "X-Auth" } });
		fireEvent.click(within(dialog).getByLabelText(/Bearer Token/));
		fireEvent.change(within(dialog).getByLabelText("Name"), { target: { value: "prod" } });
		fireEvent.change(within(dialog).getByLabelText("Callback URL"), {
			target: { value: "https://hooks.acme.example/x" },
		});
		fireEvent.change(within(dialog).getByLabelText("Token Value"), { target: { value: "t0ken" } });
		fireEvent.click(within(dialog).getByRole("button", { name: "Register" }));

		const done = await screen.findByRole("dialog", { name: "Endpoint registered" });
		expect(done.textContent).toContain("the endpoint answered HTTP 204 in 35 ms");
		expect((within(done).getByLabelText("Callback ID") as HTMLInputElement).value).toBe(endpoint.callbackId);
		expect((within(done).getByLabelText("Signing secret") as HTMLInputElement).value).toBe("whsec_c2VjcmV0");
		expect(done.textContent).toContain("it will not be shown again");
		expect(api.sent("POST /v3/callbacks")[0]?.body).toEqual({
			name: "prod",
			url: "https://hooks.acme.example/x",
			authType: "bearer",
			tokenValue: "t0ken",
		});
	});

	it("puts the API's messages next to the fields they are about", async () => {
		const api = callbacksApi([]).on("POST /v3/callbacks", {
			status: 400,
			body: {
				status: "failed",
				message: "Missing required field: name.",
				errors: [
					"Missing required field: name.",
					"Callback URL is not reachable: connect ECONNREFUSED 127.0.0.1:9.",
					"Missing required field: headerName (required when authType is 'apiToken').",
					"Missing required field: tokenValue (required when authType is 'bearer' or 'apiToken').",
				],
			},
		});
		renderConsole("/settings/callbacks", api);
		await screen.findByText("No callback endpoints yet");
		const dialog = openRegister();
		fireEvent.click(within(dialog).getByLabelText(/API Token/));
		fireEvent.click(within(dialog).getByRole("button", { name: "Register" }));
		await waitFor(() => expect(document.getElementById("callback-name-error")).not.toBeNull());
		expect(document.getElementById("callback-name-error")?.textContent).toBe("Missing required field: name.");
		expect(document.getElementById("callback-url-error")?.textContent).toBe(
			"Callback URL is not reachable: connect ECONNREFUSED 127.0.0.1:9.",
		);
		expect(document.getElementById("callback-header-error")?.textContent).toContain("headerName");
		expect(document.getElementById("callback-token-error")?.textContent).toContain("tokenValue");
		expect(within(dialog).queryByRole("alert")).toBeNull();
	});

	it("rotates a token", async () => {
		const api = callbacksApi().on(`POST /v3/callbacks/${endpoint.callbackId}/rotate-token`, {
			body: { status: "successful", ...endpoint },
		});
		renderConsole("/settings/callbacks", api);
		fireEvent.click(await screen.findByRole("button", { name: "Rotate token of scans-callback-prod" }));
		const dialog = screen.getByRole("dialog", { name: "Rotate token" });
		fireEvent.change(within(dialog).getByLabelText("New Token Value"), { target: { value: "new-secret" } });
		fireEvent.click(within(dialog).getByRole("button", { name: "Rotate token" }));
		await screen.findByText("Token of “scans-callback-prod” rotated.");
		expect(api.sent(`POST /v3/callbacks/${endpoint.callbackId}/rotate-token`)[0]?.body).toEqual({
			tokenValue: "new-secret",
		});
	});

	it("deletes an endpoint after confirmation", async () => {
		const api = callbacksApi().on(`DELETE /v3/callbacks/${endpoint.callbackId}`, { body: { status: "successful" } });
		renderConsole("/settings/callbacks", api);
		fireEvent.click(await screen.findByRole("button", { name: "Delete scans-callback-prod" }));
		fireEvent.click(
			within(screen.getByRole("dialog", { name: "Delete endpoint?" })).getByRole("button", { name: "Delete endpoint" }),
		);
		await screen.findByText("Endpoint “scans-callback-prod” deleted.");
		expect(api.sent(`DELETE /v3/callbacks/${endpoint.callbackId}`)).toHaveLength(1);
	});

	it("shows an error with a retry when the list cannot be loaded", async () => {
		const api = signedIn(fakeApi()).on("GET /v3/callbacks", {
			status: 503,
			body: { status: "failed", message: "The database is unavailable." },
		});
		renderConsole("/settings/callbacks", api);
		await screen.findByText("Could not load callback endpoints");
		api.on("GET /v3/callbacks", { body: { callbacks: [endpoint] } });
		fireEvent.click(screen.getByRole("button", { name: "Try again" }));
		await screen.findByText("scans-callback-prod");
	});
});
