export { messages } from "@sensorium/vocabulary";
export {
	CALLBACK_AUTH_TYPES,
	type CallbackAuthType,
	type RegisterCallbackRequest,
	registerCallbackSchema,
	rotateCallbackTokenSchema,
} from "./callback-requests.ts";
export { buildOpenApiDocument, ROUTES, type RouteDoc } from "./openapi.ts";
export {
	type CreateScanRequest,
	createScanBodySchema,
	type ExecuteScanRequest,
	executeScanSchema,
	jsonBodyObject,
	type Label,
	objectIdSchema,
	PRIORITIES,
	type Priority,
	type ScanRequestVariant,
	scanRequestProblems,
	scanRequestSchema,
} from "./scan-requests.ts";
export {
	type CreateTokenRequest,
	createTokenSchema,
	DEFAULT_TOKEN_EXPIRY_DAYS,
	TOKEN_EXPIRY_DAYS,
	TOKEN_TYPES,
} from "./token-requests.ts";
