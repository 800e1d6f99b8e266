// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, fakeApi, signedIn, USER } from "./fake-api.ts";
import { renderConsole } from "./render.tsx";

afterEach(cleanup);

const unauthorized = { status: 401, body: { status: "failed", message: "Unauthorized access." } };
const noExecutions = { body: { executions: [], nextCursor: null } };

function signIn(email: string, password: string) {
	fireEvent.change(screen.getByLabelText("Email"), { target: { value: email } });
	fireEvent.change(screen.getByLabelText("Password"), { target: { value: password } });
	fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("signing in", () => {
	it("shows the sign-in form without a session, and the API's message for a wrong password", async () => {
		const api = fakeApi()
			.on("GET /v3/session", unauthorized)
			.on("POST /v3/session", { status: 401, body: { status: "failed", message: "Incorrect email or password." } });
		renderConsole("/scans", api);
		await screen.findByRole("heading", { name: "Sign in" });
		signIn("admin@acme.example", "wrong");
		expect((await screen.findByRole("alert")).textContent).toBe("Incorrect email or password.");
		expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
	});

	it("says when the account is locked", async () => {
		const api = fakeApi()
			.on("GET /v3/session", unauthorized)
			.on("POST /v3/session", {
				status: 429,
				body: { status: "failed", message: "Too many failed sign-ins. Try again in 15 minutes." },
			});
		renderConsole("/", api);
		await screen.findByRole("heading", { name: "Sign in" });
		signIn("admin@acme.example", "wrong");
		expect((await screen.findByRole("alert")).textContent).toBe("Too many failed sign-ins. Try again in 15 minutes.");
	});

	it("asks for both fields before calling the API", async () => {
		const api = fakeApi().on("GET /v3/session", unauthorized);
		renderConsole("/", api);
		await screen.findByRole("heading", { name: "Sign in" });
		fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
		expect((await screen.findByRole("alert")).textContent).toBe("Enter your email and password.");
		expect(api.sent("POST /v3/session")).toHaveLength(0);
	});

	it("opens the screen that was asked for once signed in", async () => {
		const api = fakeApi()
			.on("GET /v3/session", unauthorized)
			.on("POST /v3/session", { body: { status: "successful", user: ADMIN, csrfToken: "c" } })
			.on("GET /v3/tokens", { body: { tokens: [] } });
		renderConsole("/settings/tokens", api);
		await screen.findByRole("heading", { name: "Sign in" });
		signIn(" admin@acme.example ", "pw");
		await screen.findByRole("heading", { name: "Access Tokens", level: 1 });
		expect(api.sent("POST /v3/session")[0]?.body).toEqual({ email: "admin@acme.example", password: "pw" });
		expect(document.title).toBe("Access Tokens · Sensorium");
	});

	it("goes back to the sign-in form when the session ends", async () => {
		const api = signedIn(fakeApi()).on("GET /v3/executions", unauthorized).on("GET /v3/sensors", unauthorized);
		renderConsole("/scans", api);
		await screen.findByText("Your session has ended. Sign in again.");
		expect(screen.getByRole("heading", { name: "Sign in" })).toBeTruthy();
	});

	it("signs out with the CSRF token", async () => {
		const api = signedIn(fakeApi())
			.on("GET /v3/executions", noExecutions)
			.on("GET /v3/sensors", { body: { sensors: [] } })
			.on("DELETE /v3/session", { body: { status: "successful" } });
		renderConsole("/scans", api);
		fireEvent.click(await screen.findByRole("button", { name: "Sign out" }));
		await screen.findByText("You have signed out.");
		expect(api.sent("DELETE /v3/session")[0]?.headers["x-csrf-token"]).toBe("csrf-1");
	});

	it("offers to try again when the API cannot be reached", async () => {
		renderConsole("/", { ...fakeApi(), fetch: () => Promise.reject(new TypeError("Failed to fetch")) });
		await screen.findByText("The console cannot start");
		expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
	});
});

describe("navigation and roles", () => {
	it("shows administrators the settings", async () => {
		const api = signedIn(fakeApi())
			.on("GET /v3/executions", noExecutions)
			.on("GET /v3/sensors", { body: { sensors: [] } });
		renderConsole("/scans", api);
		const nav = await screen.findByRole("navigation", { name: "Main" });
		expect(within(nav).getByRole("link", { name: "Scans" }).getAttribute("aria-current")).toBe("page");
		expect(within(nav).getByRole("link", { name: "Access Tokens" }).getAttribute("href")).toBe(
			"/console/settings/tokens",
		);
		expect(within(nav).getByRole("link", { name: "Callback Endpoints" })).toBeTruthy();
	});

	it("hides the settings from other users and explains why when reached by address", async () => {
		const api = signedIn(fakeApi(), USER);
		renderConsole("/settings/callbacks", api);
		await screen.findByText("This page needs an administrator");
		const nav = screen.getByRole("navigation", { name: "Main" });
		expect(within(nav).queryByRole("link", { name: "Access Tokens" })).toBeNull();
		expect(within(nav).queryByRole("link", { name: "Callback Endpoints" })).toBeNull();
		expect(api.sent("GET /v3/callbacks")).toHaveLength(0);
	});

	it("navigates in place and says when an address leads nowhere", async () => {
		const api = signedIn(fakeApi()).on("GET /v3/tokens", { body: { tokens: [] } });
		renderConsole("/nowhere", api);
		await screen.findByText("There is nothing at this address");
		fireEvent.click(screen.getByRole("link", { name: "Access Tokens" }));
		await screen.findByRole("heading", { name: "Access Tokens", level: 1 });
		expect(window.location.pathname).toBe("/console/settings/tokens");
		expect(document.activeElement?.id).toBe("main");
	});
});
