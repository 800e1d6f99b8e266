import { useCallback, useEffect, useRef, useState } from "react";
import { useRouter } from "../components/router.tsx";
import { useSession } from "../components/session.tsx";
import { type Column, DataTable, EmptyState, ErrorState, Loading, Priority } from "../components/ui.tsx";
import type { ApiError } from "../lib/api.ts";
import { describeFinding, type FindingRow, kindLabel } from "../lib/findings.ts";
import { expiryState, formatCount, formatDate, formatDateTime } from "../lib/format.ts";
import type { Execution, Finding } from "../lib/types.ts";

const FINDINGS_PAGE = 100;

const FINDING_COLUMNS: readonly Column[] = [
	"Type",
	"Location",
	"Algorithm",
	"Key size",
	"Expiry",
	"Priority",
	{ label: "Details", hidden: true },
];

function Expiry({ iso }: { iso: string | null }) {
	if (!iso) return <span className="muted">—</span>;
	const state = expiryState(iso);
	return (
		<span className="expiry">
			<time dateTime={iso} title={formatDateTime(iso)}>
				{formatDate(iso)}
			</time>
			{state === "expired" ? <span className="badge badge-danger">Expired</span> : null}
			{state === "soon" ? <span className="badge badge-warning">Expires soon</span> : null}
		</span>
	);
}

function FindingDetails({ row }: { row: FindingRow }) {
	return (
		<div className="finding-details">
			{row.reasons.length ? (
				<>
					<h3>Why it matters</h3>
					<ul>
						{row.reasons.map((reason) => (
							<li key={reason}>{reason}</li>
						))}
					</ul>
				</>
			) : null}
			<h3>Recorded facts</h3>
			<dl className="attributes">
				{row.attributes.map(([name, value]) => (
					<div key={name}>
						<dt>{name}</dt>
						<dd>{value}</dd>
					</div>
				))}
			</dl>
		</div>
	);
}

/** A finding's row, and under it, once opened, every fact recorded about it. */
function FindingRowView({ row, expanded, onToggle }: { row: FindingRow; expanded: boolean; onToggle: () => void }) {
	const detailsId = `finding-${row.id}`;
	return (
		<>
			<tr>
				<td data-label="Type" className="cell-primary">
					<span className={`kind kind-${row.kind}`}>{row.type}</span>
					{row.subject ? <span className="cell-sub">{row.subject}</span> : null}
				</td>
				<td data-label="Location" className="cell-wrap">
					<code>{row.location}</code>
				</td>
				<td data-label="Algorithm">{row.algorithm ?? <span className="muted">—</span>}</td>
				<td data-label="Key size">{row.keySize ?? <span className="muted">—</span>}</td>
				<td data-label="Expiry">
					<Expiry iso={row.expiry} />
				</td>
				<td data-label="Priority">
					<Priority priority={row.priority} />
				</td>
				<td className="cell-action">
					<button
						type="button"
						className="button button-small button-ghost"
						aria-expanded={expanded}
						aria-controls={detailsId}
						onClick={onToggle}
					>
						{expanded ? "Hide details" : "Details"}
					</button>
				</td>
			</tr>
			{expanded ? (
				<tr className="row-details" id={detailsId}>
					<td colSpan={FINDING_COLUMNS.length}>
						<FindingDetails row={row} />
					</td>
				</tr>
			) : null}
		</>
	);
}

function FindingsTable({ findings }: { findings: Finding[] }) {
	const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
	const toggle = (id: string) =>
		setOpen((current) => {
			const next = new Set(current);
			if (next.has(id)) next.delete(id);
			else next.add(id);
			return next;
		});
	return (
		<DataTable caption="Findings of this scan" columns={FINDING_COLUMNS}>
			{findings.map(describeFinding).map((row) => (
				<FindingRowView key={row.id} row={row} expanded={open.has(row.id)} onToggle={() => toggle(row.id)} />
			))}
		</DataTable>
	);
}

/** The execution's findings of one type (all when `type` is empty), a page at a time. */
function useFindings(executionId: string, type: string) {
	const { api } = useSession();
	const [items, setItems] = useState<Finding[]>([]);
	const [nextCursor, setNextCursor] = useState<string | null>(null);
	const [loading, setLoading] = useState(true);
	const [error, setError] = useState<ApiError | null>(null);

	// A page for a type the reader has since left is dropped.
	const shownType = useRef(type);
	const load = useCallback(
		async (cursor?: string) => {
			setLoading(true);
			setError(null);
			try {
				const page = await api.listFindings(executionId, { type: type || undefined, limit: FINDINGS_PAGE, cursor });
				if (shownType.current !== type) return;
				setItems((current) => (cursor ? [...current, ...page.findings] : page.findings));
				setNextCursor(page.nextCursor);
			} catch (failure) {
				if (shownType.current === type) setError(failure as ApiError);
			} finally {
				if (shownType.current === type) setLoading(false);
			}
		},
		[api, executionId, type],
	);

	useEffect(() => {
		shownType.current = type;
		setItems([]);
		void load();
	}, [load, type]);

	return { items, nextCursor, loading, error, load };
}

function FindingTypes({ execution, type }: { execution: Execution; type: string }) {
	const { navigate, path } = useRouter();
	const byType = Object.entries(execution.findings?.byType ?? {}).filter(([, count]) => count > 0);
	const choose = (kind: string) =>
		navigate(kind ? `${path}?type=${encodeURIComponent(kind)}` : path, { replace: true });
	if (byType.length <= 1) return null;
	return (
		<fieldset className="segmented">
			<legend className="visually-hidden">Show findings of type</legend>
			<button type="button" aria-pressed={type === ""} onClick={() => choose("")}>
				All <span className="count">{formatCount(execution.findings?.total ?? 0)}</span>
			</button>
			{byType.map(([kind, count]) => (
				<button key={kind} type="button" aria-pressed={type === kind} onClick={() => choose(kind)}>
					{kindLabel(kind)} <span className="count">{formatCount(count)}</span>
				</button>
			))}
		</fieldset>
	);
}

function FindingsList({ execution, type }: { execution: Execution; type: string }) {
	const { items, nextCursor, loading, error, load } = useFindings(execution.executionId, type);
	if (error) return <ErrorState title="Could not load findings" error={error} onRetry={() => load()} />;
	if (items.length === 0 && loading) return <Loading label="Loading findings…" />;
	if (items.length === 0) {
		return (
			<EmptyState title={type ? `No ${kindLabel(type).toLowerCase()} findings` : "No findings"}>
				<p>The scan found no certificates, keys, tokens or other cryptographic assets.</p>
			</EmptyState>
		);
	}
	const total = execution.findings?.total ?? 0;
	return (
		<>
			<FindingsTable findings={items} />
			<div className="table-footer">
				<p className="muted">
					{formatCount(items.length)} of{" "}
					{formatCount(type ? (execution.findings?.byType[type] ?? items.length) : total)} shown
				</p>
				{nextCursor ? (
					<button type="button" className="button" onClick={() => load(nextCursor)} disabled={loading}>
						{loading ? "Loading…" : "Load more findings"}
					</button>
				) : null}
			</div>
		</>
	);
}

/** What a finished scan found, filtered by type (`?type=key`). */
export function FindingsPanel({ execution }: { execution: Execution }) {
	const type = useRouter().search.get("type") ?? "";
	return (
		<section className="panel" aria-labelledby="findings-title">
			<h2 id="findings-title" className="panel-title">
				Findings
			</h2>
			<FindingTypes execution={execution} type={type} />
			<FindingsList execution={execution} type={type} />
		</section>
	);
}
