import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discover } from "../src/index.ts";
import { quickPublicKey, spkiDer } from "../src/jwk.ts";
import { only, openssl, scratch } from "./helpers.ts";

const fixtures = scratch("jwk");
const pairs: [string, { publicKey: KeyObject; privateKey: KeyObject }][] = [];

beforeAll(() => {
	pairs.push(
		["rsa", generateKeyPairSync("rsa", { modulusLength: 1024 })],
		["rsa-pss", generateKeyPairSync("rsa-pss", { modulusLength: 1024 })],
		["p256", generateKeyPairSync("ec", { namedCurve: "P-256" })],
		["p384", generateKeyPairSync("ec", { namedCurve: "P-384" })],
		["p521", generateKeyPairSync("ec", { namedCurve: "P-521" })],
		["secp256k1", generateKeyPairSync("ec", { namedCurve: "secp256k1" })],
		["brainpool", generateKeyPairSync("ec", { namedCurve: "brainpoolP256r1" })],
		["ed25519", generateKeyPairSync("ed25519")],
		["ed448", generateKeyPairSync("ed448")],
		["x25519", generateKeyPairSync("x25519")],
		["x448", generateKeyPairSync("x448")],
		["dsa", generateKeyPairSync("dsa", { modulusLength: 1024, divisorLength: 160 })],
	);
});

afterAll(() => fixtures.remove());

const nodeSpki = (key: KeyObject) => key.export({ type: "spki", format: "der" });

describe("SPKI re-encoding", () => {
	it("is byte-identical to OpenSSL's encoder for every key type", () => {
		for (const [name, { publicKey }] of pairs) expect(spkiDer(publicKey).equals(nodeSpki(publicKey)), name).toBe(true);
	});
});

describe("quick public key extraction", () => {
	it("matches OpenSSL for every structure it handles", () => {
		for (const [name, { publicKey, privateKey }] of pairs) {
			const expected = nodeSpki(publicKey);
			const structures = [
				["spki", publicKey.export({ type: "spki", format: "der" })],
				["pkcs8", privateKey.export({ type: "pkcs8", format: "der" })],
			] as [Parameters<typeof quickPublicKey>[1], Buffer][];
			if (name === "rsa") {
				structures.push(["pkcs1", privateKey.export({ type: "pkcs1", format: "der" })]);
				structures.push(["pkcs1-public", publicKey.export({ type: "pkcs1", format: "der" })]);
			}
			if (publicKey.asymmetricKeyType === "ec")
				structures.push(["sec1", privateKey.export({ type: "sec1", format: "der" })]);
			for (const [structure, der] of structures) {
				const quick = quickPublicKey(Buffer.from(der), structure);
				// Shapes it does not handle are left to OpenSSL, never answered wrongly.
				if (quick) expect(spkiDer(quick).equals(expected), `${name} ${structure}`).toBe(true);
			}
		}
	});

	it("handles the common RSA and EC shapes itself", () => {
		const rsa = pairs.find(([name]) => name === "rsa")?.[1] as { publicKey: KeyObject; privateKey: KeyObject };
		const p256 = pairs.find(([name]) => name === "p256")?.[1] as { publicKey: KeyObject; privateKey: KeyObject };
		expect(quickPublicKey(rsa.privateKey.export({ type: "pkcs1", format: "der" }), "pkcs1")).toBeDefined();
		expect(quickPublicKey(rsa.privateKey.export({ type: "pkcs8", format: "der" }), "pkcs8")).toBeDefined();
		expect(quickPublicKey(p256.privateKey.export({ type: "sec1", format: "der" }), "sec1")).toBeDefined();
		expect(quickPublicKey(p256.publicKey.export({ type: "spki", format: "der" }), "spki")).toBeDefined();
	});

	it("refuses an RSA key whose modulus is not p·q", () => {
		const der = Buffer.from(pairs[0]?.[1].privateKey.export({ type: "pkcs1", format: "der" }) ?? []);
		// In a 1024-bit key the modulus starts at byte 11, so byte 20 lies inside it.
		der[20] = (der[20] ?? 0) ^ 1;
		expect(quickPublicKey(der, "pkcs1")).toBeUndefined();
	});

	it("falls back to OpenSSL for EC keys without an embedded public key and for compressed points", () => {
		const p256 = pairs.find(([name]) => name === "p256")?.[1] as { publicKey: KeyObject; privateKey: KeyObject };
		fixtures.write("ec.pem", p256.privateKey.export({ type: "sec1", format: "pem" }));
		openssl("ec", "-in", fixtures.path("ec.pem"), "-no_public", "-out", fixtures.path("ec-nopub.pem"));
		openssl(
			"ec",
			"-in",
			fixtures.path("ec.pem"),
			"-pubout",
			"-conv_form",
			"compressed",
			"-out",
			fixtures.path("ec-compressed.pem"),
		);
		const identity = only(discover("ec.pem", fixtures.read("ec.pem"))).identity;
		expect(only(discover("ec-nopub.pem", fixtures.read("ec-nopub.pem"))).identity).toBe(identity);
		const compressed = createPublicKey(fixtures.read("ec-compressed.pem")).export({ type: "spki", format: "der" });
		expect(compressed.length).toBeLessThan(nodeSpki(p256.publicKey).length);
		expect(only(discover("ec-compressed.pem", fixtures.read("ec-compressed.pem"))).identity).toBe(identity);
	});
});
