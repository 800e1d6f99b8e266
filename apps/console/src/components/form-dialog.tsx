import { type FormEvent, type ReactNode, useState } from "react";
import { ApiError } from "../lib/api.ts";
import { Dialog } from "./dialog.tsx";
import { FormErrors } from "./ui.tsx";

export interface FormSubmission<Result> {
	submit(event: FormEvent): Promise<void>;
	busy: boolean;
	/** The API's messages when it refused the last submission; each form puts them by its fields. */
	problems: string[];
	/** What the API answered, once it accepted the form. */
	result: Result | null;
}

/** Sends a form's request on submit: busy while it runs, the API's answer or its refusal once it ends. */
export function useFormSubmission<Result>(
	send: () => Promise<Result>,
	onSent: (result: Result) => void,
): FormSubmission<Result> {
	const [busy, setBusy] = useState(false);
	const [problems, setProblems] = useState<string[]>([]);
	const [result, setResult] = useState<Result | null>(null);
	const submit = async (event: FormEvent) => {
		event.preventDefault();
		setBusy(true);
		setProblems([]);
		try {
			const sent = await send();
			setResult(sent);
			onSent(sent);
		} catch (failure) {
			setProblems(failure instanceof ApiError ? failure.problems : [String(failure)]);
		} finally {
			setBusy(false);
		}
	};
	return { submit, busy, problems, result };
}

/** A form's values, and a setter that changes some of them. */
export function useFormFields<Fields extends object>(initial: Fields): [Fields, (change: Partial<Fields>) => void] {
	const [fields, setFields] = useState(initial);
	return [fields, (change) => setFields((current) => ({ ...current, ...change }))];
}

/** A form in a dialog: messages about the form as a whole first, then the fields, then Cancel and submit. */
export function FormDialog({
	title,
	submission,
	submitLabel,
	busyLabel,
	formErrors = [],
	onClose,
	wide,
	children,
}: {
	title: string;
	submission: Pick<FormSubmission<unknown>, "submit" | "busy">;
	submitLabel: string;
	busyLabel: string;
	/** Messages no field is about. */
	formErrors?: readonly string[];
	onClose: () => void;
	wide?: boolean;
	children: ReactNode;
}) {
	return (
		<Dialog title={title} onClose={onClose} wide={wide}>
			<form onSubmit={submission.submit} noValidate className="form">
				<FormErrors errors={formErrors} />
				{children}
				<div className="dialog-actions">
					<button type="button" className="button" onClick={onClose}>
						Cancel
					</button>
					<button type="submit" className="button button-primary" disabled={submission.busy}>
						{submission.busy ? busyLabel : submitLabel}
					</button>
				</div>
			</form>
		</Dialog>
	);
}

/** What a form created, shown once (a token, a signing secret), closed with Done. */
export function DoneDialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
	return (
		<Dialog title={title} onClose={onClose}>
			{children}
			<div className="dialog-actions">
				<button type="button" className="button button-primary" onClick={onClose}>
					Done
				</button>
			</div>
		</Dialog>
	);
}
