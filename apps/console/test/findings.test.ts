import { describe, expect, it } from "vitest";
import { describeFinding, flattenAttributes, kindLabel } from "../src/lib/findings.ts";
import type { Finding } from "../src/lib/types.ts";

function finding(kind: string, attributes: Record<string, unknown>, extra: Partial<Finding> = {}): Finding {
	return {
		findingId: `f-${kind}`,
		kind,
		identity: `${kind}:abc`,
		status: "open",
		observation: { file: { path: "certs/server.pem", line: 3 } },
		crypto: { [kind]: attributes },
		analysis: null,
		...extra,
	};
}

describe("describeFinding", () => {
	it("reads a certificate's key from publicKey and its expiry from notValidAfter", () => {
		const row = describeFinding(
			finding(
				"x509",
				{
					subject: "CN=api.acme.example",
					notValidAfter: "2027-01-31T00:00:00.000Z",
					publicKey: { algorithm: "EC", size: 256, curve: "P-256", fingerprintSha256: "ab" },
					signatureAlgorithm: "ecdsa-with-SHA256",
				},
				{
					analysis: {
						priority: "high",
						reasons: [{ rule: "certificate-expiring", priority: "high", message: "Expires within 90 days" }],
					},
				},
			),
		);
		expect(row).toMatchObject({
			type: "Certificate",
			subject: "CN=api.acme.example",
			location: "certs/server.pem:3",
			algorithm: "EC",
			keySize: "256-bit (P-256)",
			expiry: "2027-01-31T00:00:00.000Z",
			priority: "high",
			reasons: ["Expires within 90 days (high)"],
		});
		expect(row.attributes).toContainEqual(["publicKey.curve", "P-256"]);
	});

	it("reads a key's own algorithm and size", () => {
		const row = describeFinding(
			finding(
				"key",
				{ type: "private-key", algorithm: "RSA", size: 2048 },
				{ observation: { file: { path: "k", line: null } } },
			),
		);
		expect(row).toMatchObject({
			subject: "private-key",
			algorithm: "RSA",
			keySize: "2048-bit",
			location: "k",
			expiry: null,
		});
	});

	it("reads a token's alg and exp claim", () => {
		const row = describeFinding(
			finding("token", {
				type: "jwt",
				alg: "HS256",
				claims: { names: ["exp", "iss"], exp: "2030-01-01T00:00:00.000Z" },
			}),
		);
		expect(row).toMatchObject({
			subject: "JWT",
			algorithm: "HS256",
			keySize: null,
			expiry: "2030-01-01T00:00:00.000Z",
		});
		expect(row.attributes).toContainEqual(["claims.names", "exp, iss"]);
	});

	it("names code findings by what they are", () => {
		expect(describeFinding(finding("library", { name: "OpenSSL", language: "c" }))).toMatchObject({
			type: "Library",
			subject: "OpenSSL",
			algorithm: null,
		});
		expect(describeFinding(finding("algorithm", { name: "AES", primitive: "block-cipher", size: 128 }))).toMatchObject({
			subject: "block-cipher",
			algorithm: "AES",
			keySize: "128-bit",
		});
		expect(describeFinding(finding("protocol", { type: "tls", version: "1.0" })).subject).toBe("tls 1.0");
	});

	it("shows what it can of a kind it does not know", () => {
		const row = describeFinding(finding("quantum", { name: "ML-KEM-768" }));
		expect(row).toMatchObject({ type: "quantum", subject: "ML-KEM-768", algorithm: null });
		expect(kindLabel("keystore")).toBe("Keystore");
	});
});

describe("flattenAttributes", () => {
	it("dots nested objects, joins lists and drops empty values", () => {
		expect(flattenAttributes({ a: 1, b: { c: true, d: null }, e: ["x", "y"], f: [{ g: 1 }], h: undefined })).toEqual([
			["a", "1"],
			["b.c", "true"],
			["e", "x, y"],
			["f", '{"g":1}'],
		]);
	});
});
