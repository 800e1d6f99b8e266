import {
	type AnchorHTMLAttributes,
	createContext,
	type MouseEvent,
	type ReactNode,
	useCallback,
	useContext,
	useEffect,
	useMemo,
	useState,
} from "react";
import { stripBase, withBase } from "../lib/routes.ts";

interface Location {
	path: string;
	search: URLSearchParams;
}

interface Router extends Location {
	base: string;
	navigate(to: string, options?: { replace?: boolean }): void;
}

const RouterContext = createContext<Router | null>(null);

function readLocation(base: string): Location {
	return { path: stripBase(window.location.pathname, base), search: new URLSearchParams(window.location.search) };
}

/**
 * History-API routing below `base` (the API answers index.html for any path under /console, so a
 * reload or a shared link lands on the same screen).
 */
export function RouterProvider({ base, children }: { base: string; children: ReactNode }) {
	const [location, setLocation] = useState(() => readLocation(base));

	useEffect(() => {
		const onPopState = () => setLocation(readLocation(base));
		window.addEventListener("popstate", onPopState);
		return () => window.removeEventListener("popstate", onPopState);
	}, [base]);

	const navigate = useCallback(
		(to: string, options: { replace?: boolean } = {}) => {
			const url = withBase(to, base);
			if (options.replace) window.history.replaceState(null, "", url);
			else window.history.pushState(null, "", url);
			setLocation(readLocation(base));
		},
		[base],
	);

	const router = useMemo(() => ({ ...location, base, navigate }), [location, base, navigate]);
	return <RouterContext.Provider value={router}>{children}</RouterContext.Provider>;
}

export function useRouter(): Router {
	const router = useContext(RouterContext);
	if (!router) throw new Error("useRouter needs a RouterProvider above it.");
	return router;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & { to: string };

/** A real link (open in a new tab, copy address) that navigates in place on a plain click. */
export function Link({ to, onClick, children, ...rest }: LinkProps) {
	const { base, navigate } = useRouter();
	const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
		onClick?.(event);
		if (
			event.defaultPrevented ||
			event.button !== 0 ||
			event.metaKey ||
			event.ctrlKey ||
			event.shiftKey ||
			event.altKey
		)
			return;
		event.preventDefault();
		navigate(to);
	};
	return (
		<a href={withBase(to, base)} onClick={handleClick} {...rest}>
			{children}
		</a>
	);
}
