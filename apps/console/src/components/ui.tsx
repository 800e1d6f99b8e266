import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";
import type { ApiError } from "../lib/api.ts";
import { formatDateTime, formatLabels, formatRelative } from "../lib/format.ts";
import type { Labels as LabelList } from "../lib/types.ts";

export function PageHeader({
	title,
	description,
	actions,
}: {
	title: string;
	description?: ReactNode;
	actions?: ReactNode;
}) {
	return (
		<header className="page-header">
			<div>
				<h1>{title}</h1>
				{description ? <p className="page-description">{description}</p> : null}
			</div>
			{actions ? <div className="page-actions">{actions}</div> : null}
		</header>
	);
}

const STATUS_TEXT: Record<string, string> = {
	queued: "Queued",
	running: "Running",
	successful: "Successful",
	failed: "Failed",
	pending: "Pending",
	succeeded: "Delivered",
};

export function StatusBadge({ status }: { status: string }) {
	return (
		<span className={`badge status-${status}`}>
			<span className="badge-dot" aria-hidden="true" />
			{STATUS_TEXT[status] ?? status}
		</span>
	);
}

export function Labels({ labels }: { labels: LabelList }) {
	const items = formatLabels(labels);
	if (items.length === 0) return <span className="muted">—</span>;
	return (
		<ul className="labels">
			{items.map((label) => (
				<li key={label} className="label">
					{label}
				</li>
			))}
		</ul>
	);
}

export function Priority({ priority }: { priority: string | null | undefined }) {
	if (!priority) return <span className="muted">—</span>;
	return <span className={`badge priority-${priority.toLowerCase()}`}>{priority}</span>;
}

export function Loading({ label = "Loading…" }: { label?: string }) {
	return (
		<p className="state state-loading" role="status">
			<span className="spinner" aria-hidden="true" />
			{label}
		</p>
	);
}

export function ErrorState({ title, error, onRetry }: { title: string; error: ApiError; onRetry?: () => void }) {
	return (
		<div className="state state-error" role="alert">
			<p className="state-title">{title}</p>
			<p>{error.message}</p>
			{onRetry ? (
				<button type="button" className="button" onClick={onRetry}>
					Try again
				</button>
			) : null}
		</div>
	);
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
	return (
		<div className="state state-empty">
			<p className="state-title">{title}</p>
			{children}
		</div>
	);
}

export function Notice({
	tone = "success",
	children,
	onDismiss,
}: {
	tone?: "success" | "error";
	children: ReactNode;
	onDismiss?: () => void;
}) {
	return (
		<div className={`notice notice-${tone}`} role={tone === "error" ? "alert" : "status"}>
			<div>{children}</div>
			{onDismiss ? (
				<button type="button" className="button button-ghost button-small" onClick={onDismiss}>
					Dismiss
				</button>
			) : null}
		</div>
	);
}

/** A relative time ("5 minutes ago") with the exact date and time on hover and for screen readers' context. */
export function Time({ iso, mode = "relative" }: { iso: string | null | undefined; mode?: "relative" | "absolute" }) {
	if (!iso) return <span className="muted">—</span>;
	const absolute = formatDateTime(iso);
	return (
		<time dateTime={iso} title={absolute}>
			{mode === "relative" ? formatRelative(iso) : absolute}
		</time>
	);
}

export function FieldErrors({ id, errors }: { id: string; errors: readonly string[] | undefined }) {
	if (!errors?.length) return null;
	return (
		<div id={id} className="field-error">
			{errors.map((error) => (
				<p key={error}>{error}</p>
			))}
		</div>
	);
}

export function FormErrors({ errors }: { errors: readonly string[] }) {
	if (errors.length === 0) return null;
	return (
		<div className="notice notice-error" role="alert">
			<div>
				{errors.map((error) => (
					<p key={error}>{error}</p>
				))}
			</div>
		</div>
	);
}

interface FieldShell {
	id: string;
	label: string;
	hint?: ReactNode;
	errors?: readonly string[];
	optional?: boolean;
}

function describedBy(id: string, hint: ReactNode, errors: readonly string[] | undefined): string | undefined {
	const ids = [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean);
	return ids.length ? ids.join(" ") : undefined;
}

function Shell({ id, label, hint, errors, optional, children }: FieldShell & { children: ReactNode }) {
	return (
		<div className={`field${errors?.length ? " field-invalid" : ""}`}>
			<label htmlFor={id}>
				{label}
				{optional ? <span className="field-optional"> (optional)</span> : null}
			</label>
			{hint ? (
				<p id={`${id}-hint`} className="field-hint">
					{hint}
				</p>
			) : null}
			{children}
			<FieldErrors id={`${id}-error`} errors={errors} />
		</div>
	);
}

export function TextField({
	id,
	label,
	hint,
	errors,
	optional,
	...input
}: FieldShell & Omit<InputHTMLAttributes<HTMLInputElement>, "id">) {
	return (
		<Shell id={id} label={label} hint={hint} errors={errors} optional={optional}>
			<input
				id={id}
				aria-invalid={errors?.length ? true : undefined}
				aria-describedby={describedBy(id, hint, errors)}
				{...input}
			/>
		</Shell>
	);
}

export function TextAreaField({
	id,
	label,
	hint,
	errors,
	optional,
	...area
}: FieldShell & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "id">) {
	return (
		<Shell id={id} label={label} hint={hint} errors={errors} optional={optional}>
			<textarea
				id={id}
				aria-invalid={errors?.length ? true : undefined}
				aria-describedby={describedBy(id, hint, errors)}
				{...area}
			/>
		</Shell>
	);
}

export function SelectField({
	id,
	label,
	hint,
	errors,
	optional,
	options,
	...select
}: FieldShell &
	Omit<SelectHTMLAttributes<HTMLSelectElement>, "id"> & { options: readonly { value: string; label: string }[] }) {
	return (
		<Shell id={id} label={label} hint={hint} errors={errors} optional={optional}>
			<select
				id={id}
				aria-invalid={errors?.length ? true : undefined}
				aria-describedby={describedBy(id, hint, errors)}
				{...select}
			>
				{options.map((option) => (
					<option key={option.value} value={option.value}>
						{option.label}
					</option>
				))}
			</select>
		</Shell>
	);
}

/** A column heading; `hidden` ones (an actions column) are read out but not shown. */
export type Column = string | { label: string; hidden?: boolean; className?: string };

/** A table of the screen's items, its caption for screen readers; `children` are its rows. */
export function DataTable({
	caption,
	columns,
	className = "table table-cards",
	children,
}: {
	caption: string;
	columns: readonly Column[];
	className?: string;
	children: ReactNode;
}) {
	return (
		<div className="table-wrap">
			<table className={className}>
				<caption className="visually-hidden">{caption}</caption>
				<thead>
					<tr>
						{columns.map((column) => {
							const { label, hidden, className: cell } = typeof column === "string" ? { label: column } : column;
							return (
								<th key={label} scope="col" className={cell}>
									{hidden ? <span className="visually-hidden">{label}</span> : label}
								</th>
							);
						})}
					</tr>
				</thead>
				<tbody>{children}</tbody>
			</table>
		</div>
	);
}
