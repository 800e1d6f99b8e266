import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken, isSealed, issueToken, looksLikeToken, SecretBox, sameHash, sealedPlace } from "../src/index.ts";

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
	const place = sealedPlace.sensorConfig("65f000000000000000000001");

	it("round-trips and never contains the plain text", () => {
		const box = new SecretBox(key);
		const sealed = box.encrypt("p@ssw0rd-value", place);
		expect(sealed).not.toContain("p@ssw0rd");
		expect(sealed.split(".").slice(0, 2)).toEqual(["v2", box.keyId]);
		expect(box.decrypt(sealed, place)).toBe("p@ssw0rd-value");
		expect(box.encrypt("same", place)).not.toBe(box.encrypt("same", place));
	});

	it("never reuses an IV, across refills of the IV pool too", () => {
		const box = new SecretBox(key);
		const sealed = Array.from({ length: 2_000 }, (_, i) => box.encrypt(`value-${i}`, place));
		const ivs = sealed.map((envelope) => envelope.split(".")[2]);
		expect(new Set(ivs).size).toBe(sealed.length);
		expect(ivs.every((iv) => Buffer.from(iv ?? "", "base64url").length === 12)).toBe(true);
		expect(sealed.map((envelope) => box.decrypt(envelope, place))).toEqual(sealed.map((_, i) => `value-${i}`));
	});

	it("detects tampering", () => {
		const box = new SecretBox(key);
		const parts = box.encrypt("value", place).split(".");
		parts[4] = Buffer.from("other").toString("base64url");
		expect(() => box.decrypt(parts.join("."), place)).toThrow(/does not open/);
		expect(() => box.decrypt(`${box.encrypt("value", place)}.extra`, place)).toThrow(/Not a Sensorium/);
	});

	it("binds a value to its place: copied to another row or column it does not open", () => {
		const box = new SecretBox(key);
		const token = box.encrypt("t0ken", sealedPlace.callbackToken("65f000000000000000000001"));
		expect(() => box.decrypt(token, sealedPlace.callbackToken("65f000000000000000000002"))).toThrow(
			"The value sealed for callback_endpoints/65f000000000000000000002/token does not open: it was altered or belongs elsewhere",
		);
		expect(() => box.decrypt(token, sealedPlace.callbackSigningSecret("65f000000000000000000001"))).toThrow(
			/does not open/,
		);
		const config = box.sealFields({ password: "pw" }, ["password"], sealedPlace.sensorConfig("a"));
		expect(() => box.openFields(config, sealedPlace.sensorConfig("b"))).toThrow(/sensors\/b\/config.password/);
		// Moving one field's value into another field of the same config is refused too.
		const both = box.sealFields({ password: "pw", token: "tk" }, ["password", "token"], sealedPlace.sensorConfig("a"));
		expect(() => box.openFields({ ...both, token: both.password }, sealedPlace.sensorConfig("a"))).toThrow(
			/config.token/,
		);
	});

	it("reads values sealed under a previous key after rotation", () => {
		const old = new SecretBox(key);
		const sealed = old.encrypt("kept", place);
		const rotated = new SecretBox(randomBytes(32), [key]);
		expect(rotated.keyId).not.toBe(old.keyId);
		expect(rotated.decrypt(sealed, place)).toBe("kept");
		expect(rotated.isCurrent(sealed)).toBe(false);
		expect(() => new SecretBox(randomBytes(32)).decrypt(sealed, place)).toThrow(/No key with id/);
	});

	it("still opens v1 envelopes (bound to the key id only) and re-seals them bound to their place", () => {
		const box = new SecretBox(key);
		const v1 = legacyV1(key, "from-before");
		expect(box.isCurrent(v1)).toBe(false);
		expect(box.decrypt(v1, place)).toBe("from-before");
		const resealed = box.reseal(v1, place);
		expect(resealed.startsWith(`v2.${box.keyId}.`)).toBe(true);
		expect(box.decrypt(resealed, place)).toBe("from-before");
		expect(() => box.decrypt(resealed, sealedPlace.sensorConfig("elsewhere"))).toThrow(/does not open/);
		expect(box.reseal(resealed, place)).toBe(resealed);
	});

	it("re-seals a config's fields under the current key and says whether anything changed", () => {
		const oldKey = randomBytes(32);
		const config = { url: "https://x", password: { $sealed: legacyV1(oldKey, "pw") } };
		const box = new SecretBox(key, [oldKey]);
		const first = box.resealFields(config, place);
		expect(first.changed).toBe(true);
		expect(first.record.url).toBe("https://x");
		expect(box.openFields(first.record, place)).toEqual({ url: "https://x", password: "pw" });
		expect(new SecretBox(key).openFields(first.record, place).password).toBe("pw");
		expect(box.resealFields(first.record, place)).toEqual({ record: first.record, changed: false });
	});

	it("seals only the listed fields of a config", () => {
		const box = new SecretBox(key);
		const sealed = box.sealFields({ url: "https://x", password: "pw", token: undefined }, ["password", "token"], place);
		expect(sealed.url).toBe("https://x");
		expect(isSealed(sealed.password)).toBe(true);
		expect(sealed.token).toBeUndefined();
		expect(box.openFields(sealed, place)).toEqual({ url: "https://x", password: "pw", token: undefined });
	});

	it("refuses keys of the wrong size", () => {
		expect(() => new SecretBox(randomBytes(16))).toThrow();
	});
});

/** An envelope exactly as releases before place binding wrote it: AAD is the key id alone. */
function legacyV1(key: Buffer, plain: string): string {
	const keyId = SecretBox.idOf(key);
	const iv = randomBytes(12);
	const cipher = createCipheriv("aes-256-gcm", key, iv);
	cipher.setAAD(Buffer.from(keyId));
	const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
	return ["v1", keyId, ...[iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString("base64url"))].join(".");
}
