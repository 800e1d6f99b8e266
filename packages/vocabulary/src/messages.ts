/**
 * Every client-visible message. Those marked "spec" are copied character for character from
 * scan-api-v3.txt (including its curly quotes and missing full stops); the others are ours.
 */
export const messages = {
	unauthorized: "Unauthorized access.", // spec
	forbiddenAdmin: "This operation requires an Admin Token of an organization administrator.",
	forbiddenAdminSession: "This operation requires an organization administrator.",
	createSuccess: "Create new sensor and trigger scan successfully", // spec
	executeSuccess: "Scan execution started successfully.", // spec
	deprecatedSuccess: "Scan has been successfully submitted.", // spec
	missingField: (field: string) => `Missing required field: ${field}.`, // spec
	invalidType: (field: string, type: string) => `Invalid type for ${field}: expected ${type}.`, // spec
	unexpectedField: (field: string) => `Unexpected field '${field}' found in request body.`, // spec
	// The create and deprecated sections of the spec word this message differently; each keeps its own.
	invalidPriorityCreate:
		"Invalid type or value for priority: expected string [\u2018low\u2019, \u2018medium\u2019, \u2018high\u2019].", // spec 5.1
	invalidPriorityDeprecated: "Invalid type or value for priority: expected one of ['low', 'medium', 'high'].", // spec 5.3
	invalidConfig: "Invalid input for sensorConfig.", // spec
	invalidLabels: "Invalid type for labels: expected array of single key/value objects.", // spec
	invalidCallbackIdFormat: "Invalid format for callbackId: expected a 24-hex-character ObjectId.", // spec
	unknownSensorType: (value: string) => `Unknown sensorType: no matching record found for ${value}.`, // spec
	callbackNotFound: "callbackId not found.", // spec
	sensorIdRequired: "sensorId is required", // spec
	sensorNotFound: "The specified execution id not found.", // spec (5.2 uses this wording for an unknown sensorId)
	executionNotFound: "The specified executionId was not found.",
	sensorNotFoundById: "The specified sensorId was not found.",
	invalidSensorName: "Invalid value for sensorName: expected 1 to 200 characters.",
	invalidAutoResolutionInterval: "Invalid value for autoResolutionInterval: expected an integer from 1 to 3650.",
	labelsTooLarge:
		"Invalid value for labels: at most 50 labels, names of 1 to 128 and values of at most 1024 characters.",
	duplicateSensorName: (name: string) => `A sensor named '${name}' already exists in this organization.`,
	bodyNotObject: "Invalid request body: expected a JSON object.",
	malformedJson: "Malformed JSON in request body.",
	unsupportedMediaType: "Unsupported Content-Type: expected application/json.",
	payloadTooLarge: "Request body too large: the limit is 1 MiB.",
	notFoundRoute: "Not found.",
	methodNotAllowed: "Method not allowed.",
	internal: "Internal server error.",
	tooManyQueued: (limit: number) =>
		`This organization already has ${limit} scans queued (ORG_MAX_QUEUED_EXECUTIONS); submit more once some have started.`,
	unstorableText: "Invalid request body: text must not contain NUL characters or unpaired UTF-16 surrogates.",
	serviceUnavailable: "The service is temporarily unavailable; please retry shortly.",
	tokenNotFound: "Token not found.",
	invalidTokenName: "Invalid value for name: expected 1 to 200 characters.",
	invalidTokenDescription: "Invalid value for description: expected at most 1000 characters.",
	invalidTokenType: "Invalid value for type: expected 'API Token' or 'Admin Token'.",
	invalidTokenExpiry: "Invalid value for expiresInDays: expected one of 7, 30, 60, 90, 180, 365.",
	callbackNameInvalid: "Invalid value for name: expected 1 to 200 characters.",
	callbackAuthTypeInvalid: "Invalid value for authType: expected 'none', 'bearer' or 'apiToken'.",
	callbackHeaderNameRequired: "Missing required field: headerName (required when authType is 'apiToken').",
	callbackHeaderNameInvalid: "Invalid value for headerName: expected a valid HTTP header name.",
	callbackHeaderNameReserved: (name: string) => `Invalid value for headerName: '${name}' is set by Sensorium itself.`,
	callbackHeaderNameOnlyForApiToken: "Invalid value for headerName: only used when authType is 'apiToken'.",
	callbackTokenRequired: "Missing required field: tokenValue (required when authType is 'bearer' or 'apiToken').",
	callbackTokenInvalid:
		"Invalid value for tokenValue: expected a string of at most 4096 characters without line breaks.",
	callbackTokenOnlyWithAuth: "Invalid value for tokenValue: only used when authType is 'bearer' or 'apiToken'.",
	callbackUnreachable: (reason: string) => `Callback URL is not reachable: ${reason}.`,
	callbackForbiddenAddress:
		"Callback URL is not allowed: it resolves to a loopback, private, link-local or otherwise non-public address (see CALLBACK_ALLOWED_NETWORKS).",
	deliveryNotFound: "The specified deliveryId was not found.",
	csrfRequired: "Missing or invalid CSRF token.",
	signInFailed: "Incorrect email or password.",
	signInLocked: (minutes: number) => `Too many failed sign-ins. Try again in ${minutes} minutes.`,
	invalidExecutionStatus: "Invalid value for status: expected queued, running, successful or failed.",
	invalidFindingStatus: "Invalid value for status: expected open or resolved.",
	invalidSensorIdQuery: "Invalid value for sensorId: expected a 24-hex-character ObjectId.",
	invalidLimit: (max: number) => `Invalid value for limit: expected an integer from 1 to ${max}.`,
	invalidCursor: "Invalid value for cursor: use the nextCursor of the previous page.",
} as const;
