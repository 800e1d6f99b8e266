/** How urgently a scan runs: the queue serves high before medium before low, FIFO within one (spec 5.1). */
export const PRIORITIES = ["high", "medium", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Where an execution is: queued and running are active, successful and failed final. */
export const EXECUTION_STATUSES = ["queued", "running", "successful", "failed"] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const ACTIVE_EXECUTION_STATUSES = ["queued", "running"] as const satisfies readonly ExecutionStatus[];

/**
 * How serious a finding is, most serious first (the analysis rules' verdict). Stored and served as the finding's
 * `analysis.priority`, the platform's field name; in code it is a severity, so it is not confused with a scan's
 * queue priority.
 */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** How the dispatcher authenticates to a callback endpoint (spec 4.3: None, Bearer Token, API Token). */
export const CALLBACK_AUTH_TYPES = ["none", "bearer", "apiToken"] as const;
export type CallbackAuthType = (typeof CALLBACK_AUTH_TYPES)[number];

/** One label of a sensor: a single key/value object (spec 5.1 `labels`). */
export type Label = Record<string, string>;

export const TOKEN_TYPES = ["API Token", "Admin Token"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];
/** The lifetimes a token may be issued for, in days. */
export const TOKEN_EXPIRY_DAYS = [7, 30, 60, 90, 180, 365] as const;
export const DEFAULT_TOKEN_EXPIRY_DAYS = 90;
