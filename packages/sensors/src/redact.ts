const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

/**
 * Removes credentials from text that may reach users or logs (git's stderr, error messages).
 * Besides the literal secrets it removes their URL-encoded forms, which git prints inside URLs,
 * and the userinfo of every URL, which is where stray credentials usually hide.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
	const variants = new Set<string>();
	for (const secret of secrets) {
		if (!secret) continue;
		variants.add(secret);
		variants.add(encodeURIComponent(secret));
	}
	// Longest first, so a secret that contains another is not left half-redacted.
	let redacted = text;
	for (const variant of [...variants].sort((a, b) => b.length - a.length)) {
		redacted = redacted.split(variant).join("***");
	}
	return redacted.replace(URL_USERINFO, "$1***@");
}
