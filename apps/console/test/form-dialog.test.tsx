// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DoneDialog, FormDialog, useFormFields, useFormSubmission } from "../src/components/form-dialog.tsx";
import { TextField } from "../src/components/ui.tsx";
import { ApiError } from "../src/lib/api.ts";

afterEach(cleanup);

/** Names a pet: the form, then what the API answered. */
function NamePet({
	send,
	onSent = () => {},
	onClose = () => {},
}: {
	send: (name: string) => Promise<string>;
	onSent?: (answer: string) => void;
	onClose?: () => void;
}) {
	const [form, change] = useFormFields({ name: "", species: "cat" });
	const submission = useFormSubmission(() => send(`${form.name} the ${form.species}`), onSent);
	if (submission.result) {
		return (
			<DoneDialog title="Pet named" onClose={onClose}>
				<p>{submission.result}</p>
			</DoneDialog>
		);
	}
	const nameErrors = submission.problems.filter((problem) => problem.includes("name"));
	const formErrors = submission.problems.filter((problem) => !problem.includes("name"));
	return (
		<FormDialog
			title="Name a pet"
			submission={submission}
			submitLabel="Name it"
			busyLabel="Naming…"
			formErrors={formErrors}
			onClose={onClose}
		>
			<TextField
				id="pet-name"
				label="Name"
				value={form.name}
				onChange={(event) => change({ name: event.target.value })}
				errors={nameErrors}
			/>
		</FormDialog>
	);
}

describe("FormDialog with useFormSubmission", () => {
	it("is busy while the request runs, then shows the answer and hands it over", async () => {
		let answer: (text: string) => void = () => {};
		const send = vi.fn((_: string) => new Promise<string>((resolve) => (answer = resolve)));
		const onSent = vi.fn();
		render(<NamePet send={send} onSent={onSent} />);
		const dialog = screen.getByRole("dialog", { name: "Name a pet" });
		fireEvent.change(within(dialog).getByLabelText("Name"), { target: { value: "Tom" } });
		fireEvent.click(within(dialog).getByRole("button", { name: "Name it" }));
		const busy = await within(dialog).findByRole("button", { name: "Naming…" });
		expect((busy as HTMLButtonElement).disabled).toBe(true);
		// Fields not changed keep their first value.
		expect(send).toHaveBeenCalledWith("Tom the cat");

		answer("Tom is registered.");
		const done = await screen.findByRole("dialog", { name: "Pet named" });
		expect(done.textContent).toContain("Tom is registered.");
		expect(onSent).toHaveBeenCalledWith("Tom is registered.");
	});

	it("puts the API's messages where the form says and lets the reader try again", async () => {
		const send = vi
			.fn<(name: string) => Promise<string>>()
			.mockRejectedValueOnce(
				new ApiError(400, "Missing required field: name.", [
					"Missing required field: name.",
					"Unexpected field 'x' found in request body.",
				]),
			)
			.mockResolvedValueOnce("Named.");
		render(<NamePet send={send} />);
		fireEvent.click(screen.getByRole("button", { name: "Name it" }));
		const name = screen.getByLabelText("Name");
		await waitFor(() => expect(name.getAttribute("aria-invalid")).toBe("true"));
		expect(document.getElementById("pet-name-error")?.textContent).toBe("Missing required field: name.");
		expect(screen.getByRole("alert").textContent).toBe("Unexpected field 'x' found in request body.");
		expect((screen.getByRole("button", { name: "Name it" }) as HTMLButtonElement).disabled).toBe(false);

		fireEvent.click(screen.getByRole("button", { name: "Name it" }));
		await screen.findByRole("dialog", { name: "Pet named" });
	});

	it("shows a failure that is not the API's answer as it is", async () => {
		render(<NamePet send={() => Promise.reject(new TypeError("Failed to reach the server"))} />);
		fireEvent.click(screen.getByRole("button", { name: "Name it" }));
		expect((await screen.findByRole("alert")).textContent).toBe("TypeError: Failed to reach the server");
	});

	it("closes with Cancel, and the answer closes with Done", async () => {
		const onClose = vi.fn();
		render(<NamePet send={async () => "Named."} onClose={onClose} />);
		fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
		expect(onClose).toHaveBeenCalledTimes(1);
		fireEvent.click(screen.getByRole("button", { name: "Name it" }));
		const done = await screen.findByRole("dialog", { name: "Pet named" });
		fireEvent.click(within(done).getByRole("button", { name: "Done" }));
		expect(onClose).toHaveBeenCalledTimes(2);
	});
});
