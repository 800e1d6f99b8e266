import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { z } from "zod";
import {
	apiEnvSchema,
	type baseEnvSchema,
	dispatcherEnvSchema,
	parseEnv,
	resolveSecretKey,
	workerEnvSchema,
} from "../src/index.ts";

// No Docker engine here: the compose file is checked structurally, against the Compose
// specification's shape and against the environment each process actually parses.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const compose = parse(readFileSync(`${root}docker-compose.yml`, "utf8"), { merge: true }) as {
	services: Record<string, Service>;
	volumes: Record<string, unknown>;
};
const dockerfile = readFileSync(`${root}Dockerfile`, "utf8");

interface Service {
	image?: string;
	build?: { context: string; target: string };
	command?: string[];
	environment?: Record<string, string>;
	depends_on?: Record<string, { condition: string }>;
	healthcheck?: { test: string[] };
	ports?: string[];
	container_name?: string;
	restart?: string;
	deploy?: { resources?: { limits?: { memory?: string } } };
}

const APPS: Record<string, z.ZodObject> = {
	api: apiEnvSchema,
	worker: workerEnvSchema,
	dispatcher: dispatcherEnvSchema,
};
const service = (name: string) => compose.services[name] as Service;
/** Compose interpolation `${VAR:?message}` is filled in by the operator's .env. */
// As compose does with a .env holding only SENSORIUM_SECRET_KEY: `${VAR:-default}` takes its default.
const interpolate = (value: string) =>
	value
		.replace(/^\$\{SENSORIUM_SECRET_KEY:\?[^}]*\}$/, Buffer.alloc(32, 1).toString("base64"))
		.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, "$1");

describe("docker-compose.yml", () => {
	it("has the dependencies, the one-shot migrate and the apps", () => {
		expect(Object.keys(compose.services).sort()).toEqual([
			"api",
			"dispatcher",
			// Only with `--profile opensearch`: the exporter exits at once without OPENSEARCH_URL.
			"exporter",
			"migrate",
			"postgres",
			"redis",
			"worker",
		]);
		expect(Object.keys(compose.volumes).sort()).toEqual(["postgres-data", "redis-data"]);
	});

	it("runs Redis without eviction and with AOF, as BullMQ needs", () => {
		const command = service("redis").command?.join(" ") ?? "";
		expect(command).toContain("--maxmemory-policy noeviction");
		expect(command).toContain("--appendonly yes");
	});

	it("gives every long-running service a healthcheck, a memory limit and a restart policy", () => {
		for (const name of ["postgres", "redis", "api", "worker", "dispatcher", "exporter"]) {
			expect(service(name).healthcheck?.test.length, name).toBeGreaterThan(0);
			expect(service(name).deploy?.resources?.limits?.memory, name).toMatch(/^\d+[mg]$/);
			expect(service(name).restart, name).toBe("unless-stopped");
		}
		expect(service("migrate").restart).toMatch(/^on-failure/);
	});

	it("starts the apps only after a successful migration on healthy Postgres and Redis", () => {
		expect(service("migrate").depends_on).toEqual({ postgres: { condition: "service_healthy" } });
		for (const name of Object.keys(APPS)) {
			expect(service(name).depends_on, name).toEqual({
				postgres: { condition: "service_healthy" },
				redis: { condition: "service_healthy" },
				migrate: { condition: "service_completed_successfully" },
			});
		}
	});

	it("builds each role from a target of the Dockerfile", () => {
		const targets = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
		for (const name of ["migrate", ...Object.keys(APPS)]) {
			expect(service(name).build?.target, name).toBe(name);
			expect(targets).toContain(name);
		}
	});

	it("keeps the worker scalable: no fixed name and no host port", () => {
		expect(service("worker").container_name).toBeUndefined();
		expect(service("worker").ports).toBeUndefined();
	});

	it.each(Object.entries(APPS))("sets only variables %s reads, and every one it needs", (name, schema) => {
		const environment = service(name).environment ?? {};
		for (const key of Object.keys(environment)) expect(Object.keys(schema.shape), `${name}: ${key}`).toContain(key);
		const env = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, interpolate(String(v))]));
		const parsed = parseEnv(schema, env) as z.infer<typeof baseEnvSchema>;
		expect(parsed.NODE_ENV).toBe("production");
		expect(() => resolveSecretKey(parsed)).not.toThrow();
	});

	it("migrates with the same database as the apps", () => {
		const url = service("migrate").environment?.DATABASE_URL;
		for (const name of Object.keys(APPS)) expect(service(name).environment?.DATABASE_URL).toBe(url);
	});
});

describe("Dockerfile", () => {
	it("runs every role as a non-root user with a healthcheck for the servers", () => {
		expect(dockerfile).toMatch(/^USER node$/m);
		for (const target of ["api", "worker", "dispatcher"]) {
			const stage = dockerfile.split(/^FROM /m).find((s) => s.includes(` AS ${target}\n`)) ?? "";
			expect(stage, target).toContain("HEALTHCHECK");
			expect(stage, target).toMatch(/CMD \["node", "--enable-source-maps", "\w+\.mjs"\]/);
		}
	});
});

describe("deploy/kubernetes", () => {
	const dir = `${root}deploy/kubernetes/`;
	// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML walked by the assertions below
	type Manifest = Record<string, any>;
	const docs = (file: string) =>
		parseAllDocuments(readFileSync(`${dir}${file}`, "utf8")).map((d) => d.toJS() as Manifest);
	const kustomization = parse(readFileSync(`${dir}kustomization.yaml`, "utf8")) as { resources: string[] };
	const all = kustomization.resources.flatMap(docs);

	it("has the migration Job, Deployments with probes, the Service and worker autoscaling", () => {
		const kinds = all.map((d) => `${d.kind}/${d.metadata.name}`).sort();
		expect(kinds).toEqual([
			"ConfigMap/sensorium-config",
			"Deployment/sensorium-api",
			"Deployment/sensorium-dispatcher",
			"Deployment/sensorium-worker",
			"Job/sensorium-migrate",
			"ScaledObject/sensorium-worker",
			"Service/sensorium-api",
		]);
		for (const deployment of all.filter((d) => d.kind === "Deployment")) {
			const [container] = deployment.spec.template.spec.containers;
			expect(container.readinessProbe.httpGet.path, deployment.metadata.name).toBe("/readyz");
			expect(container.livenessProbe.httpGet.path, deployment.metadata.name).toBe("/healthz");
			expect(container.resources.limits.memory, deployment.metadata.name).toBeTruthy();
			expect(container.envFrom).toEqual([
				{ configMapRef: { name: "sensorium-config" } },
				{ secretRef: { name: "sensorium-secrets" } },
			]);
		}
	});

	it("configures only variables the processes read, and keeps secrets out of the ConfigMap", () => {
		const known = new Set([
			...Object.keys(apiEnvSchema.shape),
			...Object.keys(workerEnvSchema.shape),
			...Object.keys(dispatcherEnvSchema.shape),
		]);
		const config = all.find((d) => d.kind === "ConfigMap")?.data as Record<string, string>;
		for (const key of Object.keys(config)) expect(known, key).toContain(key);
		for (const secret of ["DATABASE_URL", "REDIS_URL", "SENSORIUM_SECRET_KEY"])
			expect(config).not.toHaveProperty(secret);
		const example = docs("secret.example.yaml")[0]?.stringData as Record<string, string>;
		expect(Object.keys(example).sort()).toEqual(["DATABASE_URL", "REDIS_URL", "SENSORIUM_SECRET_KEY"]);
		for (const deployment of all.filter((d) => d.kind === "Deployment")) {
			for (const { name } of deployment.spec.template.spec.containers[0].env ?? []) expect(known, name).toContain(name);
		}
	});

	it("scales workers on the queue depth the API exports", () => {
		const scaled = all.find((d) => d.kind === "ScaledObject");
		expect(scaled?.spec.scaleTargetRef.name).toBe("sensorium-worker");
		expect(scaled?.spec.triggers[0].metadata.query).toContain('sensorium_queue_jobs{queue="executions"');
	});
});
