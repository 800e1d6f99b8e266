import { type FormEvent, useState } from "react";
import { type ApiClient, ApiError } from "../lib/api.ts";
import type { Session } from "../lib/types.ts";

function SignInField({
	id,
	label,
	type,
	autoComplete,
	value,
	onChange,
}: {
	id: string;
	label: string;
	type: "email" | "password";
	autoComplete: string;
	value: string;
	onChange: (value: string) => void;
}) {
	return (
		<div className="field">
			<label htmlFor={id}>{label}</label>
			<input
				id={id}
				type={type}
				autoComplete={autoComplete}
				value={value}
				onChange={(event) => onChange(event.target.value)}
				required
			/>
		</div>
	);
}

/** Email and password; the API's own words for a wrong password or a lockout. */
export function SignIn({
	api,
	onSignedIn,
	notice,
}: {
	api: ApiClient;
	onSignedIn: (session: Session) => void;
	notice?: string;
}) {
	const [email, setEmail] = useState("");
	const [password, setPassword] = useState("");
	const [error, setError] = useState<string | null>(null);
	const [busy, setBusy] = useState(false);

	const submit = async (event: FormEvent) => {
		event.preventDefault();
		if (!email.trim() || !password) {
			setError("Enter your email and password.");
			return;
		}
		setBusy(true);
		setError(null);
		try {
			onSignedIn(await api.signIn(email.trim(), password));
		} catch (failure) {
			setError(failure instanceof ApiError ? failure.message : String(failure));
			setPassword("");
			setBusy(false);
		}
	};

	return (
		<main className="sign-in" id="main">
			<form className="sign-in-card" onSubmit={submit} noValidate aria-labelledby="sign-in-title">
				<p className="brand brand-large">
					<span className="brand-mark" aria-hidden="true" />
					Sensorium
				</p>
				<h1 id="sign-in-title">Sign in</h1>
				{notice && !error ? (
					<p className="notice notice-info" role="status">
						{notice}
					</p>
				) : null}
				{error ? (
					<p className="notice notice-error" role="alert">
						{error}
					</p>
				) : null}
				<SignInField
					id="sign-in-email"
					label="Email"
					type="email"
					autoComplete="username"
					value={email}
					onChange={setEmail}
				/>
				<SignInField
					id="sign-in-password"
					label="Password"
					type="password"
					autoComplete="current-password"
					value={password}
					onChange={setPassword}
				/>
				<button type="submit" className="button button-primary button-block" disabled={busy}>
					{busy ? "Signing in…" : "Sign in"}
				</button>
				<p className="sign-in-help">
					No password yet? An operator sets one with <code>npx sensorium users set-password</code>.
				</p>
			</form>
		</main>
	);
}
