/** Response shapes of the public REST API, as far as the console reads them. */

export type Role = "admin" | "user";

export interface User {
	userId: string;
	email: string;
	role: Role;
	orgId: string;
	orgName: string;
}

export interface Session {
	user: User;
	csrfToken: string;
}

export const TOKEN_TYPES = ["API Token", "Admin Token"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];
export const TOKEN_EXPIRY_DAYS = [7, 30, 60, 90, 180, 365] as const;
export type TokenExpiryDays = (typeof TOKEN_EXPIRY_DAYS)[number];
export const DEFAULT_TOKEN_EXPIRY_DAYS: TokenExpiryDays = 90;

export interface AccessToken {
	tokenId: string;
	name: string;
	description: string | null;
	type: TokenType;
	prefix: string;
	userId: string;
	email: string;
	createdAt: string;
	expiresAt: string;
	lastUsedAt: string | null;
	revokedAt: string | null;
}

/** Required fields are optional here: an empty form field is left out, and the API names it as missing. */
export interface NewTokenRequest {
	name?: string;
	description?: string;
	type: TokenType;
	expiresInDays: TokenExpiryDays;
}

export interface IssuedToken {
	tokenId: string;
	token: string;
	name: string;
	type: TokenType;
	prefix: string;
	expiresAt: string;
	message: string;
}

export const CALLBACK_AUTH_TYPES = ["none", "bearer", "apiToken"] as const;
export type CallbackAuthType = (typeof CALLBACK_AUTH_TYPES)[number];

export interface CallbackEndpoint {
	callbackId: string;
	name: string;
	url: string;
	authType: CallbackAuthType;
	headerName: string | null;
	hasToken: boolean;
	createdAt: string;
	tokenRotatedAt: string | null;
}

/** As for tokens, empty required fields are left out for the API to report. */
export interface NewCallbackRequest {
	name?: string;
	url?: string;
	authType: CallbackAuthType;
	headerName?: string;
	tokenValue?: string;
}

export interface RegisteredCallback extends CallbackEndpoint {
	signingSecret: string;
	reachability: { statusCode: number; latencyMs: number };
	message: string;
}

export const EXECUTION_STATUSES = ["queued", "running", "successful", "failed"] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export type Labels = Record<string, string>[];

export interface FindingCounts {
	total: number;
	byType: Record<string, number>;
}

export interface ExecutionSummary {
	executionId: string;
	sensorId: string;
	sensorName: string;
	sensorType: string;
	status: ExecutionStatus;
	priority: string;
	labels: Labels;
	ranBy: string;
	ranAt: string;
	startedAt: string | null;
	finishedAt: string | null;
	durationMs: number | null;
	errorCode?: string;
	message: string;
	findings?: FindingCounts;
}

export interface ExecutionPage {
	executions: ExecutionSummary[];
	nextCursor: string | null;
}

export interface ExecutionFilter {
	status?: ExecutionStatus;
	sensorId?: string;
	limit?: number;
	cursor?: string;
}

export interface Sensor {
	sensorId: string;
	name: string;
	type: string;
	priority: string;
	labels: Labels;
	incremental: boolean;
	callbackId: string | null;
	createdAt: string;
}

export interface Execution {
	sensorId: string;
	executionId: string;
	status: ExecutionStatus;
	message: string;
	ranBy: string;
	ranAt: string;
	labels: Labels;
	priority: string;
	errorCode?: string;
	startedAt: string | null;
	finishedAt: string | null;
	progress?: { filesScanned: number; bytesScanned: number; filesFailed?: number };
	findings?: FindingCounts;
}

export interface Finding {
	findingId: string;
	kind: string;
	identity: string;
	status: string;
	observation: { file: { path: string; line: number | null } };
	crypto: Record<string, unknown>;
	analysis: { priority?: string; reasons?: AnalysisReason[] } | null;
}

export interface FindingPage {
	findings: Finding[];
	nextCursor: string | null;
}

export interface DeliveryAttempt {
	attempt: number;
	attemptedAt: string;
	statusCode: number | null;
	latencyMs: number;
	error: string | null;
}

export interface Delivery {
	deliveryId: string;
	callbackId: string;
	status: string;
	attempts: number;
	nextAttemptAt?: string | null;
	deliveredAt?: string | null;
	attemptLog: DeliveryAttempt[];
}

/** One policy rule that fired for a finding (packages/analysis). */
export interface AnalysisReason {
	rule: string;
	priority: string;
	message: string;
}

/** GET /v3/scan/{executionId}/export: the execution's findings on their way to OpenSearch. */
export interface Diagnostic {
	id: number;
	path: string;
	stage: string;
	errorClass: string;
	message: string;
}

export interface DiagnosticsPage {
	executionId: string;
	filesFailed: number;
	diagnostics: Diagnostic[];
	nextCursor: string | null;
}

export interface FindingExport {
	exportId: string | null;
	executionId: string;
	state: "pending" | "exporting" | "done" | "failed";
	attempts: number;
	documentsExported: number;
	documentsFailed: number;
	lastError: string | null;
	nextAttemptAt: string | null;
	startedAt: string | null;
	finishedAt: string | null;
	itemErrors: { findingId: string; status: number; error: string }[];
}
