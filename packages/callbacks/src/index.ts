export {
	type CallbackClient,
	type CallbackRequest,
	type CallbackResponse,
	createCallbackClient,
	sendCallback,
} from "./http.ts";
export { DEFAULT_RETRY_SCHEDULE, decideRetry, parseRetrySchedule, type RetryDecision } from "./retry.ts";
export { generateSigningSecret, signWebhook, webhookHeaders } from "./signing.ts";
export { callbackUrlProblem } from "./url.ts";
