import { type KeyboardEvent, type ReactNode, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import type { ApiError } from "../lib/api.ts";
import { copyText } from "../lib/clipboard.ts";
import { FormErrors } from "./ui.tsx";

/**
 * A modal <dialog>: the browser keeps focus inside it and makes the page behind inert. Escape
 * closes it; focus goes back to whatever opened it. Render it only while it is open.
 */
export function Dialog({
	title,
	onClose,
	children,
	wide = false,
}: {
	title: string;
	onClose: () => void;
	children: ReactNode;
	wide?: boolean;
}) {
	const ref = useRef<HTMLDialogElement>(null);
	const titleId = useId();

	// Layout effect: its cleanup runs while the <dialog> is still in the document, so close() can
	// hand focus back before React removes it.
	useLayoutEffect(() => {
		const dialog = ref.current;
		const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
		dialog?.showModal();
		return () => {
			dialog?.close();
			opener?.focus();
		};
	}, []);

	const onKeyDown = (event: KeyboardEvent<HTMLDialogElement>) => {
		if (event.key !== "Escape") return;
		event.preventDefault();
		onClose();
	};

	return (
		<dialog
			ref={ref}
			className={`dialog${wide ? " dialog-wide" : ""}`}
			aria-labelledby={titleId}
			onKeyDown={onKeyDown}
			onCancel={(event) => {
				// Other close requests (a phone's back gesture): let React unmount it instead of the browser closing it.
				event.preventDefault();
				onClose();
			}}
		>
			<h2 id={titleId} className="dialog-title">
				{title}
			</h2>
			{children}
		</dialog>
	);
}

/** "Are you sure?" for destructive actions, showing the API's answer if it refuses. */
export function ConfirmDialog({
	title,
	children,
	confirmLabel,
	onConfirm,
	onClose,
}: {
	title: string;
	children: ReactNode;
	confirmLabel: string;
	onConfirm: () => Promise<void>;
	onClose: () => void;
}) {
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<ApiError | null>(null);
	const confirm = async () => {
		setBusy(true);
		setError(null);
		try {
			await onConfirm();
		} catch (failure) {
			setError(failure as ApiError);
			setBusy(false);
		}
	};
	return (
		<Dialog title={title} onClose={onClose}>
			<div className="dialog-body">{children}</div>
			<FormErrors errors={error ? error.problems : []} />
			<div className="dialog-actions">
				<button type="button" className="button" onClick={onClose}>
					Cancel
				</button>
				<button type="button" className="button button-danger" onClick={confirm} disabled={busy}>
					{busy ? "Working…" : confirmLabel}
				</button>
			</div>
		</Dialog>
	);
}

/** Copies `value` and says so; tells the reader what to do when the browser refuses. */
export function CopyButton({
	value,
	label = "Copy",
	className,
}: {
	value: string;
	label?: string;
	className?: string;
}) {
	const [outcome, setOutcome] = useState<"idle" | "copied" | "failed">("idle");
	const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
	useEffect(() => () => clearTimeout(timer.current), []);
	const copy = async () => {
		const copied = await copyText(value);
		setOutcome(copied ? "copied" : "failed");
		clearTimeout(timer.current);
		timer.current = setTimeout(() => setOutcome("idle"), 2500);
	};
	return (
		<>
			<button type="button" className={className ?? "button"} onClick={copy}>
				{outcome === "copied" ? "Copied" : label}
			</button>
			<span className="visually-hidden" role="status">
				{outcome === "copied"
					? "Copied to the clipboard."
					: outcome === "failed"
						? "Copy failed: select the text and copy it."
						: ""}
			</span>
		</>
	);
}

/** A value to copy (a secret shown once, an id), selectable by keyboard, with an optional warning under it. */
export function CopyField({
	id,
	label,
	value,
	copyLabel,
	warning,
}: {
	id: string;
	label: string;
	value: string;
	copyLabel?: string;
	warning?: string;
}) {
	return (
		<div className="secret">
			<label htmlFor={id}>{label}</label>
			<div className="secret-row">
				<input
					id={id}
					className="secret-input"
					readOnly
					value={value}
					onFocus={(event) => event.currentTarget.select()}
				/>
				<CopyButton value={value} label={copyLabel} className="button button-primary" />
			</div>
			{warning ? <p className="secret-warning">{warning}</p> : null}
		</div>
	);
}
