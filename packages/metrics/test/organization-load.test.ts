import { describe, expect, it } from "vitest";
import { organizationLoadMetrics, Registry } from "../src/index.ts";

async function samples(registry: Registry): Promise<Record<string, number>> {
	const metric = await registry.getSingleMetric("sensorium_org_executions")?.get();
	return Object.fromEntries((metric?.values ?? []).map((v) => [`${v.labels.org}/${v.labels.state}`, v.value]));
}

describe("organizationLoadMetrics", () => {
	it("labels the busiest organisations and sums the rest as other, so tenants cannot grow the series", async () => {
		const registry = new Registry();
		const loads = Array.from({ length: 5 }, (_, i) => ({ orgId: `org${i}`, queued: i * 10, running: i }));
		organizationLoadMetrics(registry, async () => loads, 3);
		expect(await samples(registry)).toEqual({
			"org4/queued": 40,
			"org4/running": 4,
			"org3/queued": 30,
			"org3/running": 3,
			"org2/queued": 20,
			"org2/running": 2,
			"other/queued": 10,
			"other/running": 1,
		});
	});

	it("reports nothing rather than failing the scrape when the source fails", async () => {
		const registry = new Registry();
		organizationLoadMetrics(registry, () => Promise.reject(new Error("database down")));
		expect(await samples(registry)).toEqual({});
	});
});
