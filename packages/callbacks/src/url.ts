const MAX_URL_LENGTH = 200;

/**
 * Why a registered callback URL is unacceptable, or null when it is fine. Whether the host resolves to
 * an allowed address is decided when connecting (see sendCallback), not here.
 */
export function callbackUrlProblem(url: unknown): string | null {
	const expected = "Invalid value for url: expected an http or https URL.";
	if (typeof url !== "string") return expected;
	if (url.length > MAX_URL_LENGTH) return `Invalid value for url: expected at most ${MAX_URL_LENGTH} characters.`;
	// The URL parser silently strips surrounding whitespace, so what is stored would not be what was parsed.
	if (url.trim() !== url) return expected;
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return expected;
	}
	if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return expected;
	if (parsed.username !== "" || parsed.password !== "") {
		return "Invalid value for url: credentials must not be part of the URL; use authType and tokenValue.";
	}
	// A fragment is never sent to the server, so one here means the URL is not what the user thinks.
	if (url.includes("#")) return "Invalid value for url: a fragment (#...) is not sent to the server; remove it.";
	return null;
}
