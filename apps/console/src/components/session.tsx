import { createContext, useContext } from "react";
import type { ApiClient } from "../lib/api.ts";
import type { User } from "../lib/types.ts";

export interface SessionContextValue {
	api: ApiClient;
	user: User;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

/** The API client and the signed-in user, for every screen behind the sign-in. */
export function useSession(): SessionContextValue {
	const session = useContext(SessionContext);
	if (!session) throw new Error("useSession needs a signed-in SessionContext above it.");
	return session;
}
