import { executions, sensors } from "@sensorium/db";
import { type Observation, ObservationStage, recordObservations } from "@sensorium/findings";
import { newObjectId } from "@sensorium/ids";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness, type Org } from "./harness.ts";

// More findings than one page of the findings query (500) and a document far larger than one chunk (64 KiB).
const CERTIFICATES = 1_300;

let h: Harness;
let org: Org;
let other: Org;
let sensorId: string;
let executionId: string;

const certificate = (n: number, path: string): Observation => ({
	kind: "x509",
	identity: `x509:${n.toString(16).padStart(64, "0")}`,
	path,
	line: 1,
	crypto: {
		x509: {
			subject: `CN=service-${n}.example.test`,
			issuer: "CN=Example CA",
			signatureAlgorithm: "sha256WithRSAEncryption",
		},
	},
});

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg("CBOM");
	other = await h.newOrg("Other");
	sensorId = newObjectId();
	executionId = newObjectId();
	await h.database.db.insert(sensors).values({
		id: sensorId,
		orgId: org.orgId,
		name: "payments",
		type: "GIT Sensor",
		config: { url: "https://git.example.test/payments.git" },
		priority: "low",
		createdBy: org.adminUserId,
	});
	await h.database.db.insert(executions).values({
		id: executionId,
		sensorId,
		orgId: org.orgId,
		message: "",
		priority: "low",
		ranBy: org.adminUserId,
		status: "successful",
		finishedAt: new Date("2026-11-30T12:00:00Z"),
	});
	const observations = Array.from({ length: CERTIFICATES }, (_, n) => certificate(n, `certs/${n}.pem`));
	// The same certificate in a second place is one component with two occurrences.
	observations.push(certificate(0, "backup/0.pem"));
	const stage = new ObservationStage(h.database.db, { executionId, attempt: 1 }, 500);
	await stage.add(observations);
	await stage.flush();
	await recordObservations(h.database.db, {
		orgId: org.orgId,
		sensorId,
		executionId,
		attempt: 1,
		labels: [],
		scope: { mode: "full", readPaths: new Set(), deletedPaths: new Set(), previousExecutionId: null },
		autoResolutionDays: 30,
		now: new Date(),
	});
});

afterAll(() => h.close());

async function get(path: string, token: string): Promise<{ res: Response; chunks: number; text: string }> {
	const res = await h.app.request(path, { headers: { "isg-api-token": token } });
	const reader = (res.body as ReadableStream<Uint8Array>).getReader();
	const decoder = new TextDecoder();
	let chunks = 0;
	let text = "";
	for (let read = await reader.read(); !read.done; read = await reader.read()) {
		chunks++;
		text += decoder.decode(read.value, { stream: true });
	}
	return { res, chunks, text: text + decoder.decode() };
}

type Component = { "bom-ref": string; evidence?: { occurrences?: { location: string }[] } };

describe("CBOM downloads", () => {
	it("an execution's CBOM is written out in chunks, with every finding of every page", async () => {
		const { res, chunks, text } = await get(`/v3/scan/${executionId}/cbom`, org.apiToken);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("application/json");
		expect(res.headers.get("content-disposition")).toBe(`attachment; filename="cbom-${executionId}.json"`);
		expect(res.headers.get("content-length")).toBeNull();
		expect(chunks).toBeGreaterThan(1);
		const document = JSON.parse(text) as { components: Component[]; metadata: Record<string, unknown> };
		expect(document.metadata).toMatchObject({
			timestamp: "2026-11-30T12:00:00.000Z",
			component: { name: "payments", description: `Sensorium execution ${executionId}` },
		});
		const certificates = document.components.filter((c) => /^x509:[0-9a-f]{64}$/.test(c["bom-ref"]));
		expect(certificates).toHaveLength(CERTIFICATES);
		const first = certificates.find((c) => c["bom-ref"] === certificate(0, "").identity);
		expect(first?.evidence?.occurrences?.map((o) => o.location)).toEqual(["backup/0.pem", "certs/0.pem"]);
	});

	it("a sensor's CBOM has its open findings", async () => {
		const { res, text } = await get(`/v3/sensors/${sensorId}/cbom`, org.apiToken);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-disposition")).toBe(`attachment; filename="cbom-sensor-${sensorId}.json"`);
		const document = JSON.parse(text) as { components: Component[] };
		expect(document.components.filter((c) => /^x509:[0-9a-f]{64}$/.test(c["bom-ref"]))).toHaveLength(CERTIFICATES);
	});

	it("another organisation's execution or sensor, or an unknown id, is the spec's 404", async () => {
		for (const path of [`/v3/scan/${executionId}/cbom`, `/v3/scan/${newObjectId()}/cbom`, "/v3/scan/nope/cbom"]) {
			const res = await h.request("GET", path, { token: other.apiToken });
			expect(res.status, path).toBe(404);
			expect(res.body).toEqual({ status: "failed", message: "The specified executionId was not found." });
		}
		const res = await h.request("GET", `/v3/sensors/${sensorId}/cbom`, { token: other.apiToken });
		expect(res.status).toBe(404);
	});
});
