import {
	bootstrapOrganization,
	createUser,
	deactivateUser,
	findUserByEmail,
	issueApiToken,
	revokeToken,
	setLicenceExpiry,
	setOneTimePassword,
	setPassword,
	TOKEN_EXPIRY_DAYS,
} from "@sensorium/accounts";
import { type Database, migrateDatabase } from "@sensorium/db";
import type { AuthInvalidation } from "@sensorium/queue";
import type { Output } from "../output.ts";

export type Flags = Record<string, string | boolean | undefined>;

export interface CommandContext {
	db: Database;
	databaseUrl: string;
	flags: Flags;
	out: Output;
	/** Tells running API replicas to forget cached tokens the change affects; never fails the command. */
	announceAuthChange(change: AuthInvalidation): Promise<void>;
}

function required(ctx: CommandContext, name: string): string {
	const value = ctx.flags[name];
	if (typeof value !== "string" || value === "") ctx.out.fail(`--${name} is required`, 2);
	return value;
}

function optional(ctx: CommandContext, name: string): string | undefined {
	const value = ctx.flags[name];
	return typeof value === "string" && value !== "" ? value : undefined;
}

async function resolveUserId(ctx: CommandContext): Promise<string> {
	const userId = optional(ctx, "user");
	if (userId) return userId;
	const email = optional(ctx, "email");
	if (!email) ctx.out.fail("--user or --email is required", 2);
	const user = await findUserByEmail(ctx.db, email);
	if (!user) ctx.out.fail(`No user with email ${email}`);
	return user.id;
}

export async function bootstrap(ctx: CommandContext) {
	const org = required(ctx, "org");
	const email = required(ctx, "email");
	// A fresh install has no tables yet; migrating is idempotent and locked.
	await migrateDatabase(ctx.databaseUrl);
	const result = await bootstrapOrganization(ctx.db, { orgName: org, email, domain: optional(ctx, "domain") ?? null });
	const oneTimePassword = await setOneTimePassword(ctx.db, result.userId);
	ctx.out.result(
		{ orgId: result.orgId, userId: result.userId, tokenId: result.tokenId, token: result.token, oneTimePassword },
		[
			`Organization ${org} created (orgId ${result.orgId}).`,
			`Admin user ${email} (userId ${result.userId}).`,
			`Admin Token (tokenId ${result.tokenId}, expires ${result.expiresAt.toISOString()}):`,
			"",
			`  ${result.token}`,
			"",
			"Copy it now: it will not be shown again.",
			"",
			`Console password for ${email} (change it with \`sensorium users set-password\`): ${oneTimePassword}`,
		].join("\n"),
	);
}

/** Reads the new password from standard input, never from the command line (shell history, ps). */
export async function usersSetPassword(ctx: CommandContext) {
	const userId = await resolveUserId(ctx);
	if (ctx.flags["password-stdin"] !== true) ctx.out.fail("--password-stdin is required: pipe the password in", 2);
	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
	const password = Buffer.concat(chunks)
		.toString("utf8")
		.replace(/\r?\n$/, "");
	await setPassword(ctx.db, userId, password);
	ctx.out.result({ userId, passwordSet: true }, `Password set for ${userId}; the user's console sessions were ended.`);
}

export async function usersCreate(ctx: CommandContext) {
	const role = optional(ctx, "role") ?? "user";
	if (role !== "admin" && role !== "user") ctx.out.fail("--role must be admin or user", 2);
	const { userId } = await createUser(ctx.db, { orgId: required(ctx, "org"), email: required(ctx, "email"), role });
	ctx.out.result({ userId }, `User created (userId ${userId}).`);
}

export async function usersDeactivate(ctx: CommandContext) {
	const userId = await resolveUserId(ctx);
	await deactivateUser(ctx.db, userId);
	await ctx.announceAuthChange({ scope: "user", userId });
	ctx.out.result({ userId, active: false }, `User ${userId} deactivated.`);
}

export async function tokensCreate(ctx: CommandContext) {
	const type = optional(ctx, "type") ?? "API Token";
	if (type !== "API Token" && type !== "Admin Token") ctx.out.fail('--type must be "API Token" or "Admin Token"', 2);
	const days = Number(optional(ctx, "expires-in-days") ?? 90);
	if (!TOKEN_EXPIRY_DAYS.includes(days as 90))
		ctx.out.fail(`--expires-in-days must be one of ${TOKEN_EXPIRY_DAYS.join(", ")}`, 2);
	const issued = await issueApiToken(ctx.db, {
		userId: await resolveUserId(ctx),
		name: required(ctx, "name"),
		description: optional(ctx, "description") ?? null,
		type,
		expiresInDays: days,
	});
	ctx.out.result(
		{
			tokenId: issued.tokenId,
			token: issued.token,
			prefix: issued.displayPrefix,
			expiresAt: issued.expiresAt.toISOString(),
		},
		`Token ${issued.tokenId} (expires ${issued.expiresAt.toISOString()}):\n\n  ${issued.token}\n\nCopy it now: it will not be shown again.`,
	);
}

export async function tokensRevoke(ctx: CommandContext) {
	const tokenId = required(ctx, "token");
	await revokeToken(ctx.db, required(ctx, "org"), tokenId);
	await ctx.announceAuthChange({ scope: "token", tokenId });
	ctx.out.result({ tokenId, revoked: true }, `Token ${tokenId} revoked.`);
}

export async function orgsSetLicence(ctx: CommandContext) {
	const orgId = required(ctx, "org");
	const raw = required(ctx, "expires");
	const expiresAt = raw === "never" ? null : new Date(raw);
	if (expiresAt && Number.isNaN(expiresAt.getTime())) ctx.out.fail("--expires must be an ISO 8601 date or 'never'", 2);
	await setLicenceExpiry(ctx.db, orgId, expiresAt);
	await ctx.announceAuthChange({ scope: "org", orgId });
	ctx.out.result(
		{ orgId, licenceExpiresAt: expiresAt?.toISOString() ?? null },
		`Licence of ${orgId} ${expiresAt ? `expires ${expiresAt.toISOString()}` : "never expires"}.`,
	);
}
