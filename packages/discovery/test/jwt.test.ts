import { createHash, createHmac, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { attributes, discoverText, only } from "./helpers.ts";

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");
const json = (value: unknown) => b64url(JSON.stringify(value));
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

const EXP = 1_900_000_000;
const SUBJECT = "user-4711";
const EMAIL = "alice@example.com";

function hs256(payload: Record<string, unknown>): string {
	const signingInput = `${json({ alg: "HS256", typ: "JWT" })}.${json(payload)}`;
	return `${signingInput}.${createHmac("sha256", randomBytes(32)).update(signingInput).digest("base64url")}`;
}

function rs256(): string {
	const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
	const signingInput = `${json({ typ: "JWT", alg: "RS256", kid: "2024-signing" })}.${json({ iss: "https://idp.example", aud: "api" })}`;
	return `${signingInput}.${b64url(sign("sha256", Buffer.from(signingInput), privateKey))}`;
}

function jwe(header: Record<string, unknown>, encryptedKey = b64url(randomBytes(256))): string {
	return [json(header), encryptedKey, b64url(randomBytes(12)), b64url(randomBytes(80)), b64url(randomBytes(16))].join(
		".",
	);
}

describe("JWT", () => {
	it("reports header fields and claim names, never the subject, email or token", () => {
		const token = hs256({ iss: "https://auth.example.com", sub: SUBJECT, email: EMAIL, iat: EXP - 3600, exp: EXP });
		const found = only(discoverText("client.ts", `const headers = {\n\tAuthorization: "Bearer ${token}",\n};\n`));
		expect(found).toMatchObject({ kind: "token", identity: `token:${sha256(token)}`, line: 2 });
		expect(found.crypto).toEqual({
			token: {
				type: "jwt",
				alg: "HS256",
				typ: "JWT",
				algNone: false,
				claims: {
					names: ["email", "exp", "iat", "iss", "sub"],
					iss: "https://auth.example.com",
					exp: new Date(EXP * 1000).toISOString(),
				},
			},
		});
		const serialised = JSON.stringify(found);
		for (const secret of [SUBJECT, EMAIL, token, token.split(".")[2] as string])
			expect(serialised).not.toContain(secret);
	});

	it("reads kid from an RS256 token", () => {
		expect(attributes(only(discoverText("fixture.json", `{"token": "${rs256()}"}`)))).toMatchObject({
			type: "jwt",
			alg: "RS256",
			kid: "2024-signing",
			algNone: false,
			claims: { names: ["aud", "iss"], iss: "https://idp.example" },
		});
	});

	it("flags alg none and empty signatures", () => {
		const unsigned = `${json({ alg: "none" })}.${json({ admin: true })}.`;
		expect(attributes(only(discoverText("a.py", `TOKEN = "${unsigned}"\n`)))).toMatchObject({
			alg: "none",
			algNone: true,
		});
		const stripped = `${json({ alg: "HS256" })}.${json({ admin: true })}.`;
		expect(attributes(only(discoverText("b.py", `TOKEN = '${stripped}'\n`)))).toMatchObject({
			alg: "HS256",
			algNone: true,
		});
	});

	it("does not take a sentence-ending dot as part of the token", () => {
		const token = hs256({ iss: "x" });
		expect(only(discoverText("README.md", `Use the token ${token}. It expires soon.`)).identity).toBe(
			`token:${sha256(token)}`,
		);
	});

	it("reports each occurrence line once", () => {
		const token = hs256({ iss: "x" });
		const found = discoverText("log.txt", `${token} ${token}\nother\n${token}\n`);
		expect(found.map((d) => d.line)).toEqual([1, 3]);
	});
});

describe("JWE", () => {
	it("reads alg and enc of five-segment tokens, including direct encryption with no encrypted key", () => {
		const rsa = jwe({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: "enc-1" });
		const direct = jwe({ alg: "dir", enc: "A128CBC-HS256" }, "");
		const found = discoverText("tokens.txt", `${rsa}\n${direct}\n`);
		expect(found.map((d) => d.crypto)).toEqual([
			{ token: { type: "jwe", alg: "RSA-OAEP-256", enc: "A256GCM", kid: "enc-1", algNone: false } },
			{ token: { type: "jwe", alg: "dir", enc: "A128CBC-HS256", algNone: false } },
		]);
		expect(found[0]?.identity).toBe(`token:${sha256(rsa)}`);
	});
});

describe("token decoys", () => {
	it("ignores eyJ strings that are not a JOSE header with alg", () => {
		const payload = json({ iss: "x" });
		const decoys = [
			`eyJub3QganNvbg.${payload}.c2lnbmF0dXJl`, // header is not JSON
			`${json({ typ: "JWT" })}.${payload}.c2lnbmF0dXJl`, // no alg
			`${json(["alg", "HS256"])}.${payload}.c2lnbmF0dXJl`, // JSON, but an array
			`${json({ alg: "HS256" })}.${payload}`, // two segments
			`${json({ alg: "HS256" })}.${payload}.c2ln.bmF0`, // four segments
			`${json({ alg: "RSA-OAEP", enc: "A256GCM" })}.${payload}.c2lnbmF0dXJl`, // JWE header, JWS shape
			`abc${json({ alg: "HS256" })}.${payload}.c2lnbmF0dXJl`, // inside a longer base64 word
			'const notAToken = "eyJhbGciOiJub25lIn0"; // header only',
		];
		for (const decoy of decoys) expect(discoverText("decoy.js", decoy), decoy).toEqual([]);
	});
});
