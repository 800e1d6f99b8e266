import { apiTokens, type DbExecutor, organizations, type TokenType, users } from "@sensorium/db";
import { forbidden, notFound, validationError } from "@sensorium/errors";
import { newObjectId } from "@sensorium/ids";
import { hashToken, issueToken, looksLikeToken, sameHash } from "@sensorium/secrets";
import { messages, TOKEN_EXPIRY_DAYS } from "@sensorium/vocabulary";
import { and, desc, eq, isNull, lt, sql } from "drizzle-orm";

export { TOKEN_EXPIRY_DAYS } from "@sensorium/vocabulary";
export type TokenExpiryDays = (typeof TOKEN_EXPIRY_DAYS)[number];

export interface Principal {
	/** Empty for a console session. */
	tokenId: string;
	tokenType: TokenType | "Session";
	/** How the caller authenticated: an isg-api-token, or the console's session cookie. */
	via: "token" | "session";
	userId: string;
	email: string;
	role: "admin" | "user";
	orgId: string;
	/** When the credential stops working by itself (token expiry, or the licence's if sooner); caches honour it. */
	validUntil?: Date;
}

/**
 * Admin Tokens may manage tokens and callback endpoints (only org admins may hold them); in the
 * console, an admin's own session may too.
 */
export function isAdmin(principal: Principal): boolean {
	return principal.role === "admin" && (principal.tokenType === "Admin Token" || principal.via === "session");
}

export interface IssuedApiToken {
	tokenId: string;
	token: string;
	displayPrefix: string;
	expiresAt: Date;
}

export async function issueApiToken(
	db: DbExecutor,
	input: { userId: string; name: string; description?: string | null; type: TokenType; expiresInDays: number },
	now: Date = new Date(),
): Promise<IssuedApiToken> {
	if (!TOKEN_EXPIRY_DAYS.includes(input.expiresInDays as TokenExpiryDays)) {
		throw validationError(messages.invalidTokenExpiry);
	}
	const [user] = await db.select().from(users).where(eq(users.id, input.userId));
	if (!user || user.deletedAt || !user.active) throw notFound("User not found or inactive.");
	if (input.type === "Admin Token" && user.role !== "admin") {
		throw forbidden("Only organization administrators may hold an Admin Token.");
	}
	const issued = issueToken();
	const tokenId = newObjectId(now);
	const expiresAt = new Date(now.getTime() + input.expiresInDays * 86_400_000);
	await db.insert(apiTokens).values({
		id: tokenId,
		userId: user.id,
		orgId: user.orgId,
		name: input.name,
		description: input.description ?? null,
		type: input.type,
		secretHash: issued.hash,
		displayPrefix: issued.displayPrefix,
		expiresAt,
	});
	return { tokenId, token: issued.token, displayPrefix: issued.displayPrefix, expiresAt };
}

// last_used_at is informational; writing it on every request would make each call a write.
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Resolves an isg-api-token to its principal, or null for any reason the spec lists (unknown,
 * expired or revoked token; inactive or deleted user; expired licence). Callers answer every null
 * the same way so the reason does not leak.
 */
export async function authenticate(
	db: DbExecutor,
	token: string | undefined,
	now: Date = new Date(),
): Promise<Principal | null> {
	if (!token || !looksLikeToken(token)) return null;
	const hash = hashToken(token);
	const [row] = await db
		.select({
			tokenId: apiTokens.id,
			tokenType: apiTokens.type,
			secretHash: apiTokens.secretHash,
			expiresAt: apiTokens.expiresAt,
			revokedAt: apiTokens.revokedAt,
			lastUsedAt: apiTokens.lastUsedAt,
			userId: users.id,
			email: users.email,
			role: users.role,
			active: users.active,
			deletedAt: users.deletedAt,
			orgId: organizations.id,
			licenceExpiresAt: organizations.licenceExpiresAt,
		})
		.from(apiTokens)
		.innerJoin(users, eq(users.id, apiTokens.userId))
		.innerJoin(organizations, eq(organizations.id, users.orgId))
		.where(eq(apiTokens.secretHash, hash));
	if (!row || !sameHash(row.secretHash, hash)) return null;
	if (row.revokedAt || row.expiresAt <= now) return null;
	if (!row.active || row.deletedAt) return null;
	if (row.licenceExpiresAt && row.licenceExpiresAt <= now) return null;
	if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
		await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.tokenId));
	}
	return {
		tokenId: row.tokenId,
		tokenType: row.tokenType,
		via: "token",
		userId: row.userId,
		email: row.email,
		role: row.role,
		orgId: row.orgId,
		validUntil: row.licenceExpiresAt && row.licenceExpiresAt < row.expiresAt ? row.licenceExpiresAt : row.expiresAt,
	};
}

export interface TokenSummary {
	tokenId: string;
	name: string;
	description: string | null;
	type: TokenType;
	prefix: string;
	userId: string;
	email: string;
	createdAt: string;
	expiresAt: string;
	lastUsedAt: string | null;
	revokedAt: string | null;
}

/** Never includes the secret or its hash. */
/** The organisation's tokens, newest first, `limit` at a time after `cursor` (the last tokenId of the previous page). */
export async function listTokens(
	db: DbExecutor,
	orgId: string,
	page: { limit: number; cursor?: string | null },
): Promise<{ tokens: TokenSummary[]; nextCursor: string | null }> {
	const rows = await db
		.select({ token: apiTokens, email: users.email })
		.from(apiTokens)
		.innerJoin(users, eq(users.id, apiTokens.userId))
		.where(and(eq(apiTokens.orgId, orgId), page.cursor ? lt(apiTokens.id, page.cursor) : undefined))
		.orderBy(desc(apiTokens.id))
		.limit(page.limit + 1);
	const shown = rows.slice(0, page.limit);
	const nextCursor = rows.length > page.limit ? (shown.at(-1)?.token.id ?? null) : null;
	const tokens = shown.map(({ token, email }) => ({
		tokenId: token.id,
		name: token.name,
		description: token.description,
		type: token.type,
		prefix: token.displayPrefix,
		userId: token.userId,
		email,
		createdAt: token.createdAt.toISOString(),
		expiresAt: token.expiresAt.toISOString(),
		lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
		revokedAt: token.revokedAt?.toISOString() ?? null,
	}));
	return { tokens, nextCursor };
}

/** Revoking twice is harmless; a token of another organisation is "not found". */
export async function revokeToken(
	db: DbExecutor,
	orgId: string,
	tokenId: string,
	now: Date = new Date(),
): Promise<void> {
	const [row] = await db
		.select({ id: apiTokens.id })
		.from(apiTokens)
		.where(and(eq(apiTokens.id, tokenId), eq(apiTokens.orgId, orgId)));
	if (!row) throw notFound("Token not found.");
	await db
		.update(apiTokens)
		.set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, ${now.toISOString()}::timestamptz)` })
		.where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)));
}
