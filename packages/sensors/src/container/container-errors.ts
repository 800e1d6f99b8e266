import { SensorError } from "../sensor.ts";

/** The CONTAINER-… codes, documented in the README's error table. */
export const CONTAINER_ERRORS = {
	unreachable: "CONTAINER-1001",
	unauthorized: "CONTAINER-1002",
	denied: "CONTAINER-1003",
	notFound: "CONTAINER-1004",
	rateLimited: "CONTAINER-1006",
	digestMismatch: "CONTAINER-1007",
	sizeExceeded: "CONTAINER-1008",
	noPlatform: "CONTAINER-1011",
	unsupportedManifest: "CONTAINER-1012",
} as const;

const DETAIL_LIMIT = 200;

/** The first `code: message` of the registry's `{"errors":[{code,message}]}` body, short and printable, or "". */
export function registryErrorDetail(body: string): { code: string; message: string } {
	try {
		const parsed = JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] };
		const first = parsed.errors?.[0];
		const code = typeof first?.code === "string" ? first.code : "";
		const raw = typeof first?.message === "string" ? first.message : "";
		const printable = raw.replace(/\p{Cc}+/gu, " ").trim();
		return { code, message: printable.length > DETAIL_LIMIT ? `${printable.slice(0, DETAIL_LIMIT)}…` : printable };
	} catch {
		return { code: "", message: "" };
	}
}

/** Maps a final HTTP answer of the registry to the code the user can act on. */
export function statusFailure(status: number, what: string, body: string): SensorError {
	const detail = registryErrorDetail(body);
	const suffix = detail.message ? `: ${detail.code ? `${detail.code} ` : ""}${detail.message}` : "";
	if (status === 401) {
		return new SensorError(
			CONTAINER_ERRORS.unauthorized,
			`The registry rejected the credentials (401) on ${what}${suffix}. Check username and password, or token.`,
		);
	}
	if (status === 403 || detail.code === "DENIED") {
		return new SensorError(
			CONTAINER_ERRORS.denied,
			`The registry denied ${what} (${status})${suffix}. The credentials lack pull access to this repository.`,
		);
	}
	if (status === 404) {
		return new SensorError(
			CONTAINER_ERRORS.notFound,
			`The registry has no such image or tag (404) on ${what}${suffix}.`,
		);
	}
	return new SensorError(
		CONTAINER_ERRORS.unreachable,
		`The registry answered HTTP ${status} on ${what}${suffix}.`,
		status >= 500,
	);
}
