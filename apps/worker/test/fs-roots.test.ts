import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bootstrapOrganization } from "@sensorium/accounts";
import { organizations } from "@sensorium/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selfSignedCertificate, tempDir } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

const dir = tempDir("fs-roots");
const ownRoot = join(dir.path, "scans-org");
const otherRoot = join(dir.path, "other-org");
let h: ScanHarness;

beforeAll(async () => {
	h = await createScanHarness(dir.path);
	for (const root of [ownRoot, otherRoot]) {
		mkdirSync(root);
		writeFileSync(join(root, "service.crt"), selfSignedCertificate(dir.path, "fs-roots.example.test"));
	}
	// The harness's organisation scans; another organisation owns the second root.
	const [own] = await h.database.db
		.select({ id: organizations.id })
		.from(organizations)
		.where(eq(organizations.name, "Scans"));
	const other = await bootstrapOrganization(h.database.db, { orgName: "Other", email: "other@example.test" });
	h.startWorker({ SENSOR_FS_ROOTS: `${own?.id}=${ownRoot},${other.orgId}=${otherRoot}` });
});

afterAll(async () => {
	await h.close();
	dir.remove();
});

describe("SENSOR_FS_ROOTS per organisation", () => {
	it("an organisation scans its own root", async () => {
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "Filesystem Sensor",
			sensorName: "own",
			sensorConfig: { path: ownRoot },
		});
		expect(await h.waitForFinish(created.body.executionId as string)).toMatchObject({ status: "successful" });
	});

	it("another organisation's root fails with FS-1001, naming the path", async () => {
		const created = await h.api("POST", "/v3/scan/create", {
			sensorType: "Filesystem Sensor",
			sensorName: "other",
			sensorConfig: { path: otherRoot },
		});
		expect(created.status).toBe(200);
		const status = await h.waitForFinish(created.body.executionId as string);
		expect(status).toMatchObject({ status: "failed", errorCode: "FS-1001" });
		expect(status.message).toContain(otherRoot);
	});
});
