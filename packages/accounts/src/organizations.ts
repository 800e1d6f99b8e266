import { type DbExecutor, isUniqueViolation, organizations, type UserRole, users } from "@sensorium/db";
import { conflict, notFound, validationError } from "@sensorium/errors";
import { newObjectId } from "@sensorium/ids";
import { and, eq, isNull, sql } from "drizzle-orm";
import { type IssuedApiToken, issueApiToken } from "./tokens.ts";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function createOrganization(
	db: DbExecutor,
	input: { name: string; domain?: string | null; licenceExpiresAt?: Date | null },
): Promise<{ orgId: string }> {
	if (!input.name.trim()) throw validationError("Organization name must not be empty.");
	const orgId = newObjectId();
	try {
		await db.insert(organizations).values({
			id: orgId,
			name: input.name.trim(),
			domain: input.domain?.toLowerCase() ?? null,
			licenceExpiresAt: input.licenceExpiresAt ?? null,
		});
	} catch (error) {
		if (isUniqueViolation(error)) throw conflict(`An organization with domain ${input.domain} already exists.`);
		throw error;
	}
	return { orgId };
}

export async function createUser(
	db: DbExecutor,
	input: { orgId: string; email: string; role: UserRole },
): Promise<{ userId: string }> {
	const email = input.email.trim().toLowerCase();
	if (!EMAIL.test(email)) throw validationError(`Not an email address: ${input.email}`);
	const [org] = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, input.orgId));
	if (!org) throw notFound("Organization not found.");
	const userId = newObjectId();
	try {
		await db.insert(users).values({ id: userId, orgId: input.orgId, email, role: input.role });
	} catch (error) {
		if (isUniqueViolation(error)) throw conflict(`A user with email ${email} already exists.`);
		throw error;
	}
	return { userId };
}

export interface Bootstrap extends IssuedApiToken {
	orgId: string;
	userId: string;
}

/** A new organisation with its first admin and an Admin Token, in one transaction. */
export async function bootstrapOrganization(
	db: DbExecutor,
	input: { orgName: string; email: string; domain?: string | null; tokenName?: string },
): Promise<Bootstrap> {
	return db.transaction(async (tx) => {
		const { orgId } = await createOrganization(tx, { name: input.orgName, domain: input.domain });
		const { userId } = await createUser(tx, { orgId, email: input.email, role: "admin" });
		const token = await issueApiToken(tx, {
			userId,
			name: input.tokenName ?? "bootstrap",
			description: "Created by sensorium bootstrap",
			type: "Admin Token",
			expiresInDays: 365,
		});
		return { orgId, userId, ...token };
	});
}

export async function deactivateUser(db: DbExecutor, userId: string): Promise<void> {
	const updated = await db.update(users).set({ active: false }).where(eq(users.id, userId)).returning({ id: users.id });
	if (updated.length === 0) throw notFound("User not found.");
}

export async function deleteUser(db: DbExecutor, userId: string, now: Date = new Date()): Promise<void> {
	const updated = await db
		.update(users)
		.set({ active: false, deletedAt: now })
		.where(and(eq(users.id, userId), isNull(users.deletedAt)))
		.returning({ id: users.id });
	if (updated.length === 0) throw notFound("User not found.");
}

export async function setLicenceExpiry(db: DbExecutor, orgId: string, expiresAt: Date | null): Promise<void> {
	const updated = await db
		.update(organizations)
		.set({ licenceExpiresAt: expiresAt })
		.where(eq(organizations.id, orgId))
		.returning({ id: organizations.id });
	if (updated.length === 0) throw notFound("Organization not found.");
}

export async function findUserByEmail(db: DbExecutor, email: string) {
	const [user] = await db.select().from(users).where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`);
	return user ?? null;
}
