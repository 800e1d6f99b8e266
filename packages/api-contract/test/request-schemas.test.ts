import { describe, expect, it } from "vitest";
import {
	createTokenSchema,
	executeScanSchema,
	messages,
	registerCallbackSchema,
	rotateCallbackTokenSchema,
	scanRequestSchema,
	signInSchema,
} from "../src/index.ts";

/** What the API answers for a body: the first problem is the reply's `message`, all of them its `errors`. */
const problems = (schema: { safeParse(body: unknown): { error?: { issues: { message: string }[] } } }, body: unknown) =>
	schema.safeParse(body).error?.issues.map((issue) => issue.message) ?? [];

const scanBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
	sensorType: "GIT Sensor",
	sensorName: "payments-service",
	sensorConfig: { url: "https://git.example.com/acme/payments.git" },
	...overrides,
});

const without = (field: string) => Object.fromEntries(Object.entries(scanBody()).filter(([key]) => key !== field));

/**
 * One representative body per row of the spec's "400 Bad Request" tables (5.1 and 5.3), with the spec's message
 * written out character for character so a change to `messages` cannot pass unnoticed. The HTTP tests in apps/api
 * try every value the spec mentions; these pin the schemas alone.
 */
const SPEC_ROWS: [string, unknown, string][] = [
	["a missing field", without("sensorType"), "Missing required field: sensorType."],
	["sensorName of another type", scanBody({ sensorName: true }), "Invalid type for sensorName: expected string."],
	["sensorType of another type", scanBody({ sensorType: 7 }), "Invalid type for sensorType: expected string."],
	[
		"sensorConfig of another type",
		scanBody({ sensorConfig: ["url"] }),
		"Invalid type for sensorConfig: expected object.",
	],
	["an unexpected field", scanBody({ owner: "me" }), "Unexpected field 'owner' found in request body."],
	[
		"a callbackId that is no ObjectId",
		scanBody({ callbackId: "6b09d8a7" }),
		"Invalid format for callbackId: expected a 24-hex-character ObjectId.",
	],
	[
		"a label with two keys",
		scanBody({ labels: [{ env: "prod", team: "pki" }] }),
		"Invalid type for labels: expected array of single key/value objects.",
	],
	["a body that is not a JSON object", [scanBody()], "Invalid request body: expected a JSON object."],
];

describe.each([
	{
		variant: "create" as const,
		priorityMessage: "Invalid type or value for priority: expected string [‘low’, ‘medium’, ‘high’].",
	},
	{
		variant: "deprecated" as const,
		priorityMessage: "Invalid type or value for priority: expected one of ['low', 'medium', 'high'].",
	},
])("the $variant scan request", ({ variant, priorityMessage }) => {
	const schema = scanRequestSchema(variant);

	it("accepts the minimal body and fills in the defaults", () => {
		expect(schema.parse(scanBody())).toEqual({
			...scanBody(),
			priority: "low",
			callbackId: null,
			incrementalScan: false,
			autoResolutionInterval: null,
			labels: [],
		});
	});

	it.each(SPEC_ROWS)("%s", (_, body, message) => {
		expect(problems(schema, body)).toEqual([message]);
	});

	it("a priority that is not low, medium or high, in this section's wording", () => {
		expect(problems(schema, scanBody({ priority: "urgent" }))).toEqual([priorityMessage]);
	});
});

describe("fields only POST /v3/scan/create takes", () => {
	it.each([
		["incrementalScan", "true", "Invalid type for incrementalScan: expected boolean."],
		["autoResolutionInterval", 2.5, "Invalid type for autoResolutionInterval: expected integer."],
		["autoResolutionInterval", 3651, messages.invalidAutoResolutionInterval],
	])("%s %j", (field, value, message) => {
		expect(problems(scanRequestSchema("create"), scanBody({ [field]: value }))).toEqual([message]);
	});

	it("are unexpected on the deprecated POST /v3/scan", () => {
		expect(problems(scanRequestSchema("deprecated"), scanBody({ autoResolutionInterval: 30 }))).toEqual([
			"Unexpected field 'autoResolutionInterval' found in request body.",
		]);
	});
});

describe("a scan request with several faults", () => {
	it("lists them all in the contract's order", () => {
		const body = { labels: "x", callbackId: "nope", priority: "asap", sensorConfig: 3, extra: 1, sensorName: 7 };
		expect(problems(scanRequestSchema("create"), body)).toEqual([
			"Unexpected field 'extra' found in request body.",
			"Missing required field: sensorType.",
			"Invalid type for sensorName: expected string.",
			"Invalid type for sensorConfig: expected object.",
			"Invalid type or value for priority: expected string [‘low’, ‘medium’, ‘high’].",
			"Invalid format for callbackId: expected a 24-hex-character ObjectId.",
			"Invalid type for labels: expected array of single key/value objects.",
		]);
	});

	it("reports unexpected fields in body order", () => {
		expect(problems(scanRequestSchema("create"), { zeta: 1, ...scanBody(), alpha: 2 })).toEqual([
			"Unexpected field 'zeta' found in request body.",
			"Unexpected field 'alpha' found in request body.",
		]);
	});
});

describe("POST /v3/scan/execute (spec 5.2)", () => {
	it.each([[{}], [{ sensorId: "" }], [{ sensorId: null }]])("sensorId is required: %j", (body) => {
		expect(problems(executeScanSchema, body)).toEqual(["sensorId is required"]);
	});

	it("sensorId of the wrong type", () => {
		expect(problems(executeScanSchema, { sensorId: 12 })).toEqual(["Invalid type for sensorId: expected string."]);
	});

	it("an unexpected field", () => {
		expect(problems(executeScanSchema, { sensorId: "6b09d8a7197f6b4c7e9999b1", force: true })).toEqual([
			"Unexpected field 'force' found in request body.",
		]);
	});
});

describe("POST /v3/tokens", () => {
	it("defaults the expiry and trims the name", () => {
		expect(createTokenSchema.parse({ name: " ci ", type: "API Token" })).toEqual({
			name: "ci",
			description: null,
			type: "API Token",
			expiresInDays: 90,
		});
	});

	it.each([
		[{ type: "API Token" }, messages.missingField("name")],
		[{ name: " ", type: "API Token" }, messages.invalidTokenName],
		[{ name: "ci", type: "API Token", description: 5 }, messages.invalidType("description", "string")],
		[{ name: "ci", type: "Root Token" }, messages.invalidTokenType],
		[{ name: "ci", type: "API Token", expiresInDays: 14 }, messages.invalidTokenExpiry],
		[{ name: "ci", type: "API Token", owner: "me" }, messages.unexpectedField("owner")],
	])("%j", (body, message) => {
		expect(problems(createTokenSchema, body)).toEqual([message]);
	});
});

describe("POST /v3/callbacks", () => {
	const endpoint = { name: "scans-callback-prod", url: "https://hooks.example.com/sensorium" };

	it.each([
		[{ url: endpoint.url }, messages.missingField("name")],
		[{ ...endpoint, url: "ftp://hooks.example.com" }, "Invalid value for url: expected an http or https URL."],
		[{ ...endpoint, authType: "basic" }, messages.callbackAuthTypeInvalid],
		[{ ...endpoint, authType: "bearer" }, messages.callbackTokenRequired],
		[{ ...endpoint, authType: "apiToken", tokenValue: "t" }, messages.callbackHeaderNameRequired],
		[
			{ ...endpoint, authType: "apiToken", headerName: "Webhook-Signature", tokenValue: "t" },
			messages.callbackHeaderNameReserved("Webhook-Signature"),
		],
		[{ ...endpoint, tokenValue: "t" }, messages.callbackTokenOnlyWithAuth],
	])("%j", (body, message) => {
		expect(problems(registerCallbackSchema, body)).toEqual([message]);
	});

	it("rotating a token needs a single-line tokenValue and nothing else", () => {
		expect(problems(rotateCallbackTokenSchema, {})).toEqual([messages.missingField("tokenValue")]);
		expect(problems(rotateCallbackTokenSchema, { tokenValue: "a\nb" })).toEqual([messages.callbackTokenInvalid]);
		expect(problems(rotateCallbackTokenSchema, { tokenValue: "t", name: "x" })).toEqual([
			messages.unexpectedField("name"),
		]);
	});
});

describe("POST /v3/session", () => {
	it.each([
		[{ password: "pw" }, messages.missingField("email")],
		[{ email: "", password: "pw" }, messages.missingField("email")],
		[{ email: "admin@acme.example", password: "" }, messages.missingField("password")],
	])("%j", (body, message) => {
		expect(problems(signInSchema, body)).toEqual([message]);
	});
});
