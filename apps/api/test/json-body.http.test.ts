import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { messages } from "@sensorium/api-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

// Over a real socket: Node's parser frames the body by Content-Length or by chunks, and the size
// limit takes a different path for each; app.request() exercises neither.
let h: Harness;
let org: Org;
let server: ReturnType<typeof serve>;
let base: string;

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
	server = serve({ fetch: h.app.fetch, port: 0, hostname: "127.0.0.1" });
	await new Promise<void>((resolve) => server.once("listening", () => resolve()));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
	await new Promise<void>((resolve) => server.close(() => resolve()));
	await h.close();
});

const headers = () => ({ "content-type": "application/json", "isg-api-token": org.apiToken });

function chunked(text: string, chunkSize = 64 * 1024): ReadableStream<Uint8Array> {
	const bytes = new TextEncoder().encode(text);
	let offset = 0;
	return new ReadableStream({
		pull(controller) {
			if (offset >= bytes.length) return controller.close();
			controller.enqueue(bytes.subarray(offset, offset + chunkSize));
			offset += chunkSize;
		},
	});
}

async function send(body: string | ReadableStream<Uint8Array>) {
	const res = await fetch(`${base}/v3/scan/create`, {
		method: "POST",
		headers: headers(),
		body,
		...(typeof body === "string" ? {} : { duplex: "half" }),
	} as RequestInit);
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const oversized = () =>
	JSON.stringify(createBody({ sensorConfig: { url: "https://x.test/r.git", pad: "a".repeat(1_100_000) } }));

describe("JSON bodies over HTTP", () => {
	it("accepts a body framed by Content-Length and one sent in chunks", async () => {
		const framed = await send(JSON.stringify(createBody()));
		expect(framed.status).toBe(200);
		expect(framed.body.status).toBe("successful");
		const streamed = await send(chunked(JSON.stringify(createBody()), 16));
		expect(streamed.status).toBe(200);
	});

	it("refuses more than 1 MiB with a 413 whether the length is declared or not", async () => {
		for (const body of [oversized(), chunked(oversized())]) {
			const res = await send(body);
			expect(res.status).toBe(413);
			expect(res.body).toEqual({ status: "failed", message: messages.payloadTooLarge });
		}
	});

	it("answers malformed JSON with a 400 on both paths", async () => {
		for (const body of ['{"sensorName": ', chunked('{"sensorName": ')]) {
			const res = await send(body);
			expect(res.status).toBe(400);
			expect(res.body.message).toBe(messages.malformedJson);
		}
	});
});
