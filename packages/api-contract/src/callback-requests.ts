import { callbackUrlProblem } from "@sensorium/callbacks";
import { CALLBACK_AUTH_TYPES, type CallbackAuthType, messages } from "@sensorium/vocabulary";
import { jsonBodyObject } from "./scan-requests.ts";

export { CALLBACK_AUTH_TYPES, type CallbackAuthType } from "@sensorium/vocabulary";

export interface RegisterCallbackRequest {
	name: string;
	url: string;
	authType: CallbackAuthType;
	headerName: string | null;
	tokenValue: string | null;
}

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// Headers the dispatcher sets itself; a custom auth header must not collide with them.
const RESERVED_HEADERS = new Set([
	"host",
	"content-type",
	"content-length",
	"transfer-encoding",
	"connection",
	"user-agent",
	"webhook-id",
	"webhook-timestamp",
	"webhook-signature",
]);

const ALLOWED = ["name", "url", "authType", "headerName", "tokenValue"];

function tokenProblems(body: Record<string, unknown>, authType: unknown, fail: (message: string) => void) {
	if (authType === "apiToken") {
		if (body.headerName === undefined || body.headerName === null || body.headerName === "") {
			fail(messages.callbackHeaderNameRequired);
		} else if (typeof body.headerName !== "string" || !HEADER_NAME.test(body.headerName)) {
			fail(messages.callbackHeaderNameInvalid);
		} else if (RESERVED_HEADERS.has(body.headerName.toLowerCase())) {
			fail(messages.callbackHeaderNameReserved(body.headerName));
		}
	} else if (body.headerName !== undefined && body.headerName !== null) {
		fail(messages.callbackHeaderNameOnlyForApiToken);
	}
	if (authType === "bearer" || authType === "apiToken") {
		if (body.tokenValue === undefined || body.tokenValue === null || body.tokenValue === "") {
			fail(messages.callbackTokenRequired);
		} else if (typeof body.tokenValue !== "string" || body.tokenValue.length > 4096 || /[\r\n]/.test(body.tokenValue)) {
			fail(messages.callbackTokenInvalid);
		}
	} else if (body.tokenValue !== undefined && body.tokenValue !== null) {
		fail(messages.callbackTokenOnlyWithAuth);
	}
}

/** POST /v3/callbacks: every rule has its own message, reported in field order. */
export const registerCallbackSchema = jsonBodyObject
	.check((ctx) => {
		const body = ctx.value;
		const fail = (message: string) => ctx.issues.push({ code: "custom", message, input: body });
		for (const field of Object.keys(body)) if (!ALLOWED.includes(field)) fail(messages.unexpectedField(field));
		if (body.name === undefined) fail(messages.missingField("name"));
		else if (typeof body.name !== "string") fail(messages.invalidType("name", "string"));
		else if (body.name.trim() === "" || body.name.length > 200) fail(messages.callbackNameInvalid);
		if (body.url === undefined) fail(messages.missingField("url"));
		else {
			const problem = callbackUrlProblem(body.url);
			if (problem) fail(problem);
		}
		const authType = body.authType ?? "none";
		if (!CALLBACK_AUTH_TYPES.includes(authType as CallbackAuthType)) fail(messages.callbackAuthTypeInvalid);
		else tokenProblems(body, authType, fail);
	})
	.transform(
		(body): RegisterCallbackRequest => ({
			name: (body.name as string).trim(),
			url: body.url as string,
			authType: (body.authType as CallbackAuthType | undefined) ?? "none",
			headerName: (body.headerName as string | undefined) ?? null,
			tokenValue: (body.tokenValue as string | undefined) ?? null,
		}),
	);

export const rotateCallbackTokenSchema = jsonBodyObject
	.check((ctx) => {
		const body = ctx.value;
		const fail = (message: string) => ctx.issues.push({ code: "custom", message, input: body });
		for (const field of Object.keys(body)) if (field !== "tokenValue") fail(messages.unexpectedField(field));
		if (body.tokenValue === undefined || body.tokenValue === null || body.tokenValue === "")
			fail(messages.missingField("tokenValue"));
		else if (typeof body.tokenValue !== "string" || body.tokenValue.length > 4096 || /[\r\n]/.test(body.tokenValue)) {
			fail(messages.callbackTokenInvalid);
		}
	})
	.transform((body) => ({ tokenValue: body.tokenValue as string }));
