import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiClient, type ApiError } from "../lib/api.ts";
import { needsAdmin, parseRoute, paths, type Route, routeTitle } from "../lib/routes.ts";
import type { Session, User } from "../lib/types.ts";
import { CallbacksPage } from "../pages/CallbacksPage.tsx";
import { ExecutionPage } from "../pages/ExecutionPage.tsx";
import { AdminOnly, NotFound } from "../pages/Fallbacks.tsx";
import { ScansPage } from "../pages/ScansPage.tsx";
import { TokensPage } from "../pages/TokensPage.tsx";
import { Link, RouterProvider, useRouter } from "./router.tsx";
import { SignIn } from "./SignIn.tsx";
import { SessionContext } from "./session.tsx";
import { ErrorState, Loading, Notice } from "./ui.tsx";

type Phase =
	| { name: "checking" }
	| { name: "unavailable"; error: ApiError }
	| { name: "signed-out"; notice?: string }
	| { name: "signed-in"; session: Session };

export interface AppProps {
	/** Where the console is served; Vite's `base` in the build. */
	base?: string;
	/** For tests: the API answers. */
	fetch?: typeof fetch;
}

export function App({ base = import.meta.env.BASE_URL, fetch: fetchImpl }: AppProps) {
	return (
		<RouterProvider base={base}>
			<Console fetchImpl={fetchImpl} />
		</RouterProvider>
	);
}

function Console({ fetchImpl }: { fetchImpl?: typeof fetch }) {
	const [phase, setPhase] = useState<Phase>({ name: "checking" });
	const api = useMemo(
		() =>
			new ApiClient({
				fetch: fetchImpl,
				onUnauthorized: () => setPhase({ name: "signed-out", notice: "Your session has ended. Sign in again." }),
			}),
		[fetchImpl],
	);

	const check = useCallback(async () => {
		setPhase({ name: "checking" });
		try {
			const session = await api.getSession();
			setPhase(session ? { name: "signed-in", session } : { name: "signed-out" });
		} catch (error) {
			setPhase({ name: "unavailable", error: error as ApiError });
		}
	}, [api]);

	useEffect(() => {
		void check();
	}, [check]);

	switch (phase.name) {
		case "checking":
			return (
				<main className="centered" id="main">
					<Loading label="Loading Sensorium…" />
				</main>
			);
		case "unavailable":
			return (
				<main className="centered" id="main">
					<ErrorState title="The console cannot start" error={phase.error} onRetry={check} />
				</main>
			);
		case "signed-out":
			return (
				<SignIn api={api} notice={phase.notice} onSignedIn={(session) => setPhase({ name: "signed-in", session })} />
			);
		case "signed-in":
			return (
				<SessionContext.Provider value={{ api, user: phase.session.user }}>
					<Shell
						user={phase.session.user}
						onSignOut={async () => {
							await api.signOut();
							setPhase({ name: "signed-out", notice: "You have signed out." });
						}}
					/>
				</SessionContext.Provider>
			);
	}
}

function NavLink({ to, route, children }: { to: string; route: Route; children: string }) {
	const { path } = useRouter();
	const current =
		parseRoute(path).name === route.name || (route.name === "scans" && parseRoute(path).name === "execution");
	return (
		<Link to={to} className="nav-link" aria-current={current ? "page" : undefined}>
			{children}
		</Link>
	);
}

function Screen({ route, user }: { route: Route; user: User }) {
	if (needsAdmin(route) && user.role !== "admin") return <AdminOnly user={user} />;
	switch (route.name) {
		case "scans":
			return <ScansPage />;
		case "execution":
			return <ExecutionPage key={route.executionId} executionId={route.executionId} />;
		case "tokens":
			return <TokensPage />;
		case "callbacks":
			return <CallbacksPage />;
		case "not-found":
			return <NotFound />;
	}
}

/** The brand, the organisation, the navigation (settings for administrators only) and the account. */
function TopBar({ user, onSignOut }: { user: User; onSignOut: () => void }) {
	return (
		<header className="topbar">
			<div className="topbar-inner">
				<Link to={paths.scans} className="brand">
					<span className="brand-mark" aria-hidden="true" />
					Sensorium
				</Link>
				<span className="org" title="Organisation">
					{user.orgName}
				</span>
				<nav aria-label="Main" className="nav">
					<NavLink to={paths.scans} route={{ name: "scans" }}>
						Scans
					</NavLink>
					{user.role === "admin" ? (
						<>
							<NavLink to={paths.tokens} route={{ name: "tokens" }}>
								Access Tokens
							</NavLink>
							<NavLink to={paths.callbacks} route={{ name: "callbacks" }}>
								Callback Endpoints
							</NavLink>
						</>
					) : null}
				</nav>
				<div className="account">
					<span className="account-email">{user.email}</span>
					<span className="badge badge-role">{user.role === "admin" ? "Admin" : "User"}</span>
					<button type="button" className="button button-small" onClick={onSignOut}>
						Sign out
					</button>
				</div>
			</div>
		</header>
	);
}

/** Header, navigation and the current screen, for a signed-in user. */
function Shell({ user, onSignOut }: { user: User; onSignOut: () => Promise<void> }) {
	const { path } = useRouter();
	const route = parseRoute(path);
	const main = useRef<HTMLElement>(null);
	const firstRender = useRef(true);
	const [signOutError, setSignOutError] = useState<ApiError | null>(null);

	useEffect(() => {
		document.title = `${routeTitle(route)} · Sensorium`;
	}, [route]);

	// After in-app navigation, move focus to the new screen so keyboard and screen-reader users start there.
	// biome-ignore lint/correctness/useExhaustiveDependencies: runs on every change of path.
	useEffect(() => {
		if (firstRender.current) {
			firstRender.current = false;
			return;
		}
		main.current?.focus();
	}, [path]);

	const signOut = async () => {
		setSignOutError(null);
		try {
			await onSignOut();
		} catch (error) {
			setSignOutError(error as ApiError);
		}
	};

	return (
		<>
			<a className="skip-link" href="#main">
				Skip to content
			</a>
			<TopBar user={user} onSignOut={signOut} />
			<main id="main" ref={main} tabIndex={-1} className="content">
				{signOutError ? (
					<Notice tone="error" onDismiss={() => setSignOutError(null)}>
						Signing out failed: {signOutError.message}
					</Notice>
				) : null}
				<Screen route={route} user={user} />
			</main>
		</>
	);
}
