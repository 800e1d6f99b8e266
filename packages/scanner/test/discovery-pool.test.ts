import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiscoveryPool } from "../src/discovery-pool.ts";
import type { FileReport, ScanOptions } from "../src/file-scan.ts";

// One thread, so that several files are posted to the same thread behind the one it is on: what happens to
// them when that file hangs, kills the thread, or is abandoned decides whether failures are named truthfully.
const KEY = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
const OPTIONS: ScanOptions = { maxFileBytes: 1024 * 1024, scanArchives: false };

let pool: DiscoveryPool;

beforeAll(async () => {
	pool = await DiscoveryPool.start({
		threads: 1,
		fileTimeoutMs: 1_500,
		pipeline: { keystorePasswords: [], analysis: null },
		pipelineModule: new URL("./hostile-pipeline.ts", import.meta.url).href,
	});
});

afterAll(async () => {
	await pool.close();
});

const inspect = (path: string, signal = new AbortController().signal): Promise<FileReport> =>
	pool.inspect(path, { bytes: Buffer.from(String(KEY)) }, OPTIONS, signal);

const outcome = (report: FileReport) =>
	report.diagnostics.length > 0
		? report.diagnostics.map((d) => d.errorClass).join(",")
		: `${report.observations.length} found`;

describe("DiscoveryPool with files posted ahead", () => {
	it("blames a hanging file alone: the files posted behind it are inspected by the replacement thread", async () => {
		const reports = await Promise.all(["a.pem", "hangs.pem", "b.pem", "c.pem", "d.pem"].map((p) => inspect(p)));
		expect(reports.map(outcome)).toEqual(["1 found", "FileTimeLimit", "1 found", "1 found", "1 found"]);
	});

	it("blames the file that killed its thread alone", async () => {
		const reports = await Promise.all(["exits.pem", "b.pem", "c.pem"].map((p) => inspect(p)));
		expect(reports[0]?.diagnostics[0]).toMatchObject({ path: "exits.pem", errorClass: "ThreadExited" });
		expect(reports.slice(1).map(outcome)).toEqual(["1 found", "1 found"]);
	});

	it("drops the report of a file aborted after it was posted, and the time limit of the next stays its own", async () => {
		const abandoned = new AbortController();
		const first = inspect("a.pem");
		const second = inspect("b.pem", abandoned.signal);
		const third = inspect("hangs.pem");
		const fourth = inspect("c.pem");
		abandoned.abort(new Error("execution cancelled"));
		await expect(second).rejects.toThrow("execution cancelled");
		expect(outcome(await first)).toBe("1 found");
		expect((await third).diagnostics[0]).toMatchObject({ path: "hangs.pem", errorClass: "FileTimeLimit" });
		expect(outcome(await fourth)).toBe("1 found");
	});

	it("stops the thread of an abandoned file it is on, and hands the files behind it to the next thread", async () => {
		const abandoned = new AbortController();
		const hanging = inspect("hangs.pem", abandoned.signal);
		const behind = [inspect("a.pem"), inspect("b.pem")];
		setTimeout(() => abandoned.abort(new Error("execution cancelled")), 200);
		await expect(hanging).rejects.toThrow("execution cancelled");
		expect((await Promise.all(behind)).map(outcome)).toEqual(["1 found", "1 found"]);
	});

	it("listens once to an execution's signal however many of its files are in flight, and aborts them all", async () => {
		const warnings: Error[] = [];
		const onWarning = (warning: Error) => warnings.push(warning);
		process.on("warning", onWarning);
		try {
			const execution = new AbortController();
			const finished = await Promise.all(
				Array.from({ length: 30 }, (_, i) => inspect(`many/${i}.pem`, execution.signal).then(outcome)),
			);
			expect(finished).toEqual(Array(30).fill("1 found"));
			const cancelled = Array.from({ length: 30 }, (_, i) =>
				inspect(`more/${i}.pem`, execution.signal).then(outcome, (error: Error) => error.message),
			);
			execution.abort(new Error("execution cancelled"));
			expect(await Promise.all(cancelled)).toContain("execution cancelled");
			await new Promise((resolve) => setImmediate(resolve));
			expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
		} finally {
			process.off("warning", onWarning);
		}
	});

	it("rejects what is waiting when it closes, and nothing is left unsettled", async () => {
		const closing = await DiscoveryPool.start({
			threads: 1,
			fileTimeoutMs: 10_000,
			pipeline: { keystorePasswords: [], analysis: null },
			pipelineModule: new URL("./hostile-pipeline.ts", import.meta.url).href,
		});
		const files = ["hangs.pem", "a.pem", "b.pem", "c.pem", "d.pem"].map((p) =>
			closing.inspect(p, { bytes: Buffer.from(String(KEY)) }, OPTIONS, new AbortController().signal).then(
				(report) => `resolved ${outcome(report)}`,
				(error: Error) => `rejected ${error.message}`,
			),
		);
		await closing.close();
		const settled = await Promise.all(files);
		expect(settled[0]).toBe("resolved ThreadExited");
		expect(settled.slice(1)).toEqual(Array(4).fill("rejected the discovery pool closed"));
	});
});
