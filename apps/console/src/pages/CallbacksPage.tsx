import { type FormEvent, useState } from "react";
import { ConfirmDialog, CopyButton, CopyField, Dialog } from "../components/dialog.tsx";
import { useResource } from "../components/hooks.ts";
import { useSession } from "../components/session.tsx";
import {
	EmptyState,
	ErrorState,
	FieldErrors,
	FormErrors,
	Loading,
	Notice,
	PageHeader,
	TextField,
	Time,
} from "../components/ui.tsx";
import { ApiError } from "../lib/api.ts";
import {
	CALLBACK_FIELDS,
	CALLBACK_RULES,
	type CallbackField,
	type SortedErrors,
	sortErrors,
} from "../lib/field-errors.ts";
import { formatDuration } from "../lib/format.ts";
import type { CallbackAuthType, CallbackEndpoint, RegisteredCallback } from "../lib/types.ts";

const NO_ERRORS: SortedErrors<CallbackField> = { fields: {}, form: [] };

const AUTH_TYPES: { value: CallbackAuthType; label: string; hint: string }[] = [
	{ value: "none", label: "None", hint: "The endpoint checks the signature headers only." },
	{ value: "bearer", label: "Bearer Token", hint: "Sent as Authorization: Bearer <token>." },
	{ value: "apiToken", label: "API Token", hint: "Sent in a header of your choice." },
];

function authLabel(endpoint: Pick<CallbackEndpoint, "authType" | "headerName">): string {
	if (endpoint.authType === "bearer") return "Bearer Token";
	if (endpoint.authType === "apiToken") return `API Token (${endpoint.headerName ?? "custom header"})`;
	return "None";
}

function problemsOf(failure: unknown): string[] {
	return failure instanceof ApiError ? failure.problems : [String(failure)];
}

function RegisteredView({ endpoint, onClose }: { endpoint: RegisteredCallback; onClose: () => void }) {
	return (
		<Dialog title="Endpoint registered" onClose={onClose}>
			<p className="notice notice-success" role="status">
				Reachable: the endpoint answered HTTP {endpoint.reachability.statusCode} in{" "}
				{formatDuration(endpoint.reachability.latencyMs)}.
			</p>
			<CopyField id="registered-id" label="Callback ID" value={endpoint.callbackId} copyLabel="Copy Callback ID" />
			<p className="muted">
				Give it as <code>callbackId</code> when creating a sensor.
			</p>
			<CopyField
				id="signing-secret"
				label="Signing secret"
				value={endpoint.signingSecret}
				warning="Copy the signing secret now: your endpoint needs it to verify the webhook-signature header, and it will not be shown again."
			/>
			<div className="dialog-actions">
				<button type="button" className="button button-primary" onClick={onClose}>
					Done
				</button>
			</div>
		</Dialog>
	);
}

/** The Register New Endpoint form; the API checks the URL is reachable before it accepts it. */
function RegisterDialog({ onClose, onRegistered }: { onClose: () => void; onRegistered: () => void }) {
	const { api } = useSession();
	const [name, setName] = useState("");
	const [url, setUrl] = useState("");
	const [authType, setAuthType] = useState<CallbackAuthType>("none");
	const [headerName, setHeaderName] = useState("");
	const [tokenValue, setTokenValue] = useState("");
	const [errors, setErrors] = useState(NO_ERRORS);
	const [busy, setBusy] = useState(false);
	const [registered, setRegistered] = useState<RegisteredCallback | null>(null);

	const submit = async (event: FormEvent) => {
		event.preventDefault();
		setBusy(true);
		setErrors(NO_ERRORS);
		try {
			// Only the fields of the chosen authentication type: the API refuses the others.
			const endpoint = await api.registerCallback({
				...(name.trim() ? { name: name.trim() } : {}),
				...(url.trim() ? { url: url.trim() } : {}),
				authType,
				...(authType === "apiToken" && headerName.trim() ? { headerName: headerName.trim() } : {}),
				...(authType !== "none" && tokenValue ? { tokenValue } : {}),
			});
			setRegistered(endpoint);
			onRegistered();
		} catch (failure) {
			setErrors(sortErrors(problemsOf(failure), CALLBACK_FIELDS, CALLBACK_RULES));
		} finally {
			setBusy(false);
		}
	};

	if (registered) return <RegisteredView endpoint={registered} onClose={onClose} />;

	return (
		<Dialog title="Register New Endpoint" onClose={onClose} wide>
			<form onSubmit={submit} noValidate className="form">
				<FormErrors errors={errors.form} />
				<TextField
					id="callback-name"
					label="Name"
					hint="A descriptive label, for example scans-callback-prod. At most 200 characters."
					value={name}
					onChange={(event) => setName(event.target.value)}
					errors={errors.fields.name}
					maxLength={200}
					aria-required="true"
					autoComplete="off"
				/>
				<TextField
					id="callback-url"
					label="Callback URL"
					hint="The full URL scans report to; HTTPS recommended. At most 200 characters."
					type="url"
					inputMode="url"
					placeholder="https://hooks.example.com/sensorium"
					value={url}
					onChange={(event) => setUrl(event.target.value)}
					errors={errors.fields.url}
					maxLength={200}
					aria-required="true"
					autoComplete="off"
				/>
				<fieldset
					className={`field choice${errors.fields.authType?.length ? " field-invalid" : ""}`}
					aria-describedby={errors.fields.authType?.length ? "callback-auth-error" : undefined}
				>
					<legend>Authentication Type</legend>
					{AUTH_TYPES.map((option) => (
						<label key={option.value} className="choice-option">
							<input
								type="radio"
								name="callback-auth"
								value={option.value}
								checked={authType === option.value}
								onChange={() => setAuthType(option.value)}
							/>
							<span>
								<span className="choice-label">{option.label}</span>
								<span className="choice-hint">{option.hint}</span>
							</span>
						</label>
					))}
					<FieldErrors id="callback-auth-error" errors={errors.fields.authType} />
				</fieldset>
				{authType === "apiToken" ? (
					<TextField
						id="callback-header"
						label="Header Name"
						hint="The header your endpoint reads the token from, for example X-Custom-Auth."
						value={headerName}
						onChange={(event) => setHeaderName(event.target.value)}
						errors={errors.fields.headerName}
						aria-required="true"
						autoComplete="off"
					/>
				) : null}
				{authType !== "none" ? (
					<TextField
						id="callback-token"
						label="Token Value"
						hint="Stored encrypted and never shown again."
						type="password"
						value={tokenValue}
						onChange={(event) => setTokenValue(event.target.value)}
						errors={errors.fields.tokenValue}
						aria-required="true"
						autoComplete="new-password"
					/>
				) : null}
				<div className="dialog-actions">
					<button type="button" className="button" onClick={onClose}>
						Cancel
					</button>
					<button type="submit" className="button button-primary" disabled={busy}>
						{busy ? "Checking the endpoint…" : "Register"}
					</button>
				</div>
			</form>
		</Dialog>
	);
}

function RotateDialog({
	endpoint,
	onClose,
	onRotated,
}: {
	endpoint: CallbackEndpoint;
	onClose: () => void;
	onRotated: () => void;
}) {
	const { api } = useSession();
	const [tokenValue, setTokenValue] = useState("");
	const [errors, setErrors] = useState<string[]>([]);
	const [busy, setBusy] = useState(false);

	const submit = async (event: FormEvent) => {
		event.preventDefault();
		setBusy(true);
		setErrors([]);
		try {
			await api.rotateCallbackToken(endpoint.callbackId, tokenValue);
			onRotated();
		} catch (failure) {
			setErrors(problemsOf(failure));
			setBusy(false);
		}
	};

	return (
		<Dialog title="Rotate token" onClose={onClose}>
			<form onSubmit={submit} noValidate className="form">
				<p>
					Deliveries to <strong>{endpoint.name}</strong> send the new token from now on ({authLabel(endpoint)}).
				</p>
				<TextField
					id="rotate-token"
					label="New Token Value"
					type="password"
					value={tokenValue}
					onChange={(event) => setTokenValue(event.target.value)}
					errors={errors}
					aria-required="true"
					autoComplete="new-password"
				/>
				<div className="dialog-actions">
					<button type="button" className="button" onClick={onClose}>
						Cancel
					</button>
					<button type="submit" className="button button-primary" disabled={busy}>
						{busy ? "Rotating…" : "Rotate token"}
					</button>
				</div>
			</form>
		</Dialog>
	);
}

/** Settings → Callback Endpoints: where scans report when they finish. */
export function CallbacksPage() {
	const { api } = useSession();
	const callbacks = useResource(() => api.listCallbacks(), [api]);
	const [registering, setRegistering] = useState(false);
	const [rotating, setRotating] = useState<CallbackEndpoint | null>(null);
	const [deleting, setDeleting] = useState<CallbackEndpoint | null>(null);
	const [notice, setNotice] = useState<string | null>(null);

	const open = (action: () => void) => {
		setNotice(null);
		action();
	};

	return (
		<>
			<PageHeader
				title="Callback Endpoints"
				description="Registered endpoints are told when a scan finishes; sensors refer to them by Callback ID."
				actions={
					<button type="button" className="button button-primary" onClick={() => open(() => setRegistering(true))}>
						Register
					</button>
				}
			/>
			{notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
			{callbacks.error && !callbacks.data ? (
				<ErrorState title="Could not load callback endpoints" error={callbacks.error} onRetry={callbacks.reload} />
			) : !callbacks.data ? (
				<Loading label="Loading callback endpoints…" />
			) : callbacks.data.length === 0 ? (
				<EmptyState title="No callback endpoints yet">
					<p>Register one to be told when scans finish instead of polling for their status.</p>
				</EmptyState>
			) : (
				<div className="table-wrap">
					<table className="table table-cards">
						<caption className="visually-hidden">Callback endpoints of your organisation</caption>
						<thead>
							<tr>
								<th scope="col">Name</th>
								<th scope="col">Callback URL</th>
								<th scope="col">Authentication</th>
								<th scope="col">Created</th>
								<th scope="col">Actions</th>
							</tr>
						</thead>
						<tbody>
							{callbacks.data.map((endpoint) => (
								<tr key={endpoint.callbackId}>
									<td data-label="Name" className="cell-primary">
										<span className="cell-title">{endpoint.name}</span>
										<code className="cell-sub">{endpoint.callbackId}</code>
									</td>
									<td data-label="Callback URL" className="cell-wrap">
										<code>{endpoint.url}</code>
									</td>
									<td data-label="Authentication">
										{authLabel(endpoint)}
										{endpoint.tokenRotatedAt ? (
											<span className="cell-sub">
												token rotated <Time iso={endpoint.tokenRotatedAt} />
											</span>
										) : null}
									</td>
									<td data-label="Created">
										<Time iso={endpoint.createdAt} />
									</td>
									<td data-label="Actions" className="cell-actions">
										<CopyButton value={endpoint.callbackId} label="Copy Callback ID" className="button button-small" />
										{endpoint.authType !== "none" ? (
											<button
												type="button"
												className="button button-small"
												onClick={() => open(() => setRotating(endpoint))}
												aria-label={`Rotate token of ${endpoint.name}`}
											>
												Rotate token
											</button>
										) : null}
										<button
											type="button"
											className="button button-small button-danger-ghost"
											onClick={() => open(() => setDeleting(endpoint))}
											aria-label={`Delete ${endpoint.name}`}
										>
											Delete
										</button>
									</td>
								</tr>
							))}
						</tbody>
					</table>
				</div>
			)}
			{registering ? <RegisterDialog onClose={() => setRegistering(false)} onRegistered={callbacks.reload} /> : null}
			{rotating ? (
				<RotateDialog
					endpoint={rotating}
					onClose={() => setRotating(null)}
					onRotated={() => {
						setRotating(null);
						setNotice(`Token of “${rotating.name}” rotated.`);
						void callbacks.reload();
					}}
				/>
			) : null}
			{deleting ? (
				<ConfirmDialog
					title="Delete endpoint?"
					confirmLabel="Delete endpoint"
					onClose={() => setDeleting(null)}
					onConfirm={async () => {
						await api.deleteCallback(deleting.callbackId);
						setDeleting(null);
						setNotice(`Endpoint “${deleting.name}” deleted.`);
						await callbacks.reload();
					}}
				>
					<p>
						Scans of sensors that use <strong>{deleting.name}</strong> will no longer report to{" "}
						<code>{deleting.url}</code>. Past deliveries stay in each scan's history.
					</p>
				</ConfirmDialog>
			) : null}
		</>
	);
}
