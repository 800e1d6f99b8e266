import { CopyButton, CopyField } from "../components/dialog.tsx";
import { DoneDialog, FormDialog, useFormFields, useFormSubmission } from "../components/form-dialog.tsx";
import {
	ConfirmItemAction,
	ResourceList,
	type ResourceListState,
	useResourceList,
} from "../components/resource-list.tsx";
import { useSession } from "../components/session.tsx";
import { DataTable, EmptyState, FieldErrors, TextField, Time } from "../components/ui.tsx";
import {
	CALLBACK_FIELDS,
	CALLBACK_RULES,
	type CallbackField,
	type SortedErrors,
	sortErrors,
} from "../lib/field-errors.ts";
import { formatDuration } from "../lib/format.ts";
import type { CallbackAuthType, CallbackEndpoint, NewCallbackRequest, RegisteredCallback } from "../lib/types.ts";

const AUTH_TYPES: { value: CallbackAuthType; label: string; hint: string }[] = [
	{ value: "none", label: "None", hint: "The endpoint checks the signature headers only." },
	{ value: "bearer", label: "Bearer Token", hint: "Sent as Authorization: Bearer <token>." },
	{ value: "apiToken", label: "API Token", hint: "Sent in a header of your choice." },
];

interface EndpointForm {
	name: string;
	url: string;
	authType: CallbackAuthType;
	headerName: string;
	tokenValue: string;
}

type EndpointAction = "rotate" | "delete";
type EndpointsState = ResourceListState<CallbackEndpoint, EndpointAction>;

const EMPTY_FORM: EndpointForm = { name: "", url: "", authType: "none", headerName: "", tokenValue: "" };

interface FieldsProps {
	form: EndpointForm;
	change: (change: Partial<EndpointForm>) => void;
	errors: SortedErrors<CallbackField>["fields"];
}

/** Only the fields of the chosen authentication type: the API refuses the others. */
function registration(form: EndpointForm): NewCallbackRequest {
	const { name, url, authType, headerName, tokenValue } = form;
	return {
		...(name.trim() ? { name: name.trim() } : {}),
		...(url.trim() ? { url: url.trim() } : {}),
		authType,
		...(authType === "apiToken" && headerName.trim() ? { headerName: headerName.trim() } : {}),
		...(authType !== "none" && tokenValue ? { tokenValue } : {}),
	};
}

function authLabel(endpoint: Pick<CallbackEndpoint, "authType" | "headerName">): string {
	if (endpoint.authType === "bearer") return "Bearer Token";
	if (endpoint.authType === "apiToken") return `API Token (${endpoint.headerName ?? "custom header"})`;
	return "None";
}

/** The endpoint's Callback ID and its signing secret, shown once. */
function RegisteredDialog({ endpoint, onClose }: { endpoint: RegisteredCallback; onClose: () => void }) {
	return (
		<DoneDialog title="Endpoint registered" onClose={onClose}>
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
		</DoneDialog>
	);
}

function AuthTypeChoice({ form, change, errors }: FieldsProps) {
	const invalid = Boolean(errors.authType?.length);
	return (
		<fieldset
			className={`field choice${invalid ? " field-invalid" : ""}`}
			aria-describedby={invalid ? "callback-auth-error" : undefined}
		>
			<legend>Authentication Type</legend>
			{AUTH_TYPES.map((option) => (
				<label key={option.value} className="choice-option">
					<input
						type="radio"
						name="callback-auth"
						value={option.value}
						checked={form.authType === option.value}
						onChange={() => change({ authType: option.value })}
					/>
					<span>
						<span className="choice-label">{option.label}</span>
						<span className="choice-hint">{option.hint}</span>
					</span>
				</label>
			))}
			<FieldErrors id="callback-auth-error" errors={errors.authType} />
		</fieldset>
	);
}

/** The header name for API Token, the token value for any authentication. */
function CredentialFields({ form, change, errors }: FieldsProps) {
	return (
		<>
			{form.authType === "apiToken" ? (
				<TextField
					id="callback-header"
					label="Header Name"
					hint="The header your endpoint reads the token from, for example X-Custom-Auth."
					value={form.headerName}
					onChange={(event) => change({ headerName: event.target.value })}
					errors={errors.headerName}
					aria-required="true"
					autoComplete="off"
				/>
			) : null}
			{form.authType !== "none" ? (
				<TextField
					id="callback-token"
					label="Token Value"
					hint="Stored encrypted and never shown again."
					type="password"
					value={form.tokenValue}
					onChange={(event) => change({ tokenValue: event.target.value })}
					errors={errors.tokenValue}
					aria-required="true"
					autoComplete="new-password"
				/>
			) : null}
		</>
	);
}

function EndpointFields(props: FieldsProps) {
	const { form, change, errors } = props;
	return (
		<>
			<TextField
				id="callback-name"
				label="Name"
				hint="A descriptive label, for example scans-callback-prod. At most 200 characters."
				value={form.name}
				onChange={(event) => change({ name: event.target.value })}
				errors={errors.name}
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
				value={form.url}
				onChange={(event) => change({ url: event.target.value })}
				errors={errors.url}
				maxLength={200}
				aria-required="true"
				autoComplete="off"
			/>
			<AuthTypeChoice {...props} />
			<CredentialFields {...props} />
		</>
	);
}

/** The Register New Endpoint form; the API checks the URL is reachable before it accepts it. */
function RegisterDialog({ onClose, onRegistered }: { onClose: () => void; onRegistered: () => void }) {
	const { api } = useSession();
	const [form, change] = useFormFields(EMPTY_FORM);
	const submission = useFormSubmission(() => api.registerCallback(registration(form)), onRegistered);
	if (submission.result) return <RegisteredDialog endpoint={submission.result} onClose={onClose} />;
	const errors = sortErrors(submission.problems, CALLBACK_FIELDS, CALLBACK_RULES);
	return (
		<FormDialog
			title="Register New Endpoint"
			submission={submission}
			submitLabel="Register"
			busyLabel="Checking the endpoint…"
			formErrors={errors.form}
			onClose={onClose}
			wide
		>
			<EndpointFields form={form} change={change} errors={errors.fields} />
		</FormDialog>
	);
}

function RotateDialog({ endpoint, page }: { endpoint: CallbackEndpoint; page: EndpointsState }) {
	const { api } = useSession();
	const [form, change] = useFormFields({ tokenValue: "" });
	const submission = useFormSubmission(
		() => api.rotateCallbackToken(endpoint.callbackId, form.tokenValue),
		() => void page.done(`Token of “${endpoint.name}” rotated.`),
	);
	return (
		<FormDialog
			title="Rotate token"
			submission={submission}
			submitLabel="Rotate token"
			busyLabel="Rotating…"
			onClose={page.close}
		>
			<p>
				Deliveries to <strong>{endpoint.name}</strong> send the new token from now on ({authLabel(endpoint)}).
			</p>
			<TextField
				id="rotate-token"
				label="New Token Value"
				type="password"
				value={form.tokenValue}
				onChange={(event) => change({ tokenValue: event.target.value })}
				errors={submission.problems}
				aria-required="true"
				autoComplete="new-password"
			/>
		</FormDialog>
	);
}

function DeleteDialog({ endpoint, page }: { endpoint: CallbackEndpoint; page: EndpointsState }) {
	const { api } = useSession();
	return (
		<ConfirmItemAction
			state={page}
			title="Delete endpoint?"
			confirmLabel="Delete endpoint"
			act={() => api.deleteCallback(endpoint.callbackId)}
			notice={`Endpoint “${endpoint.name}” deleted.`}
		>
			<p>
				Scans of sensors that use <strong>{endpoint.name}</strong> will no longer report to <code>{endpoint.url}</code>.
				Past deliveries stay in each scan's history.
			</p>
		</ConfirmItemAction>
	);
}

function EndpointRow({
	endpoint,
	onAction,
}: {
	endpoint: CallbackEndpoint;
	onAction: (action: EndpointAction) => void;
}) {
	return (
		<tr>
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
				<EndpointActions endpoint={endpoint} onAction={onAction} />
			</td>
		</tr>
	);
}

function EndpointActions({
	endpoint,
	onAction,
}: {
	endpoint: CallbackEndpoint;
	onAction: (action: EndpointAction) => void;
}) {
	return (
		<>
			<CopyButton value={endpoint.callbackId} label="Copy Callback ID" className="button button-small" />
			{endpoint.authType !== "none" ? (
				<button
					type="button"
					className="button button-small"
					onClick={() => onAction("rotate")}
					aria-label={`Rotate token of ${endpoint.name}`}
				>
					Rotate token
				</button>
			) : null}
			<button
				type="button"
				className="button button-small button-danger-ghost"
				onClick={() => onAction("delete")}
				aria-label={`Delete ${endpoint.name}`}
			>
				Delete
			</button>
		</>
	);
}

function EndpointsTable({
	endpoints,
	onAction,
}: {
	endpoints: CallbackEndpoint[];
	onAction: (action: EndpointAction, endpoint: CallbackEndpoint) => void;
}) {
	return (
		<DataTable
			caption="Callback endpoints of your organisation"
			columns={["Name", "Callback URL", "Authentication", "Created", "Actions"]}
		>
			{endpoints.map((endpoint) => (
				<EndpointRow key={endpoint.callbackId} endpoint={endpoint} onAction={(action) => onAction(action, endpoint)} />
			))}
		</DataTable>
	);
}

/** Settings → Callback Endpoints: where scans report when they finish. */
export function CallbacksPage() {
	const { api } = useSession();
	const page: EndpointsState = useResourceList(() => api.listCallbacks(), [api]);
	const { dialog } = page;
	return (
		<>
			<ResourceList
				state={page}
				title="Callback Endpoints"
				description="Registered endpoints are told when a scan finishes; sensors refer to them by Callback ID."
				createLabel="Register"
				loadingLabel="Loading callback endpoints…"
				errorTitle="Could not load callback endpoints"
				empty={
					<EmptyState title="No callback endpoints yet">
						<p>Register one to be told when scans finish instead of polling for their status.</p>
					</EmptyState>
				}
			>
				{(endpoints) => <EndpointsTable endpoints={endpoints} onAction={(kind, item) => page.open({ kind, item })} />}
			</ResourceList>
			{dialog?.kind === "create" ? <RegisterDialog onClose={page.close} onRegistered={page.list.reload} /> : null}
			{dialog?.kind === "rotate" ? <RotateDialog endpoint={dialog.item} page={page} /> : null}
			{dialog?.kind === "delete" ? <DeleteDialog endpoint={dialog.item} page={page} /> : null}
		</>
	);
}
