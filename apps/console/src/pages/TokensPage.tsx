import { type FormEvent, useState } from "react";
import { ConfirmDialog, CopyField, Dialog } from "../components/dialog.tsx";
import { useResource } from "../components/hooks.ts";
import { useSession } from "../components/session.tsx";
import {
	EmptyState,
	ErrorState,
	FormErrors,
	Loading,
	Notice,
	PageHeader,
	SelectField,
	TextAreaField,
	TextField,
	Time,
} from "../components/ui.tsx";
import { ApiError } from "../lib/api.ts";
import { type SortedErrors, sortErrors, TOKEN_FIELDS, type TokenField } from "../lib/field-errors.ts";
import { expiryState, formatDate, formatDateTime } from "../lib/format.ts";
import {
	type AccessToken,
	DEFAULT_TOKEN_EXPIRY_DAYS,
	type IssuedToken,
	TOKEN_EXPIRY_DAYS,
	TOKEN_TYPES,
	type TokenExpiryDays,
	type TokenType,
} from "../lib/types.ts";

const NO_ERRORS: SortedErrors<TokenField> = { fields: {}, form: [] };

const TYPE_OPTIONS = TOKEN_TYPES.map((type) => ({ value: type, label: type }));
const EXPIRY_OPTIONS = TOKEN_EXPIRY_DAYS.map((days) => ({
	value: String(days),
	label: days === 365 ? "1 year (365 days)" : `${days} days`,
}));

function tokenState(token: AccessToken): { label: string; tone: string } {
	if (token.revokedAt) return { label: "Revoked", tone: "badge-muted" };
	const expiry = expiryState(token.expiresAt);
	if (expiry === "expired") return { label: "Expired", tone: "badge-muted" };
	if (expiry === "soon") return { label: "Expires soon", tone: "badge-warning" };
	return { label: "Active", tone: "badge-success" };
}

/** The Generate Token form, then the token itself, shown once. */
function GenerateTokenDialog({ onClose, onGenerated }: { onClose: () => void; onGenerated: () => void }) {
	const { api } = useSession();
	const [name, setName] = useState("");
	const [description, setDescription] = useState("");
	const [type, setType] = useState<TokenType>("API Token");
	const [expiresInDays, setExpiresInDays] = useState<TokenExpiryDays>(DEFAULT_TOKEN_EXPIRY_DAYS);
	const [errors, setErrors] = useState(NO_ERRORS);
	const [busy, setBusy] = useState(false);
	const [issued, setIssued] = useState<IssuedToken | null>(null);

	const submit = async (event: FormEvent) => {
		event.preventDefault();
		setBusy(true);
		setErrors(NO_ERRORS);
		try {
			const token = await api.createToken({
				...(name.trim() ? { name: name.trim() } : {}),
				...(description.trim() ? { description: description.trim() } : {}),
				type,
				expiresInDays,
			});
			setIssued(token);
			onGenerated();
		} catch (failure) {
			const problems = failure instanceof ApiError ? failure.problems : [String(failure)];
			setErrors(sortErrors(problems, TOKEN_FIELDS));
		} finally {
			setBusy(false);
		}
	};

	if (issued) {
		return (
			<Dialog title="Token generated" onClose={onClose}>
				<p>
					<strong>{issued.name}</strong> ({issued.type}) expires on {formatDate(issued.expiresAt)}.
				</p>
				<CopyField
					id="issued-token"
					label="Your new token"
					value={issued.token}
					warning="Copy the token now and keep it in a secrets store: it will not be shown again."
				/>
				<p className="muted">
					Send it in the <code>isg-api-token</code> header of every API request.
				</p>
				<div className="dialog-actions">
					<button type="button" className="button button-primary" onClick={onClose}>
						Done
					</button>
				</div>
			</Dialog>
		);
	}

	return (
		<Dialog title="Generate Token" onClose={onClose}>
			<form onSubmit={submit} noValidate className="form">
				<FormErrors errors={errors.form} />
				<TextField
					id="token-name"
					label="Token Name"
					hint="A short, descriptive name, such as the pipeline that will use it."
					value={name}
					onChange={(event) => setName(event.target.value)}
					errors={errors.fields.name}
					maxLength={200}
					aria-required="true"
					autoComplete="off"
				/>
				<TextAreaField
					id="token-description"
					label="Description"
					optional
					value={description}
					onChange={(event) => setDescription(event.target.value)}
					errors={errors.fields.description}
					maxLength={1000}
					rows={2}
				/>
				<SelectField
					id="token-type"
					label="Token Type"
					hint="API Tokens run scans; Admin Tokens can also manage tokens and callback endpoints."
					value={type}
					onChange={(event) => setType(event.target.value as TokenType)}
					errors={errors.fields.type}
					options={TYPE_OPTIONS}
				/>
				<SelectField
					id="token-expiry"
					label="Expiration Time"
					value={String(expiresInDays)}
					onChange={(event) => setExpiresInDays(Number(event.target.value) as TokenExpiryDays)}
					errors={errors.fields.expiresInDays}
					options={EXPIRY_OPTIONS}
				/>
				<div className="dialog-actions">
					<button type="button" className="button" onClick={onClose}>
						Cancel
					</button>
					<button type="submit" className="button button-primary" disabled={busy}>
						{busy ? "Generating…" : "Generate"}
					</button>
				</div>
			</form>
		</Dialog>
	);
}

/** Settings → Access Tokens: the organisation's tokens, generating and revoking them. */
export function TokensPage() {
	const { api } = useSession();
	const tokens = useResource(() => api.listTokens(), [api]);
	const [generating, setGenerating] = useState(false);
	const [revoking, setRevoking] = useState<AccessToken | null>(null);
	const [notice, setNotice] = useState<string | null>(null);

	return (
		<>
			<PageHeader
				title="Access Tokens"
				description="Tokens let pipelines and scripts call the Scan API. Each is shown once, when it is generated."
				actions={
					<button
						type="button"
						className="button button-primary"
						onClick={() => {
							setNotice(null);
							setGenerating(true);
						}}
					>
						Generate Token
					</button>
				}
			/>
			{notice ? <Notice onDismiss={() => setNotice(null)}>{notice}</Notice> : null}
			{tokens.error && !tokens.data ? (
				<ErrorState title="Could not load tokens" error={tokens.error} onRetry={tokens.reload} />
			) : !tokens.data ? (
				<Loading label="Loading tokens…" />
			) : tokens.data.length === 0 ? (
				<EmptyState title="No tokens yet">
					<p>Generate one for each pipeline or script, so each can be revoked on its own.</p>
				</EmptyState>
			) : (
				<div className="table-wrap">
					<table className="table table-cards">
						<caption className="visually-hidden">Access tokens of your organisation</caption>
						<thead>
							<tr>
								<th scope="col">Name</th>
								<th scope="col">Type</th>
								<th scope="col">Prefix</th>
								<th scope="col">Created</th>
								<th scope="col">Expires</th>
								<th scope="col">Last used</th>
								<th scope="col">Status</th>
								<th scope="col">
									<span className="visually-hidden">Actions</span>
								</th>
							</tr>
						</thead>
						<tbody>
							{tokens.data.map((token) => {
								const state = tokenState(token);
								return (
									<tr key={token.tokenId} className={token.revokedAt ? "row-muted" : undefined}>
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
											<span className={`badge ${state.tone}`}>{state.label}</span>
											{token.revokedAt ? (
												<span className="cell-sub">
													<Time iso={token.revokedAt} />
												</span>
											) : null}
										</td>
										<td className="cell-action">
											{token.revokedAt ? null : (
												<button
													type="button"
													className="button button-small button-danger-ghost"
													onClick={() => {
														setNotice(null);
														setRevoking(token);
													}}
													aria-label={`Revoke ${token.name}`}
												>
													Revoke
												</button>
											)}
										</td>
									</tr>
								);
							})}
						</tbody>
					</table>
				</div>
			)}
			{generating ? <GenerateTokenDialog onClose={() => setGenerating(false)} onGenerated={tokens.reload} /> : null}
			{revoking ? (
				<ConfirmDialog
					title="Revoke token?"
					confirmLabel="Revoke token"
					onClose={() => setRevoking(null)}
					onConfirm={async () => {
						await api.revokeToken(revoking.tokenId);
						setRevoking(null);
						setNotice(`Token “${revoking.name}” revoked.`);
						await tokens.reload();
					}}
				>
					<p>
						<strong>{revoking.name}</strong> (<code>{revoking.prefix}…</code>) stops working at once: every request that
						sends it will be refused. This cannot be undone.
					</p>
				</ConfirmDialog>
			) : null}
		</>
	);
}
