import type { z } from "zod";
import {
	artifactoryConfigSchema,
	bitbucketConfigSchema,
	containerConfigSchema,
	filesystemConfigSchema,
	gitConfigSchema,
	githubConfigSchema,
	gitlabConfigSchema,
	type SensorConfigOptions,
} from "./config-schemas.ts";

/** What the API needs to know about a sensor type at create time. */
export interface SensorTypeContract {
	sensorType: string;
	errorNamespace: string;
	configSchema: z.ZodType<Record<string, unknown>>;
	/** Config keys sealed with SENSORIUM_SECRET_KEY at rest and never returned by any endpoint. */
	secretKeys: readonly string[];
}

export function sensorTypeContracts(options: SensorConfigOptions): SensorTypeContract[] {
	return [
		{
			sensorType: "GIT Sensor",
			errorNamespace: "GIT",
			configSchema: gitConfigSchema(options),
			secretKeys: ["password", "token", "ssh_private_key"],
		},
		{
			sensorType: "Filesystem Sensor",
			errorNamespace: "FS",
			configSchema: filesystemConfigSchema(options),
			secretKeys: [],
		},
		{
			sensorType: "Artifactory Sensor",
			errorNamespace: "ARTIFACTORY",
			configSchema: artifactoryConfigSchema(options),
			secretKeys: ["access_token", "password"],
		},
		...["GitHub Sensor", "Github Sensor"].map((sensorType) => ({
			sensorType,
			errorNamespace: "GITHUB",
			configSchema: githubConfigSchema(options),
			secretKeys: ["token"],
		})),
		...["GitLab Sensor", "Gitlab Sensor"].map((sensorType) => ({
			sensorType,
			errorNamespace: "GITLAB",
			configSchema: gitlabConfigSchema(options),
			secretKeys: ["token"],
		})),
		{
			sensorType: "Bitbucket Sensor",
			errorNamespace: "BITBUCKET",
			configSchema: bitbucketConfigSchema(options),
			secretKeys: ["token", "password"],
		},
		{
			sensorType: "Container Sensor",
			errorNamespace: "CONTAINER",
			configSchema: containerConfigSchema(options),
			secretKeys: ["password", "token"],
		},
	];
}
