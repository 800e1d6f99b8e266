// npm run bench:export — finding documents per second from Postgres to the OpenSearch contract
// server on loopback through a real exporter process, with the exporter's CPU per document.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { bootstrapOrganization } from "@sensorium/accounts";
import { createDatabase, executionFindings, executions, findingExports, findings, sensors } from "@sensorium/db";
import { newObjectId } from "@sensorium/ids";
import { createProducerConnection, ExportQueue } from "@sensorium/queue";
import { CpuMeter, createMigratedDatabase, startOpenSearchContractServer } from "@sensorium/testing";
import { eq, sql } from "drizzle-orm";

const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 50);
const PER_EXECUTION = Number(process.env.BENCH_FINDINGS ?? 1000);
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const root = fileURLToPath(new URL("../../..", import.meta.url));
const prefix = `sensorium-bench-${randomBytes(4).toString("hex")}`;

const scratch = await createMigratedDatabase("bench_export", ADMIN_URL);
const database = createDatabase(scratch.url, { max: 5 });
const redis = createProducerConnection(REDIS_URL);
const queue = new ExportQueue(redis, prefix);
const server = await startOpenSearchContractServer();
const boot = await bootstrapOrganization(database.db, {
	orgName: "Bench",
	email: "bench@bench.test",
	domain: "bench.example",
});

const LABELS: Record<string, string>[] = [{ team: "platform" }, { env: "prod" }];
const sensorId = newObjectId();
await database.db.insert(sensors).values({
	id: sensorId,
	orgId: boot.orgId,
	name: "bench",
	type: "GIT Sensor",
	config: { url: "https://git.bench.test/r.git" },
	priority: "low",
	labels: LABELS,
	createdBy: boot.userId,
});

/** A certificate finding shaped like discovery's (about 1 KB of JSON). */
function certificate(n: number) {
	const hex = (bytes: number) => randomBytes(bytes).toString("hex");
	return {
		x509: {
			subject: `CN=svc-${n}.bench.example, O=Bench, C=GB`,
			issuer: "CN=Bench Issuing CA 2, O=Bench, C=GB",
			serialNumber: hex(16),
			notValidBefore: "2026-01-01T00:00:00.000Z",
			notValidAfter: "2027-01-01T00:00:00.000Z",
			signatureAlgorithm: "sha256WithRSAEncryption",
			publicKey: { algorithm: "RSA", size: 2048, sha256: hex(32) },
			sha256: hex(32),
			sha1: hex(20),
			selfSigned: false,
			subjectAltNames: [`DNS:svc-${n}.bench.example`, `DNS:svc-${n}.internal`],
			keyUsage: ["digitalSignature", "keyEncipherment"],
			extendedKeyUsage: ["serverAuth"],
		},
	};
}

const analysis = {
	priority: "medium",
	reasons: [{ rule: "quantum-vulnerable", priority: "medium", message: "RSA is vulnerable to a quantum computer" }],
};

const exportIds: string[] = [];
for (let e = 0; e < EXECUTIONS; e++) {
	const executionId = newObjectId();
	await database.db.insert(executions).values({
		id: executionId,
		sensorId,
		orgId: boot.orgId,
		status: "successful",
		message: "Scan completed.",
		priority: "low",
		ranBy: boot.userId,
		startedAt: new Date(),
		finishedAt: new Date(),
		labels: LABELS,
	});
	const rows = Array.from({ length: PER_EXECUTION }, (_, i) => {
		const n = e * PER_EXECUTION + i;
		return {
			id: newObjectId(),
			orgId: boot.orgId,
			sensorId,
			kind: "x509",
			identity: `x509:${randomBytes(32).toString("hex")}`,
			path: `services/svc-${n % 200}/config/tls/cert-${n}.pem`,
			line: 1,
			crypto: certificate(n),
			analysis,
			labels: LABELS,
			firstSeenExecutionId: executionId,
			lastSeenExecutionId: executionId,
		};
	});
	for (let i = 0; i < rows.length; i += 500) {
		const batch = rows.slice(i, i + 500);
		await database.db.insert(findings).values(batch);
		await database.db
			.insert(executionFindings)
			.values(batch.map((r) => ({ executionId, findingId: r.id, kind: r.kind })));
	}
	const exportId = newObjectId();
	await database.db.insert(findingExports).values({ id: exportId, orgId: boot.orgId, sensorId, executionId });
	exportIds.push(exportId);
}
await database.db.execute(sql`analyze`);
const total = EXECUTIONS * PER_EXECUTION;

let output = "";
const exporter = spawn(process.execPath, ["--import", "tsx", "apps/exporter/src/main.ts"], {
	cwd: root,
	env: {
		...process.env,
		DATABASE_URL: scratch.url,
		REDIS_URL,
		QUEUE_PREFIX: prefix,
		OPENSEARCH_URL: server.url,
		EXPORTER_HEALTH_PORT: "0",
		LOG_LEVEL: "warn",
	},
	stdio: ["ignore", "pipe", "inherit"],
});
exporter.stdout?.on("data", (d) => {
	output += d;
});
// Let it connect to Redis and Postgres first, so start-up is not measured.
await new Promise((r) => setTimeout(r, 3_000));

const meter = new CpuMeter({ exporter: exporter.pid as number, "contract server": process.pid });
try {
	const { result: seconds, cpu } = await meter.measure(async () => {
		const started = performance.now();
		for (const id of exportIds) await queue.enqueueExport(id, 0);
		const deadline = Date.now() + 600_000;
		for (;;) {
			const [row] = await database.db
				.select({ done: sql<number>`count(*)::int` })
				.from(findingExports)
				.where(eq(findingExports.state, "done"));
			if ((row?.done ?? 0) === EXECUTIONS) break;
			if (Date.now() > deadline) throw new Error(`timed out; exporter said: ${output}`);
			await new Promise((r) => setTimeout(r, 20));
		}
		return (performance.now() - started) / 1000;
	});
	const stored = [...server.indices.values()].reduce((n, index) => n + index.docs.size, 0);
	if (stored !== total) throw new Error(`contract server holds ${stored} documents, expected ${total}`);
	console.log("\nResults");
	console.log(
		`  ${total} documents (${EXECUTIONS} exports × ${PER_EXECUTION}) in ${seconds.toFixed(2)} s: ${(total / seconds).toFixed(0)} documents/s`,
	);
	if (cpu) {
		const perDoc = (s: number) => ((s * 1_000_000) / total).toFixed(1);
		console.log(
			`  CPU per document: exporter ${perDoc(cpu.named.exporter ?? 0)} µs, contract server ${perDoc(cpu.named["contract server"] ?? 0)} µs, Postgres ${perDoc(cpu.postgres)} µs, Redis ${perDoc(cpu.redis)} µs; machine ${(cpu.machineIdle * 100).toFixed(0)} % idle`,
		);
	}
} finally {
	exporter.kill("SIGTERM");
	await new Promise((r) => exporter.once("exit", r));
	await server.close();
	await queue.queue.obliterate({ force: true }).catch(() => {});
	await queue.close();
	redis.disconnect();
	await database.close();
	await scratch.drop();
}
