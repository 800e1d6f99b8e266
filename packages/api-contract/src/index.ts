export { messages } from "@sensorium/vocabulary";
export { buildOpenApiDocument } from "./openapi.ts";
export { jsonBodyObject, objectIdSchema } from "./request-body.ts";
export { describeRoute, type HttpMethod, type RouteDoc } from "./route-doc.ts";
export { ROUTES } from "./routes/all.ts";
export {
	CALLBACK_AUTH_TYPES,
	type CallbackAuthType,
	callbackRoutes,
	type RegisterCallbackRequest,
	registerCallbackSchema,
	rotateCallbackTokenSchema,
} from "./routes/callbacks.ts";
export { exportRoutes } from "./routes/exports.ts";
export { findingRoutes } from "./routes/findings.ts";
export { listingRoutes } from "./routes/listings.ts";
export {
	type CreateScanRequest,
	createScanBodySchema,
	type ExecuteScanRequest,
	executeScanSchema,
	type Label,
	PRIORITIES,
	type Priority,
	type ScanRequestVariant,
	scanRequestProblems,
	scanRequestSchema,
	scanRoutes,
} from "./routes/scans.ts";
export { sessionRoutes, signInSchema } from "./routes/session.ts";
export {
	type CreateTokenRequest,
	createTokenSchema,
	DEFAULT_TOKEN_EXPIRY_DAYS,
	TOKEN_EXPIRY_DAYS,
	TOKEN_TYPES,
	tokenRoutes,
} from "./routes/tokens.ts";
