import { render } from "@testing-library/react";
import { App } from "../src/components/App.tsx";
import type { FakeApi } from "./fake-api.ts";

/** The whole console at `path` (below /console), talking to `api`. */
export function renderConsole(path: string, api: FakeApi) {
	window.history.replaceState(null, "", `/console${path}`);
	return render(<App base="/console/" fetch={api.fetch} />);
}
