import { messages } from "@sensorium/vocabulary";
import { z } from "zod";
import { describeRoute, errorEnvelopeSchema, errors, successMessageSchema } from "../route-doc.ts";

/** POST /v3/session: an empty or missing email or password is reported as missing. */
export const signInSchema = z.strictObject({
	email: z
		.string({ error: messages.missingField("email") })
		.min(1, messages.missingField("email"))
		.max(320),
	password: z
		.string({ error: messages.missingField("password") })
		.min(1, messages.missingField("password"))
		.max(1024),
});

/** The body of POST /v3/session, for documentation; validation goes through signInSchema. */
const signInBodySchema = z.strictObject({ email: z.string(), password: z.string() });

const sessionUserSchema = z.object({
	status: z.literal("successful"),
	user: z.object({
		userId: z.string(),
		email: z.string(),
		role: z.enum(["admin", "user"]),
		orgId: z.string(),
		orgName: z.string(),
	}),
	csrfToken: z
		.string()
		.meta({ description: "Send as x-csrf-token with every state-changing request made with the session cookie" }),
});

/** The console's sign-in, backed by a session cookie instead of an API token. */
export const sessionRoutes = {
	signIn: describeRoute({
		method: "post",
		path: "/v3/session",
		summary: "Sign in to the console (sets an HttpOnly, SameSite=Strict session cookie)",
		tag: "Console session",
		auth: "none",
		body: signInBodySchema,
		bodyExample: { email: "admin@acme.example", password: "correct horse battery staple" },
		responses: {
			200: { description: "Signed in", schema: sessionUserSchema },
			401: { description: messages.signInFailed, schema: errorEnvelopeSchema },
			429: { description: "Locked out after repeated failures", schema: errorEnvelopeSchema },
		},
	}),
	current: describeRoute({
		method: "get",
		path: "/v3/session",
		summary: "The signed-in user and the session's CSRF token",
		tag: "Console session",
		auth: "none",
		responses: { 200: { description: "Signed in", schema: sessionUserSchema }, ...errors(401) },
	}),
	signOut: describeRoute({
		method: "delete",
		path: "/v3/session",
		summary: "Sign out",
		tag: "Console session",
		auth: "apiToken",
		responses: { 200: { description: "Signed out", schema: successMessageSchema }, ...errors(401, 403) },
	}),
};
