export {
	type Bootstrap,
	bootstrapOrganization,
	createOrganization,
	createUser,
	deactivateUser,
	deleteUser,
	findUserByEmail,
	setLicenceExpiry,
} from "./organizations.ts";
export {
	authenticate,
	type IssuedApiToken,
	isAdmin,
	issueApiToken,
	listTokens,
	type Principal,
	revokeToken,
	TOKEN_EXPIRY_DAYS,
	type TokenExpiryDays,
	type TokenSummary,
} from "./tokens.ts";
