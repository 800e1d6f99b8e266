import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FixtureRepo, tempDir } from "./fixtures.ts";
import { createScanHarness, type ScanHarness } from "./harness.ts";

// A repository where a third of the certificates and keys were damaged (cut short, or their DER length
// broken): the GIT Sensor scan must end successful, list exactly the damaged files as diagnostics, and still
// find every untouched asset.
const dir = tempDir("damaged");
const CERTIFICATES = 60;
const KEYS = 60;
let h: ScanHarness;
let repo: FixtureRepo;
const damaged = new Set<string>();
const intact = new Set<string>();

/** Cuts the last base64 lines, or makes the outer DER length impossible (`MII…` → `MIJ…`). */
function damage(pem: string, how: number): string {
	const lines = pem.trimEnd().split("\n");
	if (how === 0) return `${lines.slice(0, -4).join("\n")}\n${lines.at(-1)}\n`;
	return pem.replace(/\n(MII)/, "\nMIJ");
}

beforeAll(async () => {
	repo = new FixtureRepo(join(dir.path, "repo"));
	const ca = join(dir.path, "ca");
	execFileSync(
		"openssl",
		[
			"req",
			"-x509",
			"-newkey",
			"ec",
			"-pkeyopt",
			"ec_paramgen_curve:P-256",
			"-nodes",
			"-keyout",
			`${ca}.key`,
			"-out",
			`${ca}.pem`,
			"-days",
			"30",
			"-subj",
			"/CN=Damaged CA",
		],
		{ stdio: "ignore" },
	);
	for (let i = 0; i < CERTIFICATES; i++) {
		const leaf = join(dir.path, `leaf${i}`);
		execFileSync(
			"openssl",
			[
				"req",
				"-x509",
				"-newkey",
				"ec",
				"-pkeyopt",
				"ec_paramgen_curve:P-256",
				"-nodes",
				"-keyout",
				`${leaf}.key`,
				"-out",
				`${leaf}.pem`,
				"-days",
				"30",
				"-subj",
				`/CN=leaf ${i}`,
			],
			{ stdio: "ignore" },
		);
		const path = `certs/leaf${i}.pem`;
		const pem = readFileSync(`${leaf}.pem`, "utf8");
		if (i % 3 === 0) {
			repo.write(path, damage(pem, (i / 3) % 2));
			damaged.add(path);
		} else {
			repo.write(path, pem);
			intact.add(path);
		}
	}
	for (let i = 0; i < KEYS; i++) {
		const pem = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({
			type: "pkcs8",
			format: "pem",
		}) as string;
		const path = `keys/service${i}.key`;
		if (i % 3 === 1) {
			repo.write(path, damage(pem, i % 2));
			damaged.add(path);
		} else {
			repo.write(path, pem);
			intact.add(path);
		}
	}
	repo.write("README.md", "Test data.\n");
	repo.commit("corpus");
	h = await createScanHarness(dir.path);
}, 120_000);

afterAll(async () => {
	await h.close();
	dir.remove();
});

describe("a GIT Sensor scan of a partly damaged corpus", { timeout: 120_000 }, () => {
	it("ends successful, lists the damaged files as diagnostics and finds every untouched asset", async () => {
		h.startWorker();
		const res = await h.api("POST", "/v3/scan/create", {
			sensorType: "GIT Sensor",
			sensorName: "damaged",
			sensorConfig: { url: repo.url },
		});
		expect(res.status).toBe(200);
		const executionId = res.body.executionId as string;
		const status = await h.waitForFinish(executionId);
		expect(status).toMatchObject({
			status: "successful",
			progress: { filesFailed: damaged.size, filesScanned: CERTIFICATES + KEYS + 1 },
		});
		expect(status.message).toContain(`${damaged.size} files could not be read or parsed`);

		const diagnostics = (await h.api("GET", `/v3/scan/${executionId}/diagnostics?limit=500`)).body;
		const listed = (diagnostics.diagnostics as { path: string; stage: string }[]).map((d) => d.path);
		expect(new Set(listed)).toEqual(damaged);

		const found = new Set<string>();
		for (let cursor: string | null = null, first = true; first || cursor; first = false) {
			const page = (
				await h.api("GET", `/v3/scan/${executionId}/findings?limit=500${cursor ? `&cursor=${cursor}` : ""}`)
			).body;
			for (const finding of page.findings as { observation: { file: { path: string } } }[]) {
				found.add(finding.observation.file.path);
			}
			cursor = page.nextCursor as string | null;
		}
		for (const path of intact) expect(found.has(path), path).toBe(true);
		for (const path of damaged) expect(found.has(path), path).toBe(false);
	});
});
