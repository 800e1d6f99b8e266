import { randomBytes } from "node:crypto";

export {
	ArtifactoryContractServer,
	type ArtifactoryServerOptions,
	type ContractRepository,
	type Fault,
	type Principal,
	parseAql,
	type RecordedRequest,
} from "./artifactory-server.ts";
export { CpuMeter, type CpuUsage, parseMachineStat, parseProcStat } from "./cpu-meter.ts";
export {
	createMigratedDatabase,
	createTestDatabase,
	databaseUrl,
	type TestDatabase,
	withAdminClient,
} from "./postgres.ts";
export { type SeededText, SYNTHETIC_WORDS, seededText } from "./synthetic.ts";

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A BullMQ prefix no other test file uses, so files can share one Redis. */
export function uniqueQueuePrefix(label = "t"): string {
	return `sensorium-test-${label}-${randomBytes(5).toString("hex")}`;
}
export { BitbucketContractServer, type BitbucketRateLimit } from "./bitbucket-server.ts";
export {
	type Compression,
	compress,
	type Descriptor,
	MEDIA,
	type PushedLayer,
	REGISTRY_PUSHER,
	type RegistryAuth,
	type TarEntrySpec,
	TestRegistry,
	tarOf,
} from "./container-registry.ts";
export { BareRepositories, isolatedGitEnv, serveGitHttp } from "./git-http.ts";
export { GitHubContractServer, type GitHubRateLimit, type GitHubRepositoryOptions } from "./github-server.ts";
export { GitLabContractServer, type GitLabProjectOptions, type GitLabRateLimit } from "./gitlab-server.ts";
export { legacyV1Envelope } from "./legacy-secrets.ts";
export {
	type BulkLogEntry,
	invalidIndexReason,
	type OpenSearchContractServer,
	startOpenSearchContractServer,
} from "./opensearch-server.ts";
export {
	type PgBouncer,
	type PrivatePostgres,
	startPgBouncer,
	startPrivatePostgres,
	waitForPort,
} from "./postgres-servers.ts";
export {
	freePorts,
	type RedisCluster,
	type RedisNodeAddress,
	type RedisSentinelSetup,
	type RedisServers,
	startRedisCluster,
	startRedisSentinels,
} from "./redis-servers.ts";
export { type ProxiedRequest, RegistryProxy } from "./registry-proxy.ts";
