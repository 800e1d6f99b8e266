import { CopyField } from "../components/dialog.tsx";
import { DoneDialog, FormDialog, useFormFields, useFormSubmission } from "../components/form-dialog.tsx";
import {
	ConfirmItemAction,
	ResourceList,
	type ResourceListState,
	useResourceList,
} from "../components/resource-list.tsx";
import { useSession } from "../components/session.tsx";
import { type Column, DataTable, EmptyState, SelectField, TextAreaField, TextField, Time } from "../components/ui.tsx";
import { type SortedErrors, sortErrors, TOKEN_FIELDS, type TokenField } from "../lib/field-errors.ts";
import { expiryState, formatDate, formatDateTime } from "../lib/format.ts";
import {
	type AccessToken,
	DEFAULT_TOKEN_EXPIRY_DAYS,
	type IssuedToken,
	type NewTokenRequest,
	TOKEN_EXPIRY_DAYS,
	TOKEN_TYPES,
	type TokenExpiryDays,
	type TokenType,
} from "../lib/types.ts";

const TYPE_OPTIONS = TOKEN_TYPES.map((type) => ({ value: type, label: type }));
const EXPIRY_OPTIONS = TOKEN_EXPIRY_DAYS.map((days) => ({
	value: String(days),
	label: days === 365 ? "1 year (365 days)" : `${days} days`,
}));

interface TokenForm {
	name: string;
	description: string;
	type: TokenType;
	expiresInDays: TokenExpiryDays;
}

const EMPTY_FORM: TokenForm = {
	name: "",
	description: "",
	type: "API Token",
	expiresInDays: DEFAULT_TOKEN_EXPIRY_DAYS,
};

function tokenRequest(form: TokenForm): NewTokenRequest {
	return {
		...(form.name.trim() ? { name: form.name.trim() } : {}),
		...(form.description.trim() ? { description: form.description.trim() } : {}),
		type: form.type,
		expiresInDays: form.expiresInDays,
	};
}

type TokensState = ResourceListState<AccessToken, "revoke">;

function tokenState(token: AccessToken): { label: string; tone: string } {
	if (token.revokedAt) return { label: "Revoked", tone: "badge-muted" };
	const expiry = expiryState(token.expiresAt);
	if (expiry === "expired") return { label: "Expired", tone: "badge-muted" };
	if (expiry === "soon") return { label: "Expires soon", tone: "badge-warning" };
	return { label: "Active", tone: "badge-success" };
}

/** The token itself, shown once. */
function TokenIssuedDialog({ token, onClose }: { token: IssuedToken; onClose: () => void }) {
	return (
		<DoneDialog title="Token generated" onClose={onClose}>
			<p>
				<strong>{token.name}</strong> ({token.type}) expires on {formatDate(token.expiresAt)}.
			</p>
			<CopyField
				id="issued-token"
				label="Your new token"
				value={token.token}
				warning="Copy the token now and keep it in a secrets store: it will not be shown again."
			/>
			<p className="muted">
				Send it in the <code>isg-api-token</code> header of every API request.
			</p>
		</DoneDialog>
	);
}

function TokenFields({
	form,
	change,
	errors,
}: {
	form: TokenForm;
	change: (change: Partial<TokenForm>) => void;
	errors: SortedErrors<TokenField>["fields"];
}) {
	return (
		<>
			<TextField
				id="token-name"
				label="Token Name"
				hint="A short, descriptive name, such as the pipeline that will use it."
				value={form.name}
				onChange={(event) => change({ name: event.target.value })}
				errors={errors.name}
				maxLength={200}
				aria-required="true"
				autoComplete="off"
			/>
			<TextAreaField
				id="token-description"
				label="Description"
				optional
				value={form.description}
				onChange={(event) => change({ description: event.target.value })}
				errors={errors.description}
				maxLength={1000}
				rows={2}
			/>
			<SelectField
				id="token-type"
				label="Token Type"
				hint="API Tokens run scans; Admin Tokens can also manage tokens and callback endpoints."
				value={form.type}
				onChange={(event) => change({ type: event.target.value as TokenType })}
				errors={errors.type}
				options={TYPE_OPTIONS}
			/>
			<SelectField
				id="token-expiry"
				label="Expiration Time"
				value={String(form.expiresInDays)}
				onChange={(event) => change({ expiresInDays: Number(event.target.value) as TokenExpiryDays })}
				errors={errors.expiresInDays}
				options={EXPIRY_OPTIONS}
			/>
		</>
	);
}

/** The Generate Token form, then the token itself, shown once. */
function GenerateTokenDialog({ onClose, onGenerated }: { onClose: () => void; onGenerated: () => void }) {
	const { api } = useSession();
	const [form, change] = useFormFields(EMPTY_FORM);
	const submission = useFormSubmission(() => api.createToken(tokenRequest(form)), onGenerated);
	if (submission.result) return <TokenIssuedDialog token={submission.result} onClose={onClose} />;
	const errors = sortErrors(submission.problems, TOKEN_FIELDS);
	return (
		<FormDialog
			title="Generate Token"
			submission={submission}
			submitLabel="Generate"
			busyLabel="Generating…"
			formErrors={errors.form}
			onClose={onClose}
		>
			<TokenFields form={form} change={change} errors={errors.fields} />
		</FormDialog>
	);
}

function TokenStatus({ token }: { token: AccessToken }) {
	const state = tokenState(token);
	return (
		<>
			<span className={`badge ${state.tone}`}>{state.label}</span>
			{token.revokedAt ? (
				<span className="cell-sub">
					<Time iso={token.revokedAt} />
				</span>
			) : null}
		</>
	);
}

function TokenRow({ token, onRevoke }: { token: AccessToken; onRevoke: () => void }) {
	return (
		<tr className={token.revokedAt ? "row-muted" : undefined}>
			<td data-label="Name" className="cell-primary">
				<span className="cell-title">{token.name}</span>
				{token.description ? <span className="cell-sub">{token.description}</span> : null}
				<span className="cell-sub">by {token.email}</span>
			</td>
			<td data-label="Type">{token.type}</td>
			<td data-label="Prefix">
				<code>{token.prefix}…</code>
			</td>
			<td data-label="Created">
				<Time iso={token.createdAt} />
			</td>
			<td data-label="Expires">
				<time dateTime={token.expiresAt} title={formatDateTime(token.expiresAt)}>
					{formatDate(token.expiresAt)}
				</time>
			</td>
			<td data-label="Last used">
				{token.lastUsedAt ? <Time iso={token.lastUsedAt} /> : <span className="muted">Never</span>}
			</td>
			<td data-label="Status">
				<TokenStatus token={token} />
			</td>
			<td className="cell-action">
				{token.revokedAt ? null : (
					<button
						type="button"
						className="button button-small button-danger-ghost"
						onClick={onRevoke}
						aria-label={`Revoke ${token.name}`}
					>
						Revoke
					</button>
				)}
			</td>
		</tr>
	);
}

const TOKEN_COLUMNS: readonly Column[] = [
	"Name",
	"Type",
	"Prefix",
	"Created",
	"Expires",
	"Last used",
	"Status",
	{ label: "Actions", hidden: true },
];

function TokensTable({ tokens, onRevoke }: { tokens: AccessToken[]; onRevoke: (token: AccessToken) => void }) {
	return (
		<DataTable caption="Access tokens of your organisation" columns={TOKEN_COLUMNS}>
			{tokens.map((token) => (
				<TokenRow key={token.tokenId} token={token} onRevoke={() => onRevoke(token)} />
			))}
		</DataTable>
	);
}

function RevokeTokenDialog({ token, page }: { token: AccessToken; page: TokensState }) {
	const { api } = useSession();
	return (
		<ConfirmItemAction
			state={page}
			title="Revoke token?"
			confirmLabel="Revoke token"
			act={() => api.revokeToken(token.tokenId)}
			notice={`Token “${token.name}” revoked.`}
		>
			<p>
				<strong>{token.name}</strong> (<code>{token.prefix}…</code>) stops working at once: every request that sends it
				will be refused. This cannot be undone.
			</p>
		</ConfirmItemAction>
	);
}

/** Settings → Access Tokens: the organisation's tokens, generating and revoking them. */
export function TokensPage() {
	const { api } = useSession();
	const page: TokensState = useResourceList(() => api.listTokens(), [api]);
	const { dialog } = page;
	return (
		<>
			<ResourceList
				state={page}
				title="Access Tokens"
				description="Tokens let pipelines and scripts call the Scan API. Each is shown once, when it is generated."
				createLabel="Generate Token"
				loadingLabel="Loading tokens…"
				errorTitle="Could not load tokens"
				empty={
					<EmptyState title="No tokens yet">
						<p>Generate one for each pipeline or script, so each can be revoked on its own.</p>
					</EmptyState>
				}
			>
				{(tokens) => <TokensTable tokens={tokens} onRevoke={(token) => page.open({ kind: "revoke", item: token })} />}
			</ResourceList>
			{dialog?.kind === "create" ? <GenerateTokenDialog onClose={page.close} onGenerated={page.list.reload} /> : null}
			{dialog?.kind === "revoke" ? <RevokeTokenDialog token={dialog.item} page={page} /> : null}
		</>
	);
}
