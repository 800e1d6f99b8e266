import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { executions, sensors } from "@sensorium/db";
import { bulkNdjson, indexPrefixProblem } from "@sensorium/opensearch-export";
import { eq } from "drizzle-orm";
import type { CommandContext } from "./accounts.ts";

function option(ctx: CommandContext, name: string): string | undefined {
	const value = ctx.flags[name];
	return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * `export ndjson`: the bulk NDJSON the exporter sends to OpenSearch, for one execution (what its
 * export sends) or every finding of a sensor, to a file (or stdout) that any cluster loads with
 * `curl -H 'content-type: application/x-ndjson' --data-binary @file $OPENSEARCH_URL/_bulk`.
 */
export async function exportNdjson(ctx: CommandContext) {
	const executionId = option(ctx, "execution");
	const sensorId = option(ctx, "sensor");
	if (!executionId === !sensorId) ctx.out.fail("exactly one of --execution or --sensor is required", 2);
	const prefix = option(ctx, "index-prefix") ?? process.env.OPENSEARCH_INDEX_PREFIX ?? "agilesec";
	const problem = indexPrefixProblem(prefix);
	if (problem) ctx.out.fail(`Invalid index prefix "${prefix}": ${problem}`, 2);
	const exists = executionId
		? await ctx.db.select({ id: executions.id }).from(executions).where(eq(executions.id, executionId))
		: await ctx.db
				.select({ id: sensors.id })
				.from(sensors)
				.where(eq(sensors.id, sensorId as string));
	if (exists.length === 0)
		ctx.out.fail(executionId ? `Execution ${executionId} not found.` : `Sensor ${sensorId} not found.`);

	const output = option(ctx, "output");
	const sink = output ? createWriteStream(output) : process.stdout;
	let documents = 0;
	const source = executionId ? { executionId } : { sensorId: sensorId as string };
	for await (const chunk of bulkNdjson(ctx.db, source, prefix)) {
		documents += chunk.split("\n").length >> 1;
		if (!sink.write(chunk)) await once(sink, "drain");
	}
	if (!output) return;
	sink.end();
	await once(sink, "finish");
	ctx.out.result({ output, documents }, `${documents} documents written to ${output}`);
}
