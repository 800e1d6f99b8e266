import { type Database, sshHostKeys } from "@sensorium/db";
import type { SshHostKeyStore } from "@sensorium/sensors";
import { eq } from "drizzle-orm";

/** The sensor's pinned ssh host keys in Postgres, so they outlive the execution's scratch directory. */
export function sshHostKeyStore(db: Database, sensorId: string): SshHostKeyStore {
	return {
		async load() {
			const [row] = await db
				.select({ knownHosts: sshHostKeys.knownHosts })
				.from(sshHostKeys)
				.where(eq(sshHostKeys.sensorId, sensorId));
			return row?.knownHosts ?? null;
		},
		async pin(knownHosts) {
			// Two first executions racing: the first pin wins and the second scan's keys are not trusted later.
			await db.insert(sshHostKeys).values({ sensorId, knownHosts }).onConflictDoNothing();
		},
	};
}
