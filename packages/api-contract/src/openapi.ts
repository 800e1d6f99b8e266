import { z } from "zod";
import { ROUTES } from "./routes/all.ts";

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");
const jsonSchema = (schema: z.ZodType) =>
	z.toJSONSchema(schema, { target: "draft-2020-12", unrepresentable: "any", io: "input" });

/** The OpenAPI 3.1 document, generated from every route's entry and its zod schemas. */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
	const paths: Record<string, Record<string, unknown>> = {};
	for (const route of ROUTES) {
		const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
			name: m[1],
			in: "path",
			required: true,
			schema: { type: "string" },
		}));
		const query = Object.entries(route.query ?? {}).map(([name, description]) => ({
			name,
			in: "query",
			required: false,
			description,
			schema: { type: "string" },
		}));
		const operation: Record<string, unknown> = {
			summary: route.summary,
			tags: [route.tag],
			security: route.auth === "none" ? [] : [{ isgApiToken: [] }],
			...(route.auth === "adminToken" ? { description: "Needs an Admin Token of an organization administrator." } : {}),
			parameters: [...params, ...query],
			responses: Object.fromEntries(
				Object.entries(route.responses).map(([code, response]) => [
					code,
					{
						description: response.description,
						...(response.schema
							? {
									content: {
										"application/json": {
											schema: jsonSchema(response.schema),
											...(response.example ? { example: response.example } : {}),
										},
									},
								}
							: {}),
					},
				]),
			),
		};
		if (route.body) {
			operation.requestBody = {
				required: true,
				content: {
					"application/json": {
						schema: jsonSchema(route.body),
						...(route.bodyExample ? { example: route.bodyExample } : {}),
					},
				},
			};
		}
		const path = toOpenApiPath(route.path);
		paths[path] = { ...(paths[path] ?? {}), [route.method]: operation };
	}
	return {
		openapi: "3.1.0",
		info: {
			title: "Sensorium Scan API",
			version,
			description: "Wire-compatible with the AgileSec Scan API v3. Every /v3 route needs the isg-api-token header.",
		},
		components: { securitySchemes: { isgApiToken: { type: "apiKey", in: "header", name: "isg-api-token" } } },
		paths,
	};
}
