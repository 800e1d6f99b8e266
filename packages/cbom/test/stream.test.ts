import { describe, expect, it } from "vitest";
import { buildCbom, type FindingInput, streamCbom, validateCbom } from "../src/index.ts";
import { finding } from "./helpers.ts";

const OPTIONS = {
	subject: { name: "acme/payments" },
	timestamp: new Date("2025-06-01T12:00:00Z"),
	serialNumber: "0f8fad5b-d9cb-469f-a165-70867728950e",
};

function inputs(count: number): FindingInput[] {
	return Array.from({ length: count }, (_, n) => {
		const hex = n.toString(16).padStart(64, "0");
		return n % 2 === 0
			? finding(
					"x509",
					`x509:${hex}`,
					{ subject: `CN=host-${n}`, signatureAlgorithm: "sha256WithRSAEncryption" },
					`c/${n}.pem`,
					1,
				)
			: finding("key", `key:${hex}`, { type: "private-key", algorithm: "RSA", size: 2048 }, `k/${n}.key`, 3);
	});
}

async function* pagesOf(findings: FindingInput[], size: number, read: number[]): AsyncGenerator<FindingInput[]> {
	for (let i = 0; i < findings.length; i += size) {
		read.push(i);
		yield findings.slice(i, i + size);
	}
}

describe("streamCbom", () => {
	it("writes, in chunks, exactly the document buildCbom makes of the same findings", async () => {
		const findings = inputs(2_000);
		const read: number[] = [];
		const chunks: string[] = [];
		for await (const chunk of streamCbom(pagesOf(findings, 300, read), OPTIONS)) chunks.push(chunk);
		expect(read).toHaveLength(7);
		expect(chunks.length).toBeGreaterThan(5);
		// Every chunk but the last is about 64 KiB: the text is handed on as it is written, never as one string.
		for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeLessThan(64 * 1024 + 4 * 1024);
		const streamed = JSON.parse(chunks.join(""));
		expect(streamed).toEqual(buildCbom(findings, OPTIONS));
		expect(await validateCbom(streamed)).toEqual({ valid: true, errors: [] });
	});

	it("an empty inventory is still a valid document", async () => {
		const chunks: string[] = [];
		for await (const chunk of streamCbom(pagesOf([], 10, []), OPTIONS)) chunks.push(chunk);
		const document = JSON.parse(chunks.join(""));
		expect(document).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6", components: [] });
		expect(await validateCbom(document)).toEqual({ valid: true, errors: [] });
	});
});
