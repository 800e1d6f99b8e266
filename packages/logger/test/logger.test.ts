import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, resolveLogFormat } from "../src/index.ts";

function capture() {
	const chunks: string[] = [];
	const stream = new Writable({
		write(chunk, _encoding, done) {
			chunks.push(String(chunk));
			done();
		},
	});
	return { stream, text: () => chunks.join("") };
}

describe("log format", () => {
	it("is human-readable only for a terminal outside production, unless chosen explicitly", () => {
		expect(resolveLogFormat("auto", { nodeEnv: "development", isTTY: true })).toBe("pretty");
		expect(resolveLogFormat("auto", { nodeEnv: "development", isTTY: undefined })).toBe("json");
		expect(resolveLogFormat("auto", { nodeEnv: "production", isTTY: true })).toBe("json");
		expect(resolveLogFormat("pretty", { nodeEnv: "production", isTTY: false })).toBe("pretty");
		expect(resolveLogFormat("json", { nodeEnv: "development", isTTY: true })).toBe("json");
	});

	it("writes readable lines with secrets redacted in pretty format", () => {
		const out = capture();
		const logger = createLogger({ name: "sensorium-test", level: "info", destination: out.stream, format: "pretty" });
		logger.info({ token: "isg_secret_value", sensorConfig: { password: "hunter2" } }, "scan submitted");
		const text = out.text();
		expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(sensorium-test\): scan submitted/);
		expect(text).toContain("[redacted]");
		expect(text).not.toContain("isg_secret_value");
		expect(text).not.toContain("hunter2");
		expect(() => JSON.parse(text)).toThrow();
	});

	it("writes one JSON object per line by default", () => {
		const out = capture();
		createLogger({ name: "sensorium-test", level: "info", destination: out.stream }).info({ token: "t0k" }, "hello");
		const line = JSON.parse(out.text());
		expect(line).toMatchObject({ name: "sensorium-test", msg: "hello", token: "[redacted]" });
	});
});
