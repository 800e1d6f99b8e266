export { messages } from "./messages.ts";
export {
	ACTIVE_EXECUTION_STATUSES,
	CALLBACK_AUTH_TYPES,
	type CallbackAuthType,
	DEFAULT_TOKEN_EXPIRY_DAYS,
	EXECUTION_STATUSES,
	type ExecutionStatus,
	type Label,
	PRIORITIES,
	type Priority,
	SEVERITIES,
	type Severity,
	TOKEN_EXPIRY_DAYS,
	TOKEN_TYPES,
	type TokenType,
} from "./words.ts";
