// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { fakeApi, signedIn } from "./fake-api.ts";
import { renderConsole } from "./render.tsx";

afterEach(cleanup);

const token = {
	tokenId: "t1",
	name: "ci-pipeline",
	description: "Nightly scans",
	type: "API Token",
	prefix: "isg_7dfd2912",
	userId: "u1",
	email: "admin@acme.example",
	createdAt: "2026-11-01T10:00:00.000Z",
	expiresAt: "2099-01-30T10:00:00.000Z",
	lastUsedAt: null,
	revokedAt: null,
};

function tokensApi(tokens: unknown[] = [token]) {
	return signedIn(fakeApi()).on("GET /v3/tokens", { body: { status: "successful", tokens } });
}

describe("Access Tokens", () => {
	it("lists the organisation's tokens", async () => {
		renderConsole(
			"/settings/tokens",
			tokensApi([token, { ...token, tokenId: "t2", name: "old", revokedAt: token.createdAt }]),
		);
		const row = (await screen.findByText("ci-pipeline")).closest("tr") as HTMLElement;
		expect(row.textContent).toContain("Nightly scans");
		expect(row.textContent).toContain("isg_7dfd2912…");
		expect(within(row).getByText("Never")).toBeTruthy();
		expect(within(row).getByText("Active")).toBeTruthy();
		const revoked = screen.getByText("old").closest("tr") as HTMLElement;
		expect(within(revoked).getByText("Revoked")).toBeTruthy();
		expect(within(revoked).queryByRole("button", { name: /Revoke/ })).toBeNull();
	});

	it("says so when there are none", async () => {
		renderConsole("/settings/tokens", tokensApi([]));
		await screen.findByText("No tokens yet");
	});

	it("generates a token with the default expiry and shows it once", async () => {
		const api = tokensApi().on("POST /v3/tokens", {
			status: 201,
			body: {
				status: "successful",
				tokenId: "t3",
				token: "isg_secret_value",
				name: "deploy",
				type: "Admin Token",
				prefix: "isg_secret",
				expiresAt: "2027-02-25T10:00:00.000Z",
				message: "Token created.",
			},
		});
		renderConsole("/settings/tokens", api);
		fireEvent.click(await screen.findByRole("button", { name: "Generate Token" }));
		const dialog = screen.getByRole("dialog", { name: "Generate Token" });
		expect((within(dialog).getByLabelText("Expiration Time") as HTMLSelectElement).value).toBe("90");
		expect(
			within(dialog)
				.getAllByRole("option")
				.map((o) => o.textContent),
		).toContain("1 year (365 days)");
		fireEvent.change(within(dialog).getByLabelText("Token Name"), { target: { value: " deploy " } });
		fireEvent.change(within(dialog).getByLabelText("Token Type"), { target: { value: "Admin Token" } });
		fireEvent.click(within(dialog).getByRole("button", { name: "Generate" }));

		const shown = await screen.findByRole("dialog", { name: "Token generated" });
		expect((within(shown).getByLabelText("Your new token") as HTMLInputElement).value).toBe("isg_secret_value");
		expect(shown.textContent).toContain("it will not be shown again");
		expect(api.sent("POST /v3/tokens")[0]).toMatchObject({
			body: { name: "deploy", type: "Admin Token", expiresInDays: 90 },
			headers: { "x-csrf-token": "csrf-1" },
		});
		fireEvent.click(within(shown).getByRole("button", { name: "Copy" }));
		await within(shown).findByRole("button", { name: "Copied" });
		expect(await navigator.clipboard.readText()).toBe("isg_secret_value");
		await waitFor(() => expect(api.sent("GET /v3/tokens")).toHaveLength(2));
	});

	it("shows the API's validation messages next to the fields", async () => {
		const api = tokensApi().on("POST /v3/tokens", {
			status: 400,
			body: {
				status: "failed",
				message: "Missing required field: name.",
				errors: ["Missing required field: name.", "Unexpected field 'x' found in request body."],
			},
		});
		renderConsole("/settings/tokens", api);
		fireEvent.click(await screen.findByRole("button", { name: "Generate Token" }));
		fireEvent.click(screen.getByRole("button", { name: "Generate" }));
		const name = screen.getByLabelText("Token Name");
		await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("true"));
		expect(document.getElementById("token-name-error")?.textContent).toBe("Missing required field: name.");
		expect(name.getAttribute("aria-describedby")).toContain("token-name-error");
		expect(screen.getByRole("alert").textContent).toBe("Unexpected field 'x' found in request body.");
		expect(api.sent("POST /v3/tokens")[0]?.body).toEqual({ type: "API Token", expiresInDays: 90 });
	});

	it("closes a dialog with Escape", async () => {
		renderConsole("/settings/tokens", tokensApi());
		fireEvent.click(await screen.findByRole("button", { name: "Generate Token" }));
		fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
		expect(screen.queryByRole("dialog")).toBeNull();
	});

	it("revokes a token after confirmation", async () => {
		const api = tokensApi().on("DELETE /v3/tokens/t1", { body: { status: "successful", message: "Token revoked." } });
		renderConsole("/settings/tokens", api);
		fireEvent.click(await screen.findByRole("button", { name: "Revoke ci-pipeline" }));
		const confirm = screen.getByRole("dialog", { name: "Revoke token?" });
		expect(api.sent("DELETE /v3/tokens/t1")).toHaveLength(0);
		fireEvent.click(within(confirm).getByRole("button", { name: "Revoke token" }));
		await screen.findByText("Token “ci-pipeline” revoked.");
		expect(api.sent("DELETE /v3/tokens/t1")[0]?.headers["x-csrf-token"]).toBe("csrf-1");
		expect(screen.queryByRole("dialog")).toBeNull();
	});

	it("keeps the confirmation open with the API's answer when revoking fails", async () => {
		const api = tokensApi().on("DELETE /v3/tokens/t1", {
			status: 403,
			body: { status: "failed", message: "Missing or invalid CSRF token." },
		});
		renderConsole("/settings/tokens", api);
		fireEvent.click(await screen.findByRole("button", { name: "Revoke ci-pipeline" }));
		fireEvent.click(screen.getByRole("button", { name: "Revoke token" }));
		const confirm = screen.getByRole("dialog", { name: "Revoke token?" });
		expect((await within(confirm).findByRole("alert")).textContent).toBe("Missing or invalid CSRF token.");
	});
});
