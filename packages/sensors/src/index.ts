export {
	type FilesystemSensorConfig,
	filesystemConfigSchema,
	type GitSensorConfig,
	gitConfigSchema,
	isAcceptedGitUrl,
	type SensorConfigOptions,
} from "./config-schemas.ts";
export { type SensorTypeContract, sensorTypeContracts } from "./registry.ts";
