import { callbackEndpoints, type DbExecutor } from "@sensorium/db";
import { type ResealReport, type SecretBox, sealedPlace } from "@sensorium/secrets";
import { and, asc, eq, gt, isNull } from "drizzle-orm";

const BATCH = 500;

/**
 * Re-seals every callback endpoint's token and signing secret the current way (bound to the endpoint,
 * under the current key), deleted endpoints included. A row is rewritten only if both values are
 * still the ones read, so a token rotated meanwhile is never overwritten with the old one.
 */
export async function resealEndpointSecrets(db: DbExecutor, box: SecretBox, options: { dryRun?: boolean } = {}) {
	const report: ResealReport = { examined: 0, resealed: 0, unreadable: [] };
	for (let after = ""; ; ) {
		const rows = await db
			.select({
				id: callbackEndpoints.id,
				token: callbackEndpoints.tokenSealed,
				signingSecret: callbackEndpoints.signingSecretSealed,
			})
			.from(callbackEndpoints)
			.where(gt(callbackEndpoints.id, after))
			.orderBy(asc(callbackEndpoints.id))
			.limit(BATCH);
		for (const row of rows) {
			report.examined++;
			let token: string | null;
			let signingSecret: string;
			try {
				token = row.token === null ? null : box.reseal(row.token, sealedPlace.callbackToken(row.id));
				signingSecret = box.reseal(row.signingSecret, sealedPlace.callbackSigningSecret(row.id));
			} catch {
				report.unreadable.push(row.id);
				continue;
			}
			if (token === row.token && signingSecret === row.signingSecret) continue;
			report.resealed++;
			if (options.dryRun) continue;
			await db
				.update(callbackEndpoints)
				.set({ tokenSealed: token, signingSecretSealed: signingSecret })
				.where(
					and(
						eq(callbackEndpoints.id, row.id),
						row.token === null ? isNull(callbackEndpoints.tokenSealed) : eq(callbackEndpoints.tokenSealed, row.token),
						eq(callbackEndpoints.signingSecretSealed, row.signingSecret),
					),
				);
		}
		const last = rows.at(-1);
		if (!last) return report;
		after = last.id;
	}
}
