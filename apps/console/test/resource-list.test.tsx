// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfirmItemAction, ResourceList, useResourceList } from "../src/components/resource-list.tsx";
import { DataTable } from "../src/components/ui.tsx";
import { ApiError } from "../src/lib/api.ts";

afterEach(cleanup);

/** A list of fruit names, each of which can be eaten (an action on one item). */
function Fruit({
	load,
	eat = async () => {},
}: {
	load: () => Promise<string[]>;
	eat?: (name: string) => Promise<void>;
}) {
	const page = useResourceList<string, "eat">(load, [load]);
	const { dialog } = page;
	return (
		<>
			<ResourceList
				state={page}
				title="Fruit"
				description="What is in the bowl."
				createLabel="Add fruit"
				loadingLabel="Loading fruit…"
				errorTitle="Could not load fruit"
				empty={<p>The bowl is empty</p>}
			>
				{(names) => (
					<ul>
						{names.map((name) => (
							<li key={name}>
								<button type="button" onClick={() => page.open({ kind: "eat", item: name })}>
									Eat {name}
								</button>
							</li>
						))}
					</ul>
				)}
			</ResourceList>
			{dialog?.kind === "eat" ? (
				<ConfirmItemAction
					state={page}
					title={`Eat the ${dialog.item}?`}
					confirmLabel="Eat it"
					act={() => eat(dialog.item)}
					notice={`Ate the ${dialog.item}.`}
				>
					<p>It will be gone.</p>
				</ConfirmItemAction>
			) : null}
			{dialog?.kind === "create" ? (
				<p>
					Adding fruit
					<button type="button" onClick={page.close}>
						Close
					</button>
				</p>
			) : null}
		</>
	);
}

describe("ResourceList", () => {
	it("says it is loading, then shows the items", async () => {
		let answer: (names: string[]) => void = () => {};
		render(<Fruit load={() => new Promise((resolve) => (answer = resolve))} />);
		expect(screen.getByRole("heading", { name: "Fruit" })).toBeTruthy();
		expect(screen.getByRole("status").textContent).toBe("Loading fruit…");
		answer(["apple", "pear"]);
		await screen.findByRole("button", { name: "Eat apple" });
		expect(screen.getByRole("button", { name: "Eat pear" })).toBeTruthy();
		expect(screen.queryByText("Loading fruit…")).toBeNull();
	});

	it("shows what the screen gives for an empty list", async () => {
		render(<Fruit load={async () => []} />);
		await screen.findByText("The bowl is empty");
	});

	it("shows why the list could not be loaded, with a retry that loads it again", async () => {
		const load = vi
			.fn<() => Promise<string[]>>()
			.mockRejectedValueOnce(new ApiError(503, "The database is unavailable."))
			.mockResolvedValueOnce(["plum"]);
		render(<Fruit load={load} />);
		const alert = await screen.findByRole("alert");
		expect(alert.textContent).toContain("Could not load fruit");
		expect(alert.textContent).toContain("The database is unavailable.");
		fireEvent.click(screen.getByRole("button", { name: "Try again" }));
		await screen.findByRole("button", { name: "Eat plum" });
		expect(load).toHaveBeenCalledTimes(2);
	});

	it("opens the create dialog from the header and closes it", async () => {
		render(<Fruit load={async () => ["apple"]} />);
		await screen.findByRole("button", { name: "Eat apple" });
		fireEvent.click(screen.getByRole("button", { name: "Add fruit" }));
		expect(screen.getByText(/Adding fruit/)).toBeTruthy();
		fireEvent.click(screen.getByRole("button", { name: "Close" }));
		expect(screen.queryByText(/Adding fruit/)).toBeNull();
	});

	it("after an action, closes its dialog, says what happened and loads the list again", async () => {
		const load = vi
			.fn<() => Promise<string[]>>()
			.mockResolvedValueOnce(["apple", "pear"])
			.mockResolvedValueOnce(["pear"]);
		const eat = vi.fn(async (_: string) => {});
		render(<Fruit load={load} eat={eat} />);
		fireEvent.click(await screen.findByRole("button", { name: "Eat apple" }));
		const confirm = screen.getByRole("dialog", { name: "Eat the apple?" });
		expect(eat).not.toHaveBeenCalled();
		fireEvent.click(within(confirm).getByRole("button", { name: "Eat it" }));
		await screen.findByText("Ate the apple.");
		expect(eat).toHaveBeenCalledWith("apple");
		await waitFor(() => expect(screen.queryByRole("button", { name: "Eat apple" })).toBeNull());
		expect(screen.queryByRole("dialog")).toBeNull();
		expect(load).toHaveBeenCalledTimes(2);
	});

	it("keeps the notice until it is dismissed or another dialog opens", async () => {
		render(<Fruit load={async () => ["apple", "pear"]} />);
		fireEvent.click(await screen.findByRole("button", { name: "Eat apple" }));
		fireEvent.click(screen.getByRole("button", { name: "Eat it" }));
		await screen.findByText("Ate the apple.");
		fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
		expect(screen.queryByText("Ate the apple.")).toBeNull();

		fireEvent.click(screen.getByRole("button", { name: "Eat pear" }));
		fireEvent.click(screen.getByRole("button", { name: "Eat it" }));
		await screen.findByText("Ate the pear.");
		fireEvent.click(screen.getByRole("button", { name: "Add fruit" }));
		expect(screen.queryByText("Ate the pear.")).toBeNull();
	});

	it("keeps the confirmation open with the API's answer when the action is refused", async () => {
		const load = vi.fn(async () => ["apple"]);
		const eat = () => Promise.reject(new ApiError(403, "Missing or invalid CSRF token."));
		render(<Fruit load={load} eat={eat} />);
		fireEvent.click(await screen.findByRole("button", { name: "Eat apple" }));
		fireEvent.click(screen.getByRole("button", { name: "Eat it" }));
		const confirm = screen.getByRole("dialog", { name: "Eat the apple?" });
		expect((await within(confirm).findByRole("alert")).textContent).toBe("Missing or invalid CSRF token.");
		expect(screen.queryByText("Ate the apple.")).toBeNull();
		expect(load).toHaveBeenCalledTimes(1);
	});
});

describe("DataTable", () => {
	it("names the table and its columns, an actions column for screen readers only", () => {
		render(
			<DataTable
				caption="Fruit in the bowl"
				columns={["Name", { label: "Count", className: "numeric" }, { label: "Actions", hidden: true }]}
			>
				<tr>
					<td>apple</td>
					<td>3</td>
					<td />
				</tr>
			</DataTable>,
		);
		const table = screen.getByRole("table", { name: "Fruit in the bowl" });
		const headings = within(table).getAllByRole("columnheader");
		expect(headings.map((heading) => heading.textContent)).toEqual(["Name", "Count", "Actions"]);
		expect(headings[1]?.className).toBe("numeric");
		expect(headings[2]?.querySelector(".visually-hidden")?.textContent).toBe("Actions");
		expect(within(table).getByRole("cell", { name: "apple" })).toBeTruthy();
	});
});
