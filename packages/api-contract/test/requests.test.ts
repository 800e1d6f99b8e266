import { describe, expect, it } from "vitest";
import { buildOpenApiDocument, createTokenSchema, executeScanSchema, ROUTES, scanRequestSchema } from "../src/index.ts";

// The expected strings are copied from the spec (../shared/spec/scan-api-v3.txt), not from `messages`:
// a change to a message must fail here.
const issues = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
	result.success ? [] : (result.error?.issues.map((i) => i.message) ?? []);

describe("POST /v3/scan/create body", () => {
	const create = scanRequestSchema("create");
	const valid = {
		sensorType: "GIT Sensor",
		sensorName: "payments",
		sensorConfig: { url: "https://git.example/a.git" },
	};

	it("fills the defaults of a minimal request", () => {
		expect(create.parse(valid)).toEqual({
			...valid,
			priority: "low",
			callbackId: null,
			incrementalScan: false,
			autoResolutionInterval: null,
			labels: [],
		});
	});

	it("reports every problem in the contract's order, with the spec's words", () => {
		expect(issues(create.safeParse({ sensorName: 7, sensorConfig: [], colour: "red", priority: "urgent" }))).toEqual([
			"Unexpected field 'colour' found in request body.",
			"Missing required field: sensorType.",
			"Invalid type for sensorName: expected string.",
			"Invalid type for sensorConfig: expected object.",
			"Invalid type or value for priority: expected string [‘low’, ‘medium’, ‘high’].",
		]);
	});

	it("checks incrementalScan, autoResolutionInterval, callbackId and labels", () => {
		expect(
			issues(
				create.safeParse({
					...valid,
					incrementalScan: "yes",
					autoResolutionInterval: 1.5,
					callbackId: "not-an-id",
					labels: [{ a: "1", b: "2" }],
				}),
			),
		).toEqual([
			"Invalid type for incrementalScan: expected boolean.",
			"Invalid type for autoResolutionInterval: expected integer.",
			"Invalid format for callbackId: expected a 24-hex-character ObjectId.",
			"Invalid type for labels: expected array of single key/value objects.",
		]);
	});

	it("answers a body that is not a JSON object with one message", () => {
		for (const body of [null, [], "text", 3]) expect(issues(create.safeParse(body))).toHaveLength(1);
	});

	it("words the priority problem of the deprecated POST /v3/scan as that section of the spec does", () => {
		expect(issues(scanRequestSchema("deprecated").safeParse({ ...valid, priority: 2, incrementalScan: true }))).toEqual(
			[
				"Unexpected field 'incrementalScan' found in request body.",
				"Invalid type or value for priority: expected one of ['low', 'medium', 'high'].",
			],
		);
	});
});

describe("other bodies", () => {
	it("POST /v3/scan/execute wants exactly a sensorId", () => {
		expect(issues(executeScanSchema.safeParse({}))).toEqual(["sensorId is required"]);
		expect(issues(executeScanSchema.safeParse({ sensorId: 5, extra: 1 }))).toEqual([
			"Unexpected field 'extra' found in request body.",
			"Invalid type for sensorId: expected string.",
		]);
		expect(executeScanSchema.parse({ sensorId: "6b09d8a7197f6b4c7e9999b1" })).toEqual({
			sensorId: "6b09d8a7197f6b4c7e9999b1",
		});
	});

	it("a token request gets the default expiry and a trimmed name", () => {
		expect(createTokenSchema.parse({ name: "  ci  ", type: "API Token" })).toMatchObject({
			name: "ci",
			description: null,
			type: "API Token",
		});
		expect(issues(createTokenSchema.safeParse({ name: "ci", type: "API Token", expiresInDays: 31 }))).toEqual([
			"Invalid value for expiresInDays: expected one of 7, 30, 60, 90, 180, 365.",
		]);
	});
});

describe("the OpenAPI document", () => {
	const document = buildOpenApiDocument("test") as {
		openapi: string;
		paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>;
	};

	it("is OpenAPI 3.1 with an operation for every documented route, in OpenAPI's path syntax", () => {
		expect(document.openapi).toBe("3.1.0");
		for (const route of ROUTES) {
			const path = route.path.replace(/:(\w+)/g, "{$1}");
			expect(document.paths[path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
		}
		expect(Object.keys(document.paths)).toContain("/v3/scan/create");
	});

	it("documents the error answers of the scan routes", () => {
		const create = document.paths["/v3/scan/create"]?.post;
		expect(Object.keys(create?.responses ?? {})).toEqual(expect.arrayContaining(["200", "400", "401"]));
	});

	it("has examples that its own schemas accept", () => {
		for (const route of ROUTES) {
			for (const [status, response] of Object.entries(route.responses)) {
				const example = (response as { example?: unknown }).example;
				const schema = (response as { schema?: { safeParse(v: unknown): { success: boolean } } }).schema;
				if (example !== undefined && schema) {
					expect(schema.safeParse(example).success, `${route.method} ${route.path} ${status}`).toBe(true);
				}
			}
		}
	});
});
