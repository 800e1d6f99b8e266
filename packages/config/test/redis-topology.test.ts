import { describe, expect, it } from "vitest";
import { baseEnvSchema, ConfigError, parseEnv, redisTopology } from "../src/index.ts";

const topology = (env: Record<string, string>) => redisTopology(parseEnv(baseEnvSchema, env));

describe("redisTopology", () => {
	it("is a single server at REDIS_URL by default", () => {
		expect(topology({})).toEqual({ mode: "standalone", url: "redis://127.0.0.1:6379", tls: false });
	});

	it("reads cluster nodes, IPv6 in brackets included, with credentials and TLS for every node", () => {
		expect(
			topology({
				REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis-b:7001,[::1]:7002",
				REDIS_USERNAME: "sensorium",
				REDIS_PASSWORD: "s3cret",
				REDIS_TLS: "true",
			}),
		).toEqual({
			mode: "cluster",
			nodes: [
				{ host: "10.0.0.1", port: 7000 },
				{ host: "redis-b", port: 7001 },
				{ host: "::1", port: 7002 },
			],
			username: "sensorium",
			password: "s3cret",
			tls: true,
		});
	});

	it("reads sentinels and the master name", () => {
		expect(topology({ REDIS_SENTINELS: "s1:26379,s2:26379", REDIS_SENTINEL_NAME: "mymaster" })).toEqual({
			mode: "sentinel",
			sentinels: [
				{ host: "s1", port: 26379 },
				{ host: "s2", port: 26379 },
			],
			masterName: "mymaster",
			tls: false,
		});
	});

	it.each([
		[{ REDIS_SENTINELS: "s1:26379" }, "REDIS_SENTINEL_NAME: required with REDIS_SENTINELS"],
		[{ REDIS_CLUSTER_NODES: "a:1", REDIS_SENTINELS: "b:2" }, "REDIS_CLUSTER_NODES: cannot be combined"],
		[{ REDIS_CLUSTER_NODES: "a" }, "REDIS_CLUSTER_NODES: must be host:port entries"],
		[{ REDIS_CLUSTER_NODES: "a:0" }, "REDIS_CLUSTER_NODES: must be host:port entries"],
		[{ REDIS_SENTINELS: "s1:99999", REDIS_SENTINEL_NAME: "m" }, "REDIS_SENTINELS: must be host:port entries"],
	])("fails naming the variable: %o", (env, message) => {
		expect(() => topology(env)).toThrow(ConfigError);
		expect(() => topology(env)).toThrow(message);
	});
});
