/** Codes the scanner itself reports (sensors report their own, e.g. GIT-1002). Documented in the README. */
export const SCAN_ERRORS = {
	timeLimit: "SCAN-1001",
	attemptsExhausted: "SCAN-1002",
	credentialsUnreadable: "SCAN-1003",
	sensorTypeUnsupported: "SCAN-1004",
	internal: "SCAN-1099",
} as const;
