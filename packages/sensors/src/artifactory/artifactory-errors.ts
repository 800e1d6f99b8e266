import { SensorError } from "../sensor.ts";

/** The ARTIFACTORY-… codes, documented in the README's error table. */
export const ARTIFACTORY_ERRORS = {
	unreachable: "ARTIFACTORY-1001",
	unauthorized: "ARTIFACTORY-1002",
	forbidden: "ARTIFACTORY-1003",
	notFound: "ARTIFACTORY-1004",
	nothingMatched: "ARTIFACTORY-1005",
	rateLimited: "ARTIFACTORY-1006",
	checksumMismatch: "ARTIFACTORY-1007",
	sizeExceeded: "ARTIFACTORY-1008",
	timeLimit: "ARTIFACTORY-1009",
	aqlRejected: "ARTIFACTORY-1011",
} as const;

const DETAIL_LIMIT = 200;

/** The first message of JFrog's `{"errors":[{"status","message"}]}` body, short and printable, or "". */
export function jfrogErrorMessage(body: string): string {
	let message = "";
	try {
		const parsed = JSON.parse(body) as { errors?: { message?: unknown }[] };
		const first = parsed.errors?.[0]?.message;
		if (typeof first === "string") message = first;
	} catch {
		return "";
	}
	const printable = message.replace(/\p{Cc}+/gu, " ").trim();
	return printable.length > DETAIL_LIMIT ? `${printable.slice(0, DETAIL_LIMIT)}…` : printable;
}

/** Maps an HTTP status that ends a request for good to the code the user can act on. */
export function statusFailure(status: number, what: string, detail: string): SensorError {
	const suffix = detail ? `: ${detail}` : "";
	switch (status) {
		case 401:
			return new SensorError(
				ARTIFACTORY_ERRORS.unauthorized,
				`Artifactory rejected the credentials (401) on ${what}${suffix}. Check access_token, or username and password.`,
			);
		case 403:
			return new SensorError(
				ARTIFACTORY_ERRORS.forbidden,
				`Artifactory refused ${what} (403)${suffix}. The token or user lacks read permission.`,
			);
		case 404:
			return new SensorError(ARTIFACTORY_ERRORS.notFound, `Artifactory answered 404 on ${what}${suffix}.`);
		default:
			return new SensorError(
				ARTIFACTORY_ERRORS.unreachable,
				`Artifactory answered HTTP ${status} on ${what}${suffix}.`,
				status >= 500,
			);
	}
}
