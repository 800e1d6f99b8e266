import { resealEndpointSecrets } from "@sensorium/callback-store";
import { baseEnvSchema, parseEnv, resolveSecretKey } from "@sensorium/config";
import { resealSensorConfigs } from "@sensorium/executions";
import { SecretBox } from "@sensorium/secrets";
import type { CommandContext } from "./accounts.ts";

/**
 * Rewrites every stored secret bound to its row and under the current SENSORIUM_SECRET_KEY: after an
 * upgrade from unbound (v1) envelopes, and after a key rotation (old key in SENSORIUM_PREVIOUS_SECRET_KEYS).
 * Exit 1 while any value is left that no configured key opens.
 */
export async function secretsReseal(ctx: CommandContext) {
	const env = parseEnv(
		baseEnvSchema.pick({ NODE_ENV: true, SENSORIUM_SECRET_KEY: true, SENSORIUM_PREVIOUS_SECRET_KEYS: true }),
	);
	const secret = resolveSecretKey(env);
	if (secret.warning) ctx.out.warn(secret.warning);
	const box = new SecretBox(secret.key, secret.previousKeys);
	const dryRun = ctx.flags["dry-run"] === true;
	const sensors = await resealSensorConfigs(ctx.db, box, { dryRun });
	const callbackEndpoints = await resealEndpointSecrets(ctx.db, box, { dryRun });
	const verb = dryRun ? "would be re-sealed" : "re-sealed";
	const lines = [
		`Sensors: ${sensors.resealed} of ${sensors.examined} ${verb}.`,
		`Callback endpoints: ${callbackEndpoints.resealed} of ${callbackEndpoints.examined} ${verb}.`,
	];
	const unreadable = [...sensors.unreadable, ...callbackEndpoints.unreadable];
	if (unreadable.length > 0) {
		lines.push(
			`Not readable with the configured keys (left as they are; set the key they were sealed with in SENSORIUM_PREVIOUS_SECRET_KEYS): ${unreadable.join(", ")}`,
		);
	}
	ctx.out.result({ keyId: box.keyId, dryRun, sensors, callbackEndpoints }, lines.join("\n"));
	if (unreadable.length > 0) process.exitCode = 1;
}
