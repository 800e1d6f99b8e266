import { usePolling, useResource } from "../components/hooks.ts";
import { useSession } from "../components/session.tsx";
import { StatusBadge, Time } from "../components/ui.tsx";
import { formatCount } from "../lib/format.ts";

/**
 * Where this execution's findings are on their way to OpenSearch. Shown only where the API has the
 * export route; refreshed while the export is pending or running.
 */
export function ExportPanel({ executionId }: { executionId: string }) {
	const { api } = useSession();
	const exported = useResource(() => api.getExport(executionId), [api, executionId]);
	const state = exported.data?.state;
	usePolling(state === "pending" || state === "exporting", exported.reload);
	const view = exported.data;
	if (!view) return null;
	const badge = view.state === "done" ? "successful" : view.state === "exporting" ? "running" : view.state;
	return (
		<section className="panel" aria-labelledby="export-title">
			<h2 id="export-title" className="panel-title">
				OpenSearch export
			</h2>
			<p>
				<StatusBadge status={badge} /> <span className="visually-hidden">Export state: {view.state}</span>
				<span className="muted">
					{" "}
					{formatCount(view.documentsExported)} documents exported
					{view.documentsFailed > 0 ? `, ${formatCount(view.documentsFailed)} rejected` : ""} · {view.attempts}{" "}
					{view.attempts === 1 ? "attempt" : "attempts"}
					{view.state === "pending" && view.nextAttemptAt ? (
						<>
							{" "}
							· next <Time iso={view.nextAttemptAt} />
						</>
					) : null}
				</span>
			</p>
			{view.lastError ? <p className="muted">Last error: {view.lastError}</p> : null}
			{view.itemErrors.length > 0 ? (
				<table className="table">
					<caption className="visually-hidden">Documents OpenSearch rejected</caption>
					<thead>
						<tr>
							<th scope="col">Finding</th>
							<th scope="col">Status</th>
							<th scope="col">Error</th>
						</tr>
					</thead>
					<tbody>
						{view.itemErrors.map((item) => (
							<tr key={item.findingId}>
								<td>
									<code>{item.findingId}</code>
								</td>
								<td>{item.status}</td>
								<td>{item.error}</td>
							</tr>
						))}
					</tbody>
				</table>
			) : null}
		</section>
	);
}
