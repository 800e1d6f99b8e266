import { describe, expect, it } from "vitest";
import { CpuMeter, parseMachineStat, parseProcStat } from "../src/index.ts";

describe("parseProcStat", () => {
	it("adds utime and stime, counting fields after the last parenthesis", () => {
		const line = "4242 (node (api) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 731 88 0 0 20 0 11 0 500 0 0";
		expect(parseProcStat(line)).toEqual({ comm: "node (api) x", ticks: 731 + 88 });
	});

	it("rejects a line that is not a stat line", () => {
		expect(parseProcStat("garbage")).toBeNull();
		expect(parseProcStat("1 (x) S")).toBeNull();
	});
});

describe("parseMachineStat", () => {
	it("counts idle and iowait as idle and leaves guest time out of the total", () => {
		const text = "cpu  100 5 20 300 10 1 4 2 50 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n";
		expect(parseMachineStat(text)).toEqual({ busy: 100 + 5 + 20 + 1 + 4 + 2, idle: 310 });
	});
});

describe("CpuMeter", () => {
	it.runIf(process.platform === "linux")("attributes CPU burnt during a phase to the named process", async () => {
		const meter = new CpuMeter({ self: process.pid });
		const { result, cpu } = await meter.measure(async () => {
			const until = Date.now() + 300;
			let spins = 0;
			while (Date.now() < until) spins++;
			return spins;
		});
		expect(result).toBeGreaterThan(0);
		expect(cpu?.named.self).toBeGreaterThan(0.05);
		expect(cpu?.seconds).toBeGreaterThanOrEqual(0.29);
	});
});
