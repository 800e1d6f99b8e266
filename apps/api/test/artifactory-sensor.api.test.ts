import { sensors } from "@sensorium/db";
import { sealedPlace } from "@sensorium/secrets";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

let h: Harness;
let org: Org;

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
});
afterAll(() => h.close());

const url = "https://acme.jfrog.io/artifactory";
const TOKEN = "cmVmdGtuOjAxOjE3OTk5OTk5OTk6YXBpLXRlc3Q";
const post = (body: unknown) => h.request("POST", "/v3/scan/create", { token: org.apiToken, body });

describe("POST /v3/scan/create with an Artifactory Sensor", () => {
	it("accepts a token configuration, seals the token and never returns it", async () => {
		const res = await post(
			createBody({
				sensorType: "Artifactory Sensor",
				sensorConfig: {
					url,
					access_token: TOKEN,
					repositories_include: ["libs-*"],
					repository_types: ["local", "virtual"],
				},
				incrementalScan: true,
			}),
		);
		expect(res.status).toBe(200);
		expect(JSON.stringify(res.body)).not.toContain(TOKEN);
		const [sensor] = await h.database.db
			.select()
			.from(sensors)
			.where(eq(sensors.id, res.body.sensorId as string));
		expect(sensor?.type).toBe("Artifactory Sensor");
		expect(JSON.stringify(sensor?.config)).not.toContain(TOKEN);
		expect(h.secretBox.openFields(sensor?.config ?? {}, sealedPlace.sensorConfig(sensor?.id ?? ""))).toMatchObject({
			access_token: TOKEN,
			url,
		});
		const status = await h.request("GET", `/v3/scan/${res.body.executionId}`, { token: org.apiToken });
		expect(JSON.stringify(status.body)).not.toContain(TOKEN);
	});

	it("accepts username and password, sealing the password", async () => {
		const res = await post(
			createBody({ sensorType: "Artifactory Sensor", sensorConfig: { url, username: "ci", password: "hunter2-art" } }),
		);
		expect(res.status).toBe(200);
		const [sensor] = await h.database.db
			.select()
			.from(sensors)
			.where(eq(sensors.id, res.body.sensorId as string));
		expect(JSON.stringify(sensor?.config)).not.toContain("hunter2-art");
	});

	it.each([
		["no credentials", { url }],
		["both kinds of credentials", { url, access_token: TOKEN, username: "ci", password: "pw" }],
		["an empty token", { url, access_token: "" }],
		["a whitespace token", { url, access_token: "  \t " }],
		["a token with control characters", { url, access_token: "abc\u0000def" }],
		["a token over 4 KiB", { url, access_token: "a".repeat(4097) }],
		["a url not ending in /artifactory", { url: "https://acme.jfrog.io/ui", access_token: TOKEN }],
		["credentials in the url", { url: "https://u:p@acme.jfrog.io/artifactory", access_token: TOKEN }],
		["remote repositories", { url, access_token: TOKEN, repository_types: ["remote"] }],
		["an unknown field", { url, access_token: TOKEN, aql_filter: {} }],
	])("answers 400 for %s", async (_, sensorConfig) => {
		const res = await post(createBody({ sensorType: "Artifactory Sensor", sensorConfig }));
		expect(res.status).toBe(400);
		expect(res.body.message).toBe("Invalid input for sensorConfig.");
		expect(JSON.stringify(res.body)).not.toContain(TOKEN);
	});

	it("answers 404 for a sensorType spelt differently", async () => {
		const res = await post(
			createBody({ sensorType: "artifactory sensor", sensorConfig: { url, access_token: TOKEN } }),
		);
		expect(res.status).toBe(404);
		expect(res.body).toEqual({
			status: "failed",
			message: "Unknown sensorType: no matching record found for artifactory sensor.",
		});
	});
});
