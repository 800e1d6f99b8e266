import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../lib/api.ts";
import { POLL_INTERVAL_MS } from "../lib/polling.ts";

export interface Resource<T> {
	data: T | undefined;
	error: ApiError | undefined;
	loading: boolean;
	/** Loads again; the data on screen stays until the answer arrives, so refreshes do not flicker. */
	reload(): Promise<void>;
}

function asApiError(error: unknown): ApiError {
	return error instanceof ApiError ? error : new ApiError(0, error instanceof Error ? error.message : String(error));
}

/** Loads data for a screen; answers to an older request (filters changed meanwhile) are dropped. */
export function useResource<T>(load: () => Promise<T>, deps: DependencyList): Resource<T> {
	const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
	const latest = useRef(0);
	const reload = useCallback(async () => {
		const request = ++latest.current;
		setState((previous) => ({ ...previous, loading: true }));
		try {
			const data = await load();
			if (request === latest.current) setState({ data, loading: false });
		} catch (error) {
			if (request === latest.current)
				setState((previous) => ({ ...previous, error: asApiError(error), loading: false }));
		}
		// biome-ignore lint/correctness/useExhaustiveDependencies: the caller lists what `load` depends on.
	}, deps);

	useEffect(() => {
		void reload();
	}, [reload]);

	useEffect(
		() => () => {
			// Unmounted: whatever is in flight must not update state any more.
			latest.current = -1;
		},
		[],
	);

	return { data: state.data, error: state.error, loading: state.loading, reload };
}

/**
 * Calls `tick` every `intervalMs` while `active`, never overlapping (the next call is scheduled after
 * the previous one ends) and skipping ticks while the tab is hidden.
 */
export function usePolling(active: boolean, tick: () => Promise<void>, intervalMs: number = POLL_INTERVAL_MS): void {
	const tickRef = useRef(tick);
	useEffect(() => {
		tickRef.current = tick;
	});

	useEffect(() => {
		if (!active) return;
		let stopped = false;
		let timer: ReturnType<typeof setTimeout>;
		const schedule = () => {
			timer = setTimeout(async () => {
				if (document.visibilityState !== "hidden") await tickRef.current().catch(() => {});
				if (!stopped) schedule();
			}, intervalMs);
		};
		schedule();
		return () => {
			stopped = true;
			clearTimeout(timer);
		};
	}, [active, intervalMs]);
}
