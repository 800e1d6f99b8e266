import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { generateSigningSecret, signWebhook, webhookHeaders } from "../src/index.ts";

describe("Standard Webhooks signing", () => {
	it("matches the test vector of the Standard Webhooks reference libraries", () => {
		expect(
			signWebhook(
				"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				"msg_p5jXN8AQM9LWM0D4loKWxJek",
				1614265330,
				'{"test": 2432232314}',
			),
		).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	});

	it("generates whsec_ secrets of 32 random bytes", () => {
		const secret = generateSigningSecret();
		expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
		expect(Buffer.from(secret.slice("whsec_".length), "base64")).toHaveLength(32);
		expect(generateSigningSecret()).not.toBe(secret);
	});

	it.each([
		["empty", ""],
		["json", JSON.stringify({ sensorId: "s1", executionId: "e1", status: "successful", labels: [{ team: "pki" }] })],
		["unicode", JSON.stringify({ message: "Prüfung fehlgeschlagen: ключ 🔑 無効", emoji: "👩‍💻" })],
		["whitespace and newlines", '{\n  "status": "failed",\t"message": "a.b.c"\n}\n'],
	])("verifies with the standardwebhooks package: %s body", (_, body) => {
		const secret = generateSigningSecret();
		const headers = webhookHeaders(secret, "dlv_0123456789", Math.floor(Date.now() / 1000), body);
		expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
		expect(() => new Webhook(generateSigningSecret()).verify(body, headers)).toThrow();
		expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
	});

	it("puts the id and the attempt's timestamp in the headers", () => {
		const headers = webhookHeaders("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1700000000, "{}");
		expect(headers).toEqual({
			"webhook-id": "msg_1",
			"webhook-timestamp": "1700000000",
			"webhook-signature": signWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", 1700000000, "{}"),
		});
	});

	it("refuses fractional timestamps and empty secrets", () => {
		expect(() => signWebhook(generateSigningSecret(), "msg_1", 1700000000.5, "{}")).toThrow(/whole seconds/);
		expect(() => signWebhook("whsec_", "msg_1", 1700000000, "{}")).toThrow(/empty or not base64/);
	});
});
