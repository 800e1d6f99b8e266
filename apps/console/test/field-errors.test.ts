import { describe, expect, it } from "vitest";
import { CALLBACK_FIELDS, CALLBACK_RULES, fieldOf, sortErrors, TOKEN_FIELDS } from "../src/lib/field-errors.ts";

describe("fieldOf", () => {
	it.each([
		["Missing required field: name.", "name"],
		["Invalid value for expiresInDays: expected one of 7, 30, 60, 90, 180, 365.", "expiresInDays"],
		["Invalid type for name: expected string.", "name"],
		["Missing required field: headerName (required when authType is 'apiToken').", "headerName"],
		["Callback URL is not reachable: connect ECONNREFUSED 127.0.0.1:9.", null],
		["Unexpected field 'foo' found in request body.", null],
	])("%s → %s", (message, field) => {
		expect(fieldOf(message)).toBe(field);
	});
});

describe("sortErrors", () => {
	it("puts each token message next to its field", () => {
		const sorted = sortErrors(
			[
				"Invalid value for name: expected 1 to 200 characters.",
				"Invalid value for type: expected 'API Token' or 'Admin Token'.",
				"Invalid value for expiresInDays: expected one of 7, 30, 60, 90, 180, 365.",
			],
			TOKEN_FIELDS,
		);
		expect(sorted).toEqual({
			fields: {
				name: ["Invalid value for name: expected 1 to 200 characters."],
				type: ["Invalid value for type: expected 'API Token' or 'Admin Token'."],
				expiresInDays: ["Invalid value for expiresInDays: expected one of 7, 30, 60, 90, 180, 365."],
			},
			form: [],
		});
	});

	it("sends the reachability refusals to the URL field and keeps the rest with the form", () => {
		const sorted = sortErrors(
			[
				"Missing required field: tokenValue (required when authType is 'bearer' or 'apiToken').",
				"Invalid value for headerName: expected a valid HTTP header name.",
				"Callback URL is not reachable: connect ECONNREFUSED.",
				"Callback URL is not allowed: it resolves to a loopback, private, link-local or otherwise non-public address (see CALLBACK_ALLOWED_NETWORKS).",
				"Unexpected field 'secret' found in request body.",
			],
			CALLBACK_FIELDS,
			CALLBACK_RULES,
		);
		expect(sorted.fields.tokenValue).toHaveLength(1);
		expect(sorted.fields.headerName).toHaveLength(1);
		expect(sorted.fields.url).toEqual([
			"Callback URL is not reachable: connect ECONNREFUSED.",
			expect.stringMatching(/^Callback URL is not allowed/),
		]);
		expect(sorted.form).toEqual(["Unexpected field 'secret' found in request body."]);
	});

	it("keeps a message about a field the form does not have with the form", () => {
		expect(sortErrors(["Invalid value for url: must be http or https."], TOKEN_FIELDS).form).toHaveLength(1);
	});
});
