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
export { generatePassword, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from "./passwords.ts";
export {
	csrfTokenFor,
	csrfTokenMatches,
	LOCKOUT_MS,
	MAX_FAILED_SIGN_INS,
	SESSION_IDLE_MS,
	SESSION_TTL_MS,
	type SignInResult,
	sessionPrincipal,
	setOneTimePassword,
	setPassword,
	signIn,
	signOut,
} from "./sessions.ts";
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
