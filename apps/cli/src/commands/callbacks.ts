import { registerCallbackSchema } from "@sensorium/api-contract";
import { deleteEndpoint, listEndpoints, registerEndpoint } from "@sensorium/callback-store";
import { apiEnvSchema, parseEnv, resolveSecretKey } from "@sensorium/config";
import { createNetworkPolicy } from "@sensorium/network-policy";
import { SecretBox } from "@sensorium/secrets";
import type { CommandContext } from "./accounts.ts";

function option(ctx: CommandContext, name: string): string | undefined {
	const value = ctx.flags[name];
	return typeof value === "string" && value !== "" ? value : undefined;
}

function orgId(ctx: CommandContext): string {
	const org = option(ctx, "org");
	if (!org) ctx.out.fail("--org is required", 2);
	return org;
}

/** The same validation, reachability probe and encryption as POST /v3/callbacks. */
/** The endpoint's secret from stdin (`--token-value-stdin`), so it appears in no command line or shell history. */
async function tokenValue(ctx: CommandContext): Promise<string | undefined> {
	if (ctx.flags["token-value-stdin"] !== true) return option(ctx, "token-value");
	if (option(ctx, "token-value") !== undefined) ctx.out.fail("give --token-value or --token-value-stdin, not both", 2);
	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks)
		.toString("utf8")
		.replace(/\r?\n$/, "");
}

export async function callbacksRegister(ctx: CommandContext) {
	const env = parseEnv(
		apiEnvSchema.pick({
			NODE_ENV: true,
			SENSORIUM_SECRET_KEY: true,
			SENSORIUM_PREVIOUS_SECRET_KEYS: true,
			CALLBACK_ALLOWED_NETWORKS: true,
			CALLBACK_TIMEOUT_MS: true,
		}),
	);
	const request = registerCallbackSchema.safeParse({
		name: option(ctx, "name"),
		url: option(ctx, "url"),
		authType: option(ctx, "auth-type"),
		headerName: option(ctx, "header-name"),
		tokenValue: await tokenValue(ctx),
	});
	if (!request.success) ctx.out.fail(request.error.issues[0]?.message ?? "Invalid input.", 2);
	const secret = resolveSecretKey(env);
	const registration = await registerEndpoint(
		{
			db: ctx.db,
			secretBox: new SecretBox(secret.key, secret.previousKeys),
			policy: createNetworkPolicy(env.CALLBACK_ALLOWED_NETWORKS),
			timeoutMs: env.CALLBACK_TIMEOUT_MS,
		},
		orgId(ctx),
		request.data,
	);
	ctx.out.result(
		{ ...registration.endpoint, signingSecret: registration.signingSecret },
		[
			`Callback endpoint ${registration.endpoint.name} registered (callbackId ${registration.endpoint.callbackId}).`,
			`Signing secret (shown once): ${registration.signingSecret}`,
		].join("\n"),
	);
}

export async function callbacksList(ctx: CommandContext) {
	// The operator sees them all: page through what the API hands out 500 at a time.
	const callbacks: Awaited<ReturnType<typeof listEndpoints>>["callbacks"] = [];
	for (let cursor: string | null = null, first = true; first || cursor; first = false) {
		const page = await listEndpoints(ctx.db, orgId(ctx), { limit: 500, cursor });
		callbacks.push(...page.callbacks);
		cursor = page.nextCursor;
	}
	ctx.out.result(
		{ callbacks },
		callbacks.length === 0
			? "No callback endpoints."
			: callbacks.map((c) => `${c.callbackId}  ${c.name}  ${c.url}  (${c.authType})`).join("\n"),
	);
}

export async function callbacksDelete(ctx: CommandContext) {
	const endpointId = option(ctx, "callback");
	if (!endpointId) ctx.out.fail("--callback is required", 2);
	await deleteEndpoint(ctx.db, orgId(ctx), endpointId);
	ctx.out.result({ callbackId: endpointId, deleted: true }, `Callback endpoint ${endpointId} deleted.`);
}
