import { describe, expect, it } from "vitest";
import { callbackUrlProblem } from "../src/index.ts";

const NOT_A_URL = "Invalid value for url: expected an http or https URL.";

describe("callbackUrlProblem", () => {
	it.each([
		"https://hooks.example.com/sensorium",
		"http://hooks.example.com:8080/a/b?team=pki&x=1",
		"https://[2606:4700::1111]/hook",
		"http://127.0.0.1:3000/",
		`https://example.com/${"a".repeat(200 - "https://example.com/".length)}`,
	])("accepts %s", (url) => {
		expect(callbackUrlProblem(url)).toBeNull();
	});

	it.each([
		[undefined, NOT_A_URL],
		[42, NOT_A_URL],
		[{ href: "https://example.com" }, NOT_A_URL],
		["", NOT_A_URL],
		["hooks.example.com/path", NOT_A_URL],
		["https://", NOT_A_URL],
		[" https://example.com/", NOT_A_URL],
		["ftp://example.com/hook", NOT_A_URL],
		["file:///etc/passwd", NOT_A_URL],
		["javascript:alert(1)", NOT_A_URL],
		[`https://example.com/${"a".repeat(181)}`, "Invalid value for url: expected at most 200 characters."],
		[
			"https://user:secret@example.com/hook",
			"Invalid value for url: credentials must not be part of the URL; use authType and tokenValue.",
		],
		[
			"https://user@example.com/hook",
			"Invalid value for url: credentials must not be part of the URL; use authType and tokenValue.",
		],
		[
			"https://example.com/hook#section",
			"Invalid value for url: a fragment (#...) is not sent to the server; remove it.",
		],
	])("rejects %j", (url, message) => {
		expect(callbackUrlProblem(url)).toBe(message);
	});
});
