import { type FormEvent, useState } from "react";
import { type ApiClient, ApiError } from "../lib/api.ts";
import type { Session } from "../lib/types.ts";

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
				<div className="field">
					<label htmlFor="sign-in-email">Email</label>
					<input
						id="sign-in-email"
						type="email"
						autoComplete="username"
						value={email}
						onChange={(event) => setEmail(event.target.value)}
						required
					/>
				</div>
				<div className="field">
					<label htmlFor="sign-in-password">Password</label>
					<input
						id="sign-in-password"
						type="password"
						autoComplete="current-password"
						value={password}
						onChange={(event) => setPassword(event.target.value)}
						required
					/>
				</div>
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
