import { type DbExecutor, sensors } from "@sensorium/db";
import { type ResealReport, type SecretBox, sealedPlace } from "@sensorium/secrets";
import { and, asc, eq, gt } from "drizzle-orm";

const BATCH = 500;

/**
 * Re-seals every sensor's sealed config fields the current way: bound to their sensor and under the
 * current key, so values written before places were bound, or under a previous SENSORIUM_SECRET_KEY,
 * can be retired. Idempotent, and safe beside running processes: a row is rewritten only if its config
 * is still the one that was read, and the same plain values keep opening in between.
 */
export async function resealSensorConfigs(db: DbExecutor, box: SecretBox, options: { dryRun?: boolean } = {}) {
	const report: ResealReport = { examined: 0, resealed: 0, unreadable: [] };
	for (let after = ""; ; ) {
		const rows = await db
			.select({ id: sensors.id, config: sensors.config })
			.from(sensors)
			.where(gt(sensors.id, after))
			.orderBy(asc(sensors.id))
			.limit(BATCH);
		for (const row of rows) {
			report.examined++;
			let next: ReturnType<SecretBox["resealFields"]>;
			try {
				next = box.resealFields(row.config, sealedPlace.sensorConfig(row.id));
			} catch {
				report.unreadable.push(row.id);
				continue;
			}
			if (!next.changed) continue;
			report.resealed++;
			if (options.dryRun) continue;
			await db
				.update(sensors)
				.set({ config: next.record })
				.where(and(eq(sensors.id, row.id), eq(sensors.config, row.config)));
		}
		const last = rows.at(-1);
		if (!last) return report;
		after = last.id;
	}
}
