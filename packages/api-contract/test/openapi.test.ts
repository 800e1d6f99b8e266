import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import {
	buildOpenApiDocument,
	callbackRoutes,
	createTokenSchema,
	executeScanSchema,
	ROUTES,
	type RouteDoc,
	registerCallbackSchema,
	rotateCallbackTokenSchema,
	scanRequestSchema,
	scanRoutes,
	sessionRoutes,
	signInSchema,
	tokenRoutes,
} from "../src/index.ts";

interface Content {
	"application/json": { schema: object; example?: unknown };
}
interface Operation {
	summary: string;
	tags: string[];
	security: unknown[];
	description?: string;
	parameters: { name: string; in: string; required: boolean }[];
	requestBody?: { required: boolean; content: Content };
	responses: Record<string, { description: string; content?: Content }>;
}
interface Document {
	openapi: string;
	info: { title: string; version: string };
	components: { securitySchemes: Record<string, unknown> };
	paths: Record<string, Record<string, Operation>>;
}

const document = buildOpenApiDocument("9.8.7") as unknown as Document;
const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");
const operationOf = (route: RouteDoc) => document.paths[toOpenApiPath(route.path)]?.[route.method];
const named = (route: RouteDoc): [string, RouteDoc] => [`${route.method} ${route.path}`, route];

/** The validation the API runs on each documented request body. */
const VALIDATION = new Map<RouteDoc, { safeParse(body: unknown): { success: boolean } }>([
	[sessionRoutes.signIn, signInSchema],
	[scanRoutes.create, scanRequestSchema("create")],
	[scanRoutes.deprecated, scanRequestSchema("deprecated")],
	[scanRoutes.execute, executeScanSchema],
	[tokenRoutes.create, createTokenSchema],
	[callbackRoutes.register, registerCallbackSchema],
	[callbackRoutes.rotateToken, rotateCallbackTokenSchema],
]);

describe("the OpenAPI document", () => {
	it("is OpenAPI 3.1 with the version it is given and the isg-api-token scheme", () => {
		expect(document.openapi).toBe("3.1.0");
		expect(document.info).toMatchObject({ title: "Sensorium Scan API", version: "9.8.7" });
		expect(document.components.securitySchemes).toEqual({
			isgApiToken: { type: "apiKey", in: "header", name: "isg-api-token" },
		});
	});

	it("documents each entry of ROUTES once, at its method and path, and nothing else", () => {
		const entries = ROUTES.map((route) => `${route.method} ${toOpenApiPath(route.path)}`);
		expect(new Set(entries).size).toBe(entries.length);
		const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
			Object.keys(operations).map((method) => `${method} ${path}`),
		);
		expect(documented.sort()).toEqual(entries.sort());
		for (const route of ROUTES) expect(route.path).toMatch(/^\/v3\//);
	});

	it.each(ROUTES.map(named))("%s has its parameters, security, body and responses", (_, route) => {
		const operation = operationOf(route);
		expect(operation).toMatchObject({ summary: route.summary, tags: [route.tag] });
		const pathParameters = [...route.path.matchAll(/:(\w+)/g)].map((match) => match[1]);
		expect(operation?.parameters).toEqual([
			...pathParameters.map((name) => expect.objectContaining({ name, in: "path", required: true })),
			...Object.keys(route.query ?? {}).map((name) => expect.objectContaining({ name, in: "query", required: false })),
		]);
		expect(operation?.security).toEqual(route.auth === "none" ? [] : [{ isgApiToken: [] }]);
		expect(operation?.description !== undefined).toBe(route.auth === "adminToken");
		expect(operation?.requestBody !== undefined).toBe(route.body !== undefined);
		expect(Object.keys(operation?.responses ?? {})).toEqual(Object.keys(route.responses));
		for (const [code, response] of Object.entries(operation?.responses ?? {})) {
			expect(response.description, code).not.toBe("");
			if (Number(code) >= 400) {
				expect(response.content?.["application/json"].schema, code).toMatchObject({
					properties: { status: { const: "failed" } },
				});
			}
		}
	});

	it("has JSON Schemas that compile as draft 2020-12 and accept the entries' examples", () => {
		const ajv = new Ajv2020({ strict: true, validateFormats: false, keywords: ["example"] });
		for (const [path, operations] of Object.entries(document.paths)) {
			for (const [method, operation] of Object.entries(operations)) {
				const contents = [operation.requestBody?.content, ...Object.values(operation.responses).map((r) => r.content)];
				for (const content of contents) {
					if (content === undefined) continue;
					const { schema, example } = content["application/json"];
					const validate = ajv.compile(schema);
					if (example !== undefined) expect(validate(example), `${method} ${path}`).toBe(true);
				}
			}
		}
	});
});

describe("the examples in ROUTES", () => {
	it("every request body has an example, which its schema and the API's own validation accept", () => {
		for (const route of ROUTES.filter((entry) => entry.body !== undefined)) {
			const [name] = named(route);
			expect(route.body?.safeParse(route.bodyExample).success, name).toBe(true);
			expect(VALIDATION.get(route)?.safeParse(route.bodyExample).success, name).toBe(true);
		}
	});

	it("response examples match their schemas", () => {
		const examples = ROUTES.flatMap((route) =>
			Object.entries(route.responses)
				.filter(([, response]) => response.example !== undefined)
				.map(([code, response]) => ({ at: `${named(route)[0]} ${code}`, ...response })),
		);
		expect(examples.length).toBeGreaterThan(0);
		for (const { at, schema, example } of examples) expect(schema?.safeParse(example).success, at).toBe(true);
	});
});
