import { type DbExecutor, sensorTypes } from "@sensorium/db";
import type { SensorTypeContract } from "@sensorium/sensors";
import { eq } from "drizzle-orm";

/**
 * The sensor types this deployment can run: enabled in the database (seeded by migrations) and
 * implemented in code. Loaded once at start-up; lookups are then in memory.
 */
export class SensorTypeRegistry {
	private constructor(private readonly byType: ReadonlyMap<string, SensorTypeContract>) {}

	static async load(db: DbExecutor, contracts: SensorTypeContract[]): Promise<SensorTypeRegistry> {
		const enabled = await db.select({ type: sensorTypes.type }).from(sensorTypes).where(eq(sensorTypes.enabled, true));
		const names = new Set(enabled.map((row) => row.type));
		return new SensorTypeRegistry(
			new Map(contracts.filter((c) => names.has(c.sensorType)).map((c) => [c.sensorType, c])),
		);
	}

	get(sensorType: string): SensorTypeContract | undefined {
		return this.byType.get(sensorType);
	}

	types(): string[] {
		return [...this.byType.keys()];
	}
}
