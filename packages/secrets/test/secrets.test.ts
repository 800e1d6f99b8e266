import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken, isSealed, issueToken, looksLikeToken, SecretBox, sameHash } from "../src/index.ts";

describe("tokens", () => {
	it("issues distinct tokens whose hash, not value, identifies them", () => {
		const a = issueToken();
		const b = issueToken();
		expect(a.token).not.toBe(b.token);
		expect(looksLikeToken(a.token)).toBe(true);
		expect(a.token.startsWith(a.displayPrefix)).toBe(true);
		expect(a.hash).toEqual(hashToken(a.token));
		expect(sameHash(a.hash, hashToken(a.token))).toBe(true);
		expect(sameHash(a.hash, b.hash)).toBe(false);
		expect(sameHash(a.hash, Buffer.alloc(3))).toBe(false);
	});

	it("rejects strings that are not tokens", () => {
		for (const s of ["", "isg_", "Bearer x", `${issueToken().token}x`]) expect(looksLikeToken(s)).toBe(false);
	});
});

describe("SecretBox", () => {
	const key = randomBytes(32);

	it("round-trips and never contains the plain text", () => {
		const box = new SecretBox(key);
		const sealed = box.encrypt("p@ssw0rd-value");
		expect(sealed).not.toContain("p@ssw0rd");
		expect(sealed.split(".")[1]).toBe(box.keyId);
		expect(box.decrypt(sealed)).toBe("p@ssw0rd-value");
		expect(box.encrypt("same")).not.toBe(box.encrypt("same"));
	});

	it("never reuses an IV, across refills of the IV pool too", () => {
		const box = new SecretBox(key);
		const sealed = Array.from({ length: 2_000 }, (_, i) => box.encrypt(`value-${i}`));
		const ivs = sealed.map((envelope) => envelope.split(".")[2]);
		expect(new Set(ivs).size).toBe(sealed.length);
		expect(ivs.every((iv) => Buffer.from(iv ?? "", "base64url").length === 12)).toBe(true);
		expect(sealed.map((envelope) => box.decrypt(envelope))).toEqual(sealed.map((_, i) => `value-${i}`));
	});

	it("detects tampering", () => {
		const box = new SecretBox(key);
		const parts = box.encrypt("value").split(".");
		parts[4] = Buffer.from("other").toString("base64url");
		expect(() => box.decrypt(parts.join("."))).toThrow();
	});

	it("reads values sealed under a previous key after rotation", () => {
		const old = new SecretBox(key);
		const sealed = old.encrypt("kept");
		const rotated = new SecretBox(randomBytes(32), [key]);
		expect(rotated.keyId).not.toBe(old.keyId);
		expect(rotated.decrypt(sealed)).toBe("kept");
		expect(() => new SecretBox(randomBytes(32)).decrypt(sealed)).toThrow(/No key with id/);
	});

	it("seals only the listed fields of a config", () => {
		const box = new SecretBox(key);
		const sealed = box.sealFields({ url: "https://x", password: "pw", token: undefined }, ["password", "token"]);
		expect(sealed.url).toBe("https://x");
		expect(isSealed(sealed.password)).toBe(true);
		expect(sealed.token).toBeUndefined();
		expect(box.openFields(sealed)).toEqual({ url: "https://x", password: "pw", token: undefined });
	});

	it("refuses keys of the wrong size", () => {
		expect(() => new SecretBox(randomBytes(16))).toThrow();
	});
});
