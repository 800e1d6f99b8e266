import { messages } from "@sensorium/api-contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBody, createHarness, type Harness, type Org } from "./harness.ts";

let h: Harness;
let org: Org;

beforeAll(async () => {
	h = await createHarness();
	org = await h.newOrg();
});
afterAll(() => h.close());

const post = (path: string, body: unknown, headers?: Record<string, string>) =>
	h.request("POST", path, { token: org.apiToken, body, headers });

// Spec 5.1 and 5.3, "400 Bad Request" tables: one case per row, for both endpoints that share them.
describe.each([
	{
		path: "/v3/scan/create",
		priorityMessage: "Invalid type or value for priority: expected string [‘low’, ‘medium’, ‘high’].",
	},
	{
		path: "/v3/scan",
		priorityMessage: "Invalid type or value for priority: expected one of ['low', 'medium', 'high'].",
	},
])("POST $path validation", ({ path, priorityMessage }) => {
	it.each(["sensorName", "sensorType", "sensorConfig"])("missing %s", async (field) => {
		const body: Record<string, unknown> = createBody();
		delete body[field];
		const res = await post(path, body);
		expect(res.status).toBe(400);
		expect(res.body).toEqual({ status: "failed", message: `Missing required field: ${field}.` });
	});

	it.each([
		["sensorName", 42, "Invalid type for sensorName: expected string."],
		["sensorName", null, "Invalid type for sensorName: expected string."],
		["sensorType", ["GIT Sensor"], "Invalid type for sensorType: expected string."],
		["sensorConfig", "url=https://x", "Invalid type for sensorConfig: expected object."],
		["sensorConfig", [], "Invalid type for sensorConfig: expected object."],
	])("wrong type of %s (%j)", async (field, value, message) => {
		const res = await post(path, createBody({ [field]: value }));
		expect(res.status).toBe(400);
		expect(res.body.message).toBe(message);
	});

	it.each([["urgent"], [1], [null], ["HIGH"]])("priority %j", async (priority) => {
		const res = await post(path, createBody({ priority }));
		expect(res.status).toBe(400);
		expect(res.body).toEqual({ status: "failed", message: priorityMessage });
	});

	it.each([["abc"], ["6b09d8a7197f6b4c7e9999bZ"], [12345], ["6B09D8A7197F6B4C7E9999B1"]])(
		"callbackId format %j",
		async (callbackId) => {
			const res = await post(path, createBody({ callbackId }));
			expect(res.status).toBe(400);
			expect(res.body.message).toBe("Invalid format for callbackId: expected a 24-hex-character ObjectId.");
		},
	);

	it.each([[{ env: "prod" }], [[{ env: "prod", team: "pki" }]], [[{}]], [[{ env: 1 }]], [["env=prod"]], [[null]]])(
		"labels %j",
		async (labels) => {
			const res = await post(path, createBody({ labels }));
			expect(res.status).toBe(400);
			expect(res.body.message).toBe("Invalid type for labels: expected array of single key/value objects.");
		},
	);

	it("unexpected field", async () => {
		const res = await post(path, createBody({ sensorOwner: "me" }));
		expect(res.status).toBe(400);
		expect(res.body.message).toBe("Unexpected field 'sensorOwner' found in request body.");
	});

	it("invalid sensorConfig for the type", async () => {
		for (const sensorConfig of [
			{},
			{ url: "ftp://example.com/repo.git" },
			{ url: "https://user:pw@example.com/repo.git" },
			{ url: "file:///srv/repo.git" },
			{ url: "https://example.com/r.git", colour: "blue" },
			{ url: "https://example.com/r.git", include_paths: "*.pem" },
		]) {
			const res = await post(path, createBody({ sensorConfig }));
			expect(res.status, JSON.stringify(sensorConfig)).toBe(400);
			expect(res.body.message).toBe("Invalid input for sensorConfig.");
		}
	});

	it("unknown sensorType is a 404 naming the value", async () => {
		const res = await post(path, createBody({ sensorType: "Perforce Sensor" }));
		expect(res.status).toBe(404);
		expect(res.body).toEqual({
			status: "failed",
			message: "Unknown sensorType: no matching record found for Perforce Sensor.",
		});
	});

	it("callbackId that does not exist in the organisation is a 404", async () => {
		const res = await post(path, createBody({ callbackId: "6b09d8a7197f6b4c7e9999b1" }));
		expect(res.status).toBe(404);
		expect(res.body).toEqual({ status: "failed", message: "callbackId not found." });
	});

	it("missing or bad token is a 401", async () => {
		const res = await h.request("POST", path, { body: createBody() });
		expect(res.status).toBe(401);
		expect(res.body).toEqual({ status: "failed", message: "Unauthorized access." });
	});
});

describe("create-only fields", () => {
	it.each([
		["incrementalScan", "yes", "Invalid type for incrementalScan: expected boolean."],
		["incrementalScan", 1, "Invalid type for incrementalScan: expected boolean."],
		["autoResolutionInterval", 1.5, "Invalid type for autoResolutionInterval: expected integer."],
		["autoResolutionInterval", "30", "Invalid type for autoResolutionInterval: expected integer."],
	])("%s %j", async (field, value, message) => {
		const res = await post("/v3/scan/create", createBody({ [field]: value }));
		expect(res.status).toBe(400);
		expect(res.body.message).toBe(message);
	});

	it("autoResolutionInterval out of range", async () => {
		const res = await post("/v3/scan/create", createBody({ autoResolutionInterval: 0 }));
		expect(res.body.message).toBe(messages.invalidAutoResolutionInterval);
	});

	it("the deprecated endpoint does not accept incrementalScan", async () => {
		const res = await post("/v3/scan", createBody({ incrementalScan: true }));
		expect(res.status).toBe(400);
		expect(res.body.message).toBe("Unexpected field 'incrementalScan' found in request body.");
	});
});

describe("several faults in one request", () => {
	it("reports them in the contract's order and lists all of them", async () => {
		const res = await post("/v3/scan/create", {
			labels: "x",
			callbackId: "nope",
			priority: "asap",
			sensorConfig: 3,
			extra: 1,
			sensorName: 7,
		});
		expect(res.status).toBe(400);
		expect(res.body.message).toBe("Unexpected field 'extra' found in request body.");
		expect(res.body.errors).toEqual([
			"Unexpected field 'extra' found in request body.",
			"Missing required field: sensorType.",
			"Invalid type for sensorName: expected string.",
			"Invalid type for sensorConfig: expected object.",
			messages.invalidPriorityCreate,
			"Invalid format for callbackId: expected a 24-hex-character ObjectId.",
			"Invalid type for labels: expected array of single key/value objects.",
		]);
	});

	it("the first unexpected field in body order wins", async () => {
		const res = await post("/v3/scan/create", { zeta: 1, ...createBody(), alpha: 2 });
		expect(res.body.message).toBe("Unexpected field 'zeta' found in request body.");
	});

	it("shape errors come before an unknown sensorType, which comes before config and callback checks", async () => {
		let res = await post("/v3/scan/create", createBody({ sensorType: "Nope", priority: "x" }));
		expect(res.status).toBe(400);
		res = await post(
			"/v3/scan/create",
			createBody({ sensorType: "Nope", sensorConfig: {}, callbackId: "6b09d8a7197f6b4c7e9999b1" }),
		);
		expect(res.status).toBe(404);
		expect(res.body.message).toBe("Unknown sensorType: no matching record found for Nope.");
		res = await post("/v3/scan/create", createBody({ sensorConfig: {}, callbackId: "6b09d8a7197f6b4c7e9999b1" }));
		expect(res.status).toBe(400);
		expect(res.body.message).toBe("Invalid input for sensorConfig.");
	});
});

describe("transport errors", () => {
	it("a body that is not a JSON object", async () => {
		for (const body of ["[]", "null", '"text"', "42"]) {
			const res = await post("/v3/scan/create", body);
			expect(res.status).toBe(400);
			expect(res.body.message).toBe("Invalid request body: expected a JSON object.");
		}
	});

	it("malformed JSON and an empty body", async () => {
		for (const body of ["{", '{"sensorName": }', ""]) {
			const res = await h.request("POST", "/v3/scan/create", {
				token: org.apiToken,
				body,
				headers: { "content-type": "application/json" },
			});
			expect(res.status).toBe(400);
			expect(res.body.message).toBe("Malformed JSON in request body.");
		}
	});

	it("a content type other than JSON is a 415", async () => {
		for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
			const res = await post("/v3/scan/create", JSON.stringify(createBody()), { "content-type": type });
			expect(res.status).toBe(415);
			expect(res.body.message).toBe("Unsupported Content-Type: expected application/json.");
		}
		const missing = await h.app.request("/v3/scan/create", {
			method: "POST",
			headers: { "isg-api-token": org.apiToken },
			body: JSON.stringify(createBody()),
		});
		expect(missing.status).toBe(415);
	});

	it("JSON with a charset is accepted", async () => {
		const res = await post("/v3/scan/create", createBody(), { "content-type": "application/json; charset=utf-8" });
		expect(res.status).toBe(200);
	});

	it("a body over 1 MiB is a 413", async () => {
		const res = await post(
			"/v3/scan/create",
			createBody({ sensorConfig: { url: "https://x.test/r.git", pad: "a".repeat(1_100_000) } }),
		);
		expect(res.status).toBe(413);
		expect(res.body.message).toBe("Request body too large: the limit is 1 MiB.");
	});

	it("a duplicate sensorName in the organisation is a 400 that says so", async () => {
		const body = createBody({ sensorName: "payments-repo" });
		expect((await post("/v3/scan/create", body)).status).toBe(200);
		const res = await post("/v3/scan/create", createBody({ sensorName: "payments-repo" }));
		expect(res.status).toBe(400);
		expect(res.body.message).toBe("A sensor named 'payments-repo' already exists in this organization.");
	});
});

describe("POST /v3/scan/execute validation (spec 5.2)", () => {
	it.each([[{}], [{ sensorId: "" }], [{ sensorId: null }]])("sensorId is required: %j", async (body) => {
		const res = await post("/v3/scan/execute", body);
		expect(res.status).toBe(400);
		expect(res.body).toEqual({ status: "failed", message: "sensorId is required" });
	});

	it("sensorId of the wrong type", async () => {
		const res = await post("/v3/scan/execute", { sensorId: 12 });
		expect(res.status).toBe(400);
		expect(res.body.message).toBe("Invalid type for sensorId: expected string.");
	});

	it("unexpected field", async () => {
		const res = await post("/v3/scan/execute", { sensorId: "6b09d8a7197f6b4c7e9999b1", force: true });
		expect(res.body.message).toBe("Unexpected field 'force' found in request body.");
	});

	it.each([["6b09d8a7197f6b4c7e9999b1"], ["not-an-id"]])("unknown sensor %s is a 404", async (sensorId) => {
		const res = await post("/v3/scan/execute", { sensorId });
		expect(res.status).toBe(404);
		expect(res.body).toEqual({ status: "failed", message: "The specified execution id not found." });
	});
});

describe("GET /v3/scan/{executionId}", () => {
	it.each([["6b09d8a7197f6b4c7e9999b1"], ["garbage"]])("unknown execution %s is a 404", async (id) => {
		const res = await h.request("GET", `/v3/scan/${id}`, { token: org.apiToken });
		expect(res.status).toBe(404);
		expect(res.body).toEqual({ status: "failed", message: "The specified executionId was not found." });
	});
});
