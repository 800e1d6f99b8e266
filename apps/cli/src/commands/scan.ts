import { readFile } from "node:fs/promises";
import type { Output } from "../output.ts";
import { createScanProgress } from "../progress.ts";
import type { Flags } from "./accounts.ts";

export interface ApiContext {
	flags: Flags;
	out: Output;
}

const TERMINAL = new Set(["successful", "failed"]);

export function flag(ctx: ApiContext, name: string): string | undefined {
	const value = ctx.flags[name];
	return typeof value === "string" && value !== "" ? value : undefined;
}

function required(ctx: ApiContext, name: string): string {
	const value = flag(ctx, name);
	if (!value) ctx.out.fail(`--${name} is required`, 2);
	return value;
}

/** Base URL and token from flags, else SENSORIUM_API_URL / SENSORIUM_API_TOKEN. */
function connection(ctx: ApiContext): { baseUrl: string; token: string } {
	const baseUrl = flag(ctx, "api-url") ?? process.env.SENSORIUM_API_URL ?? "http://localhost:8080";
	const token = flag(ctx, "token") ?? process.env.SENSORIUM_API_TOKEN;
	if (!token) ctx.out.fail("An API token is required: --token or SENSORIUM_API_TOKEN", 2);
	return { baseUrl: baseUrl.replace(/\/+$/, ""), token };
}

export async function call(
	ctx: ApiContext,
	method: string,
	path: string,
	body?: unknown,
): Promise<Record<string, unknown>> {
	const { baseUrl, token } = connection(ctx);
	let res: Response;
	try {
		res = await fetch(`${baseUrl}${path}`, {
			method,
			headers: { "isg-api-token": token, ...(body === undefined ? {} : { "content-type": "application/json" }) },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(30_000),
		});
	} catch (error) {
		ctx.out.fail(`Cannot reach the API at ${baseUrl}: ${(error as Error).message}`);
	}
	const text = await res.text();
	let parsed: Record<string, unknown>;
	try {
		parsed = JSON.parse(text);
	} catch {
		ctx.out.fail(`Unexpected answer from the API (HTTP ${res.status})`);
	}
	if (!res.ok) ctx.out.fail(String(parsed.message ?? `HTTP ${res.status}`));
	return parsed;
}

function labels(ctx: ApiContext): Record<string, string>[] | undefined {
	const raw = flag(ctx, "labels");
	if (!raw) return undefined;
	return raw.split(",").map((pair) => {
		const [key, ...rest] = pair.split("=");
		if (!key || rest.length === 0) ctx.out.fail("--labels takes key=value pairs separated by commas", 2);
		return { [key.trim()]: rest.join("=").trim() };
	});
}

async function sensorConfig(ctx: ApiContext): Promise<Record<string, unknown>> {
	const inline = flag(ctx, "config");
	const file = flag(ctx, "config-file");
	const text = inline ?? (file ? await readFile(file, "utf8") : undefined);
	if (!text) ctx.out.fail("--config JSON or --config-file PATH is required", 2);
	try {
		return JSON.parse(text);
	} catch {
		ctx.out.fail("The sensor config is not valid JSON", 2);
	}
}

export async function scanCreate(ctx: ApiContext) {
	const body: Record<string, unknown> = {
		sensorType: required(ctx, "type"),
		sensorName: required(ctx, "name"),
		sensorConfig: await sensorConfig(ctx),
	};
	if (flag(ctx, "priority")) body.priority = flag(ctx, "priority");
	if (flag(ctx, "callback-id")) body.callbackId = flag(ctx, "callback-id");
	if (ctx.flags.incremental === true) body.incrementalScan = true;
	if (flag(ctx, "auto-resolution-days")) body.autoResolutionInterval = Number(flag(ctx, "auto-resolution-days"));
	const parsedLabels = labels(ctx);
	if (parsedLabels) body.labels = parsedLabels;
	const res = await call(ctx, "POST", "/v3/scan/create", body);
	ctx.out.result(res, `Scan created: sensorId ${res.sensorId}, executionId ${res.executionId}`);
}

export async function scanExecute(ctx: ApiContext) {
	const res = await call(ctx, "POST", "/v3/scan/execute", { sensorId: required(ctx, "sensor") });
	ctx.out.result(res, `Scan started: executionId ${res.executionId}`);
}

function describeStatus(status: Record<string, unknown>): string {
	const progress = status.progress as { filesScanned?: number; bytesScanned?: number } | undefined;
	const parts = [`${status.executionId}: ${status.status}`];
	if (progress)
		parts.push(`${progress.filesScanned ?? 0} files, ${((progress.bytesScanned ?? 0) / 1048576).toFixed(1)} MiB`);
	if (status.errorCode) parts.push(String(status.errorCode));
	parts.push(String(status.message ?? ""));
	return parts.join(" | ");
}

export async function scanStatus(ctx: ApiContext) {
	const res = await call(ctx, "GET", `/v3/scan/${encodeURIComponent(required(ctx, "execution"))}`);
	ctx.out.result(res, describeStatus(res));
}

/** Polls until the execution finishes, with progress on stderr; returns the final status or null on timeout. */
export async function waitForExecution(
	ctx: ApiContext,
	executionId: string,
	options: { intervalMs: number; timeoutMs: number },
): Promise<{ status: Record<string, unknown>; timedOut: boolean }> {
	const progress = ctx.out.json ? null : createScanProgress();
	const deadline = Date.now() + options.timeoutMs;
	for (;;) {
		const status = await call(ctx, "GET", `/v3/scan/${encodeURIComponent(executionId)}`);
		progress?.update(status);
		if (TERMINAL.has(String(status.status)) || Date.now() > deadline) {
			progress?.done();
			return { status, timedOut: !TERMINAL.has(String(status.status)) };
		}
		await new Promise((r) => setTimeout(r, options.intervalMs));
	}
}

/** Exits 0 when successful, 1 when failed and 3 on --timeout, so a CI pipeline can gate on it. */
export async function scanWait(ctx: ApiContext) {
	const executionId = required(ctx, "execution");
	const timeoutMs = Number(flag(ctx, "timeout") ?? 3600) * 1000;
	const { status, timedOut } = await waitForExecution(ctx, executionId, {
		intervalMs: Number(flag(ctx, "interval") ?? 2) * 1000,
		timeoutMs,
	});
	if (timedOut) ctx.out.fail(`Timed out after ${timeoutMs / 1000} s; the execution is still ${status.status}`, 3);
	ctx.out.result(status, describeStatus(status));
	process.exit(status.status === "successful" ? 0 : 1);
}

/** Every page of an execution's findings, as one list. */
export async function scanFindings(ctx: ApiContext) {
	const executionId = required(ctx, "execution");
	const type = flag(ctx, "type");
	const findings: Record<string, unknown>[] = [];
	let cursor: string | null = null;
	do {
		const query = new URLSearchParams({ limit: "500" });
		if (type) query.set("type", type);
		if (cursor) query.set("cursor", cursor);
		const page = await call(ctx, "GET", `/v3/scan/${encodeURIComponent(executionId)}/findings?${query}`);
		findings.push(...(page.findings as Record<string, unknown>[]));
		cursor = (page.nextCursor as string | null) ?? null;
	} while (cursor);
	ctx.out.result(
		{ executionId, findings },
		findings.length === 0
			? "No findings."
			: findings
					.map((f) => {
						const file = (f.observation as { file: { path: string; line: number | null } }).file;
						return `${f.kind}\t${file.path}${file.line ? `:${file.line}` : ""}\t${f.identity}`;
					})
					.join("\n"),
	);
}

/** The CycloneDX CBOM of an execution (--execution) or of a sensor's open findings (--sensor). */
export async function scanCbom(ctx: ApiContext) {
	const execution = flag(ctx, "execution");
	const sensor = flag(ctx, "sensor");
	if (!execution && !sensor) ctx.out.fail("--execution or --sensor is required", 2);
	const path = execution
		? `/v3/scan/${encodeURIComponent(execution)}/cbom`
		: `/v3/sensors/${encodeURIComponent(sensor as string)}/cbom`;
	const cbom = await call(ctx, "GET", path);
	const output = flag(ctx, "output");
	if (output) {
		const { writeFile } = await import("node:fs/promises");
		await writeFile(output, `${JSON.stringify(cbom, null, 2)}\n`);
		const components = (cbom.components as unknown[] | undefined)?.length ?? 0;
		ctx.out.result({ output, components }, `CBOM with ${components} components written to ${output}`);
		return;
	}
	// Without --output the CBOM itself is the one JSON object printed.
	process.stdout.write(`${JSON.stringify(cbom, null, ctx.out.json ? 0 : 2)}\n`);
}
