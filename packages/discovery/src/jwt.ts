import { sha256Hex } from "./keys.ts";
import type { Asset } from "./types.ts";

/** A compact-serialised token: base64url segments joined by dots. */
const TOKEN = /[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2,5}/y;
// A token cannot start in the middle of a base64 run; `=` only ends one (padding), and starts
// values in `TOKEN=eyJ…` and `?token=eyJ…`, so it does not count.
const BASE64URL_CHAR = /[A-Za-z0-9_\-.+/]/;

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
		return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

function optionalString(value: unknown): string | undefined {
	return typeof value === "string" ? value : undefined;
}

function epochToIso(value: unknown): string | undefined {
	if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
	const date = new Date(value * 1000);
	return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Claim names plus the few values that say who issued the token and until when, never subject data. */
function describeClaims(payload: Record<string, unknown>): Record<string, unknown> {
	const claims: Record<string, unknown> = { names: Object.keys(payload).sort() };
	const iss = optionalString(payload.iss);
	const exp = epochToIso(payload.exp);
	if (iss !== undefined) claims.iss = iss;
	if (exp !== undefined) claims.exp = exp;
	return claims;
}

/** Signature bytes each JWS algorithm produces (RFC 7518 §3); RSA ones are the modulus size, checked apart. */
const SIGNATURE_BYTES: Readonly<Record<string, readonly number[]>> = {
	HS256: [32],
	HS384: [48],
	HS512: [64],
	ES256: [64],
	ES256K: [64],
	ES384: [96],
	ES512: [132],
	EdDSA: [64, 114],
	Ed25519: [64],
	Ed448: [114],
};

/**
 * A signature whose length no key of `alg` could produce means the text only looks like a token (a base64
 * run after a JSON-looking header): not reported. Unknown algorithms are given the benefit of the doubt.
 */
function signatureFits(alg: string, signature: string): boolean {
	if (!/^[A-Za-z0-9_-]*$/.test(signature) || signature.length % 4 === 1) return false;
	const bytes = Math.floor((signature.length * 3) / 4);
	const lengths = SIGNATURE_BYTES[alg];
	if (lengths) return lengths.includes(bytes);
	// RSA moduli of 1024 to 8192 bits, whole bytes.
	if (/^(RS|PS)(256|384|512)$/.test(alg)) return bytes >= 128 && bytes <= 1024;
	return true;
}

function tokenAsset(segments: string[], offset: number): Asset | undefined {
	const header = decodeJsonObject(segments[0] as string);
	const alg = optionalString(header?.alg);
	if (!header || alg === undefined) return undefined;
	const enc = optionalString(header.enc);
	const isJwe = segments.length === 5;
	if (isJwe !== (enc !== undefined)) return undefined;
	const token: Record<string, unknown> = { type: isJwe ? "jwe" : "jwt", alg };
	if (enc !== undefined) token.enc = enc;
	for (const name of ["kid", "typ", "cty"] as const) {
		const value = optionalString(header[name]);
		if (value !== undefined) token[name] = value;
	}
	token.algNone = alg.toLowerCase() === "none" || (!isJwe && segments[2] === "");
	if (!isJwe) {
		const payload = decodeJsonObject(segments[1] as string);
		if (!payload) return undefined;
		if (!token.algNone && !signatureFits(alg, segments[2] as string)) return undefined;
		token.claims = describeClaims(payload);
	}
	return { kind: "token", identity: `token:${sha256Hex(segments.join("."))}`, offset, crypto: { token } };
}

/**
 * JWS (three segments) and JWE (five) whose header decodes to JSON with `alg`. Every JSON header starts with
 * `{"`, which base64url-encodes to `eyJ`, hence the anchor.
 */
export function findTokens(text: string, from: number): Asset[] {
	const assets: Asset[] = [];
	for (let at = text.indexOf("eyJ", from); at !== -1; at = text.indexOf("eyJ", at + 3)) {
		if (at > 0 && BASE64URL_CHAR.test(text.charAt(at - 1))) continue;
		TOKEN.lastIndex = at;
		const match = TOKEN.exec(text);
		if (!match) continue;
		const segments = match[0].split(".");
		// A sentence-ending dot after a token looks like an extra empty segment.
		while (segments.length > 3 && segments.length !== 5 && segments.at(-1) === "") segments.pop();
		if (segments.length !== 3 && segments.length !== 5) continue;
		if (segments.length === 3 && segments[1] === "") continue;
		const asset = tokenAsset(segments, at);
		if (asset) {
			assets.push(asset);
			at += match[0].length - 3;
		}
	}
	return assets;
}
