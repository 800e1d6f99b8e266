// @vitest-environment happy-dom
import { act, cleanup, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { usePolling } from "../src/components/hooks.ts";

function Poller({ active, tick }: { active: boolean; tick: () => Promise<void> }) {
	usePolling(active, tick, 2000);
	return null;
}

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	cleanup();
	vi.useRealTimers();
});

describe("usePolling", () => {
	it("ticks every interval while active and stops when no longer active", async () => {
		const tick = vi.fn(async () => {});
		const view = render(<Poller active tick={tick} />);
		await act(() => vi.advanceTimersByTimeAsync(1999));
		expect(tick).not.toHaveBeenCalled();
		await act(() => vi.advanceTimersByTimeAsync(1));
		expect(tick).toHaveBeenCalledTimes(1);
		await act(() => vi.advanceTimersByTimeAsync(2000));
		expect(tick).toHaveBeenCalledTimes(2);
		view.rerender(<Poller active={false} tick={tick} />);
		await act(() => vi.advanceTimersByTimeAsync(10_000));
		expect(tick).toHaveBeenCalledTimes(2);
	});

	it("waits for a slow answer before scheduling the next request", async () => {
		let finish: () => void = () => {};
		const tick = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
		render(<Poller active tick={tick} />);
		await act(() => vi.advanceTimersByTimeAsync(9000));
		expect(tick).toHaveBeenCalledTimes(1);
		await act(async () => finish());
		await act(() => vi.advanceTimersByTimeAsync(2000));
		expect(tick).toHaveBeenCalledTimes(2);
	});

	it("keeps polling after a failed request", async () => {
		const tick = vi.fn(() => Promise.reject(new Error("offline")));
		render(<Poller active tick={tick} />);
		await act(() => vi.advanceTimersByTimeAsync(4000));
		expect(tick).toHaveBeenCalledTimes(2);
	});

	it("stops when the screen goes away", async () => {
		const tick = vi.fn(async () => {});
		const view = render(<Poller active tick={tick} />);
		view.unmount();
		await act(() => vi.advanceTimersByTimeAsync(10_000));
		expect(tick).not.toHaveBeenCalled();
	});
});
