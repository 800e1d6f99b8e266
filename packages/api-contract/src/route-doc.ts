import { messages } from "@sensorium/vocabulary";
import { z } from "zod";
import { objectIdSchema } from "./request-body.ts";

export type HttpMethod = "get" | "post" | "delete";

/** Who may call a route: any API token (or the console's session), an Admin Token, or anyone. */
type Auth = "apiToken" | "adminToken" | "none";

/**
 * One route's OpenAPI entry. The API registers its handler at the entry's method and path, so a route
 * cannot be served undocumented or documented at an address it is not served at.
 */
export interface RouteDoc<M extends HttpMethod = HttpMethod, P extends string = string> {
	method: M;
	/** Hono style, with :params. */
	path: P;
	summary: string;
	tag: string;
	auth: Auth;
	body?: z.ZodType;
	bodyExample?: unknown;
	query?: Record<string, string>;
	responses: Record<number, { description: string; schema?: z.ZodType; example?: unknown }>;
}

/** Keeps the entry's method and path as literal types: Hono types a handler's path parameters from them. */
export const describeRoute = <M extends HttpMethod, P extends string>(doc: RouteDoc<M, P>): RouteDoc<M, P> => doc;

export const errorEnvelopeSchema = z.object({
	status: z.literal("failed"),
	message: z.string().meta({ example: messages.unauthorized }),
	errors: z.array(z.string()).optional().meta({ description: "Every problem found, when there are several" }),
});

const ERROR_TEXT: Record<number, string> = {
	400: "Invalid parameters or validation failed",
	401: "Unauthorized access.",
	403: "Needs an Admin Token",
	404: "Not found",
	413: "Body over 1 MiB",
	415: "Content-Type is not JSON",
};

/** The error answers of a route, each in the error envelope. */
export const errors = (...codes: number[]) =>
	Object.fromEntries(
		codes.map((code) => [code, { description: ERROR_TEXT[code] ?? "Error", schema: errorEnvelopeSchema }]),
	);

/** The query of a paged list (limit checked against the API's MAX_PAGE of 500). */
export const pageQuery = { limit: "1-500, default 100", cursor: "nextCursor of the previous page" };

export const successMessageSchema = z.object({ status: z.literal("successful"), message: z.string() });

export const id = (description: string) => objectIdSchema.meta({ description, example: "6b09d8a7197f6b4c7e9999b1" });

export const label = z.record(z.string(), z.string());
