import { useState } from "react";
import { useResource } from "../components/hooks.ts";
import { useSession } from "../components/session.tsx";
import { DataTable } from "../components/ui.tsx";
import { formatCount } from "../lib/format.ts";
import type { Diagnostic } from "../lib/types.ts";

/**
 * Files this execution could not read or parse: the scan went on without them, so their findings may be
 * missing. Shown only when there are any; later pages load on demand.
 */
export function DiagnosticsPanel({ executionId, filesFailed }: { executionId: string; filesFailed: number }) {
	const { api } = useSession();
	const first = useResource(
		() => (filesFailed > 0 ? api.listDiagnostics(executionId) : Promise.resolve(null)),
		[api, executionId, filesFailed],
	);
	const [more, setMore] = useState<{ rows: Diagnostic[]; cursor: string | null } | null>(null);
	if (filesFailed === 0 || !first.data) return null;
	const rows = [...first.data.diagnostics, ...(more?.rows ?? [])];
	const cursor = more ? more.cursor : first.data.nextCursor;
	const loadMore = async () => {
		if (!cursor) return;
		const page = await api.listDiagnostics(executionId, cursor);
		setMore({ rows: [...(more?.rows ?? []), ...page.diagnostics], cursor: page.nextCursor });
	};
	return (
		<section className="panel" aria-labelledby="diagnostics-title">
			<h2 id="diagnostics-title" className="panel-title">
				Files that could not be read or parsed
			</h2>
			<p className="muted">
				{formatCount(filesFailed)} {filesFailed === 1 ? "file" : "files"}: the scan went on without them, so what they
				hold may be missing from the findings.
			</p>
			<DataTable caption="Diagnostics of this scan" columns={["Location", "Stage", "Error"]} className="table">
				{rows.map((row) => (
					<tr key={row.id}>
						<td className="cell-wrap">
							<code>{row.path}</code>
						</td>
						<td>{row.stage}</td>
						<td>
							<code>{row.errorClass}</code> {row.message}
						</td>
					</tr>
				))}
			</DataTable>
			{cursor ? (
				<button type="button" className="button" onClick={loadMore}>
					Show more
				</button>
			) : null}
		</section>
	);
}
