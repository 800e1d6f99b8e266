import { Link } from "../components/router.tsx";
import { EmptyState, PageHeader } from "../components/ui.tsx";
import { paths } from "../lib/routes.ts";
import type { User } from "../lib/types.ts";

/** Settings reached by URL by someone who is not an organisation administrator. */
export function AdminOnly({ user }: { user: User }) {
	return (
		<>
			<PageHeader title="Settings" />
			<EmptyState title="This page needs an administrator">
				<p>
					Access tokens and callback endpoints are managed by the administrators of {user.orgName}. You are signed in as{" "}
					{user.email}, a user of the organisation. Ask an administrator if you need a token or an endpoint.
				</p>
				<p>
					<Link to={paths.scans}>Go to Scans</Link>
				</p>
			</EmptyState>
		</>
	);
}

export function NotFound() {
	return (
		<>
			<PageHeader title="Page not found" />
			<EmptyState title="There is nothing at this address">
				<p>
					<Link to={paths.scans}>Go to Scans</Link>
				</p>
			</EmptyState>
		</>
	);
}
