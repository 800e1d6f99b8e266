export { artifactorySensor } from "./artifactory/artifactory-sensor.ts";
export { bitbucketSensor } from "./bitbucket/bitbucket-sensor.ts";
export {
	type ArtifactorySensorConfig,
	artifactoryConfigSchema,
	type BitbucketSensorConfig,
	bitbucketConfigSchema,
	type ContainerSensorConfig,
	containerConfigSchema,
	type FilesystemSensorConfig,
	filesystemConfigSchema,
	type GitHubSensorConfig,
	type GitLabSensorConfig,
	type GitSensorConfig,
	gitConfigSchema,
	githubConfigSchema,
	gitlabConfigSchema,
	isAcceptedGitUrl,
	type SensorConfigOptions,
} from "./config-schemas.ts";
export { containerSensor } from "./container/container-sensor.ts";
export { filesystemSensor } from "./filesystem/filesystem-sensor.ts";
export { DEFAULT_MAX_FILE_SIZE_MB } from "./filters.ts";
export { gitSensor } from "./git/git-sensor.ts";
export { githubSensor } from "./github/github-sensor.ts";
export { gitlabSensor } from "./gitlab/gitlab-sensor.ts";
export { sensorImplementations } from "./implementations.ts";
export { redactSecrets } from "./redact.ts";
export { type SensorTypeContract, sensorTypeContracts } from "./registry.ts";
export {
	type ExecutionCheckpoint,
	type FilesystemRoot,
	type LayerCache,
	type Sensor,
	SensorError,
	type SensorRunContext,
	type SensorSettings,
	type SensorSnapshot,
	type SourceDiagnostic,
	type SourceFile,
	type SshHostKeyStore,
} from "./sensor.ts";
