import { generateSigningSecret, sendCallback } from "@sensorium/callbacks";
import { callbackEndpoints, type DbExecutor } from "@sensorium/db";
import { notFound, validationError } from "@sensorium/errors";
import { newObjectId } from "@sensorium/ids";
import type { NetworkPolicy } from "@sensorium/network-policy";
import { type SecretBox, sealedPlace } from "@sensorium/secrets";
import { type CallbackAuthType, messages } from "@sensorium/vocabulary";
import { and, desc, eq, isNull, lt } from "drizzle-orm";

export type { CallbackAuthType } from "@sensorium/vocabulary";

/** An endpoint to register: POST /v3/callbacks after validation. */
export interface EndpointRegistration {
	name: string;
	url: string;
	authType: CallbackAuthType;
	headerName: string | null;
	tokenValue: string | null;
}

export interface NewCallbackEndpoint {
	orgId: string;
	name: string;
	url: string;
	authType: CallbackAuthType;
	headerName: string | null;
	tokenValue: string | null;
	signingSecret: string;
}

/** What any endpoint listing shows: never the token value or the signing secret. */
export interface CallbackEndpointView {
	/** The endpoint's id, named as the HTTP API names it. */
	callbackId: string;
	name: string;
	url: string;
	authType: CallbackAuthType;
	headerName: string | null;
	hasToken: boolean;
	createdAt: string;
	tokenRotatedAt: string | null;
}

export const CALLBACK_NOT_FOUND = messages.callbackNotFound;

export async function insertEndpoint(
	db: DbExecutor,
	box: SecretBox,
	endpoint: NewCallbackEndpoint,
): Promise<CallbackEndpointView> {
	const endpointId = newObjectId();
	const [row] = await db
		.insert(callbackEndpoints)
		.values({
			id: endpointId,
			orgId: endpoint.orgId,
			name: endpoint.name,
			url: endpoint.url,
			authType: endpoint.authType,
			headerName: endpoint.authType === "apiToken" ? endpoint.headerName : null,
			tokenSealed:
				endpoint.authType === "none" || !endpoint.tokenValue
					? null
					: box.encrypt(endpoint.tokenValue, sealedPlace.callbackToken(endpointId)),
			signingSecretSealed: box.encrypt(endpoint.signingSecret, sealedPlace.callbackSigningSecret(endpointId)),
		})
		.returning();
	return toView(row as typeof callbackEndpoints.$inferSelect);
}

function toView(row: typeof callbackEndpoints.$inferSelect): CallbackEndpointView {
	return {
		callbackId: row.id,
		name: row.name,
		url: row.url,
		authType: row.authType as CallbackAuthType,
		headerName: row.headerName,
		hasToken: row.tokenSealed !== null,
		createdAt: row.createdAt.toISOString(),
		tokenRotatedAt: row.tokenRotatedAt?.toISOString() ?? null,
	};
}

const live = (orgId: string, endpointId: string) =>
	and(eq(callbackEndpoints.id, endpointId), eq(callbackEndpoints.orgId, orgId), isNull(callbackEndpoints.deletedAt));

/** The organisation's endpoints, newest first, `limit` at a time after `cursor` (the previous page's last id). */
export async function listEndpoints(
	db: DbExecutor,
	orgId: string,
	page: { limit: number; cursor?: string | null },
): Promise<{ callbacks: CallbackEndpointView[]; nextCursor: string | null }> {
	const rows = await db
		.select()
		.from(callbackEndpoints)
		.where(
			and(
				eq(callbackEndpoints.orgId, orgId),
				isNull(callbackEndpoints.deletedAt),
				page.cursor ? lt(callbackEndpoints.id, page.cursor) : undefined,
			),
		)
		.orderBy(desc(callbackEndpoints.id))
		.limit(page.limit + 1);
	const shown = rows.slice(0, page.limit);
	return {
		callbacks: shown.map(toView),
		nextCursor: rows.length > page.limit ? (shown.at(-1)?.id ?? null) : null,
	};
}

export async function getEndpoint(db: DbExecutor, orgId: string, endpointId: string): Promise<CallbackEndpointView> {
	const [row] = await db.select().from(callbackEndpoints).where(live(orgId, endpointId));
	if (!row) throw notFound(CALLBACK_NOT_FOUND);
	return toView(row);
}

/** Soft delete: deliveries keep their history; scans can no longer refer to the endpoint. */
export async function deleteEndpoint(db: DbExecutor, orgId: string, endpointId: string): Promise<void> {
	const deleted = await db
		.update(callbackEndpoints)
		.set({ deletedAt: new Date() })
		.where(live(orgId, endpointId))
		.returning({ id: callbackEndpoints.id });
	if (deleted.length === 0) throw notFound(CALLBACK_NOT_FOUND);
}

export async function rotateEndpointToken(
	db: DbExecutor,
	box: SecretBox,
	input: { orgId: string; endpointId: string; tokenValue: string },
): Promise<CallbackEndpointView> {
	const [row] = await db
		.update(callbackEndpoints)
		.set({
			tokenSealed: box.encrypt(input.tokenValue, sealedPlace.callbackToken(input.endpointId)),
			tokenRotatedAt: new Date(),
		})
		.where(live(input.orgId, input.endpointId))
		.returning();
	if (!row) throw notFound(CALLBACK_NOT_FOUND);
	return toView(row);
}

/** Credentials for sending: decrypted only in the process that sends, never logged or returned. */
export interface EndpointCredentials {
	url: string;
	authType: CallbackAuthType;
	headerName: string | null;
	token: string | null;
	signingSecret: string;
	deleted: boolean;
}

export async function loadEndpointCredentials(
	db: DbExecutor,
	box: SecretBox,
	endpointId: string,
): Promise<EndpointCredentials | null> {
	const [row] = await db.select().from(callbackEndpoints).where(eq(callbackEndpoints.id, endpointId));
	if (!row) return null;
	return {
		url: row.url,
		authType: row.authType as CallbackAuthType,
		headerName: row.headerName,
		token: row.tokenSealed ? box.decrypt(row.tokenSealed, sealedPlace.callbackToken(row.id)) : null,
		signingSecret: box.decrypt(row.signingSecretSealed, sealedPlace.callbackSigningSecret(row.id)),
		deleted: row.deletedAt !== null,
	};
}

/** The authentication header the endpoint asked for (spec 4.3: None, Bearer Token, API Token). */
export function authenticationHeaders(
	credentials: Pick<EndpointCredentials, "authType" | "headerName" | "token">,
): Record<string, string> {
	if (credentials.authType === "bearer" && credentials.token) return { authorization: `Bearer ${credentials.token}` };
	if (credentials.authType === "apiToken" && credentials.token && credentials.headerName) {
		return { [credentials.headerName.toLowerCase()]: credentials.token };
	}
	return {};
}

export interface RegistrationDeps {
	db: DbExecutor;
	secretBox: SecretBox;
	policy: NetworkPolicy;
	timeoutMs: number;
}

export interface Registration {
	endpoint: CallbackEndpointView;
	/** Shown to the user once. */
	signingSecret: string;
	reachability: { statusCode: number; latencyMs: number };
}

/**
 * Registers an endpoint after proving it answers: a HEAD request with its authentication, where any
 * HTTP status counts and a connection error, timeout or non-public address does not.
 */
export async function registerEndpoint(
	deps: RegistrationDeps,
	orgId: string,
	request: EndpointRegistration,
): Promise<Registration> {
	const probe = await sendCallback({
		url: request.url,
		method: "HEAD",
		headers: authenticationHeaders({
			authType: request.authType,
			headerName: request.headerName,
			token: request.tokenValue,
		}),
		timeoutMs: deps.timeoutMs,
		policy: deps.policy,
	});
	if (probe.errorKind === "ssrf") throw validationError(messages.callbackForbiddenAddress);
	if (probe.status === null)
		throw validationError(messages.callbackUnreachable(probe.error ?? probe.errorKind ?? "no answer"));
	const signingSecret = generateSigningSecret();
	const endpoint = await insertEndpoint(deps.db, deps.secretBox, { orgId, ...request, signingSecret });
	return {
		endpoint,
		signingSecret,
		reachability: { statusCode: probe.status, latencyMs: Math.round(probe.latencyMs) },
	};
}
