import { Fragment, useCallback, useEffect, useRef, useState } from "react";
import { usePolling, useResource } from "../components/hooks.ts";
import { Link, useRouter } from "../components/router.tsx";
import { useSession } from "../components/session.tsx";
import {
	EmptyState,
	ErrorState,
	Labels,
	Loading,
	Notice,
	PageHeader,
	Priority,
	StatusBadge,
	Time,
} from "../components/ui.tsx";
import type { ApiError } from "../lib/api.ts";
import { describeFinding, type FindingRow, kindLabel } from "../lib/findings.ts";
import { expiryState, formatBytes, formatCount, formatDate, formatDateTime, formatDuration } from "../lib/format.ts";
import { isActive, shouldPollExecution } from "../lib/polling.ts";
import { paths } from "../lib/routes.ts";
import type { Delivery, Execution, Finding } from "../lib/types.ts";
import { DiagnosticsPanel } from "./DiagnosticsPanel.tsx";
import { ExportPanel } from "./ExportPanel.tsx";

const FINDINGS_PAGE = 100;

function durationOf(execution: Execution, now: number): string {
	if (!execution.startedAt) return "—";
	const end = execution.finishedAt ? new Date(execution.finishedAt).getTime() : now;
	const text = formatDuration(end - new Date(execution.startedAt).getTime());
	return execution.finishedAt ? text : `${text} so far`;
}

function Progress({ execution }: { execution: Execution }) {
	const files = execution.progress?.filesScanned ?? 0;
	const bytes = execution.progress?.bytesScanned ?? 0;
	const queued = execution.status === "queued";
	return (
		<section className="panel panel-progress" aria-labelledby="progress-title">
			<h2 id="progress-title" className="panel-title">
				{queued ? "Waiting for a worker" : "Scanning"}
			</h2>
			<div
				className={`progress-bar${queued ? " progress-bar-idle" : ""}`}
				role="progressbar"
				aria-label={queued ? "Queued" : "Scan in progress"}
			>
				<span />
			</div>
			<p className="muted">
				{queued
					? "The scan starts as soon as a worker is free; high-priority scans go first."
					: `${formatCount(files)} ${files === 1 ? "file" : "files"} · ${formatBytes(bytes)} read so far`}
			</p>
		</section>
	);
}

function Failure({ execution }: { execution: Execution }) {
	return (
		<section className="panel panel-error" aria-labelledby="failure-title" role="alert">
			<h2 id="failure-title" className="panel-title">
				The scan failed{execution.errorCode ? <code className="error-code">{execution.errorCode}</code> : null}
			</h2>
			<p>{execution.message}</p>
		</section>
	);
}

function Summary({ execution }: { execution: Execution }) {
	const now = Date.now();
	return (
		<section className="panel" aria-labelledby="summary-title">
			<h2 id="summary-title" className="panel-title">
				Summary
			</h2>
			<dl className="facts">
				<div>
					<dt>Status</dt>
					<dd>
						<StatusBadge status={execution.status} />
					</dd>
				</div>
				<div>
					<dt>Message</dt>
					<dd>{execution.message || "—"}</dd>
				</div>
				<div>
					<dt>Priority</dt>
					<dd>
						<Priority priority={execution.priority} />
					</dd>
				</div>
				<div>
					<dt>Labels</dt>
					<dd>
						<Labels labels={execution.labels} />
					</dd>
				</div>
				<div>
					<dt>Ran by</dt>
					<dd className="cell-wrap">{execution.ranBy}</dd>
				</div>
				<div>
					<dt>Ran at</dt>
					<dd>{formatDateTime(execution.ranAt)}</dd>
				</div>
				<div>
					<dt>Started</dt>
					<dd>{formatDateTime(execution.startedAt)}</dd>
				</div>
				<div>
					<dt>Finished</dt>
					<dd>{formatDateTime(execution.finishedAt)}</dd>
				</div>
				<div>
					<dt>Duration</dt>
					<dd>{durationOf(execution, now)}</dd>
				</div>
				<div>
					<dt>Files scanned</dt>
					<dd>{formatCount(execution.progress?.filesScanned ?? 0)}</dd>
				</div>
				{execution.progress?.filesFailed ? (
					<div>
						<dt>Files not read</dt>
						<dd>{formatCount(execution.progress.filesFailed)}</dd>
					</div>
				) : null}
				<div>
					<dt>Data read</dt>
					<dd>{formatBytes(execution.progress?.bytesScanned ?? 0)}</dd>
				</div>
				<div>
					<dt>Findings</dt>
					<dd>{execution.findings ? formatCount(execution.findings.total) : "—"}</dd>
				</div>
			</dl>
		</section>
	);
}

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
		<div className="table-wrap">
			<table className="table table-cards">
				<caption className="visually-hidden">Findings of this scan</caption>
				<thead>
					<tr>
						<th scope="col">Type</th>
						<th scope="col">Location</th>
						<th scope="col">Algorithm</th>
						<th scope="col">Key size</th>
						<th scope="col">Expiry</th>
						<th scope="col">Priority</th>
						<th scope="col">
							<span className="visually-hidden">Details</span>
						</th>
					</tr>
				</thead>
				<tbody>
					{findings.map(describeFinding).map((row) => {
						const expanded = open.has(row.id);
						const detailsId = `finding-${row.id}`;
						return (
							<Fragment key={row.id}>
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
											onClick={() => toggle(row.id)}
										>
											{expanded ? "Hide details" : "Details"}
										</button>
									</td>
								</tr>
								{expanded ? (
									<tr className="row-details" id={detailsId}>
										<td colSpan={7}>
											<FindingDetails row={row} />
										</td>
									</tr>
								) : null}
							</Fragment>
						);
					})}
				</tbody>
			</table>
		</div>
	);
}

function Findings({ execution }: { execution: Execution }) {
	const { api } = useSession();
	const { search, navigate, path } = useRouter();
	const type = search.get("type") ?? "";
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
				const page = await api.listFindings(execution.executionId, {
					type: type || undefined,
					limit: FINDINGS_PAGE,
					cursor,
				});
				if (shownType.current !== type) return;
				setItems((current) => (cursor ? [...current, ...page.findings] : page.findings));
				setNextCursor(page.nextCursor);
			} catch (failure) {
				if (shownType.current === type) setError(failure as ApiError);
			} finally {
				if (shownType.current === type) setLoading(false);
			}
		},
		[api, execution.executionId, type],
	);

	useEffect(() => {
		shownType.current = type;
		setItems([]);
		void load();
	}, [load, type]);

	const byType = Object.entries(execution.findings?.byType ?? {}).filter(([, count]) => count > 0);
	const total = execution.findings?.total ?? 0;
	const chooseType = (kind: string) =>
		navigate(kind ? `${path}?type=${encodeURIComponent(kind)}` : path, { replace: true });

	return (
		<section className="panel" aria-labelledby="findings-title">
			<h2 id="findings-title" className="panel-title">
				Findings
			</h2>
			{byType.length > 1 ? (
				<fieldset className="segmented">
					<legend className="visually-hidden">Show findings of type</legend>
					<button type="button" aria-pressed={type === ""} onClick={() => chooseType("")}>
						All <span className="count">{formatCount(total)}</span>
					</button>
					{byType.map(([kind, count]) => (
						<button key={kind} type="button" aria-pressed={type === kind} onClick={() => chooseType(kind)}>
							{kindLabel(kind)} <span className="count">{formatCount(count)}</span>
						</button>
					))}
				</fieldset>
			) : null}
			{error ? (
				<ErrorState title="Could not load findings" error={error} onRetry={() => load()} />
			) : items.length === 0 ? (
				loading ? (
					<Loading label="Loading findings…" />
				) : (
					<EmptyState title={type ? `No ${kindLabel(type).toLowerCase()} findings` : "No findings"}>
						<p>The scan found no certificates, keys, tokens or other cryptographic assets.</p>
					</EmptyState>
				)
			) : (
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
			)}
		</section>
	);
}

function Deliveries({ deliveries }: { deliveries: Delivery[] }) {
	return (
		<section className="panel" aria-labelledby="deliveries-title">
			<h2 id="deliveries-title" className="panel-title">
				Callback deliveries
			</h2>
			{deliveries.length === 0 ? (
				<p className="muted">
					No callback for this scan. Give a sensor the Callback ID of a registered endpoint (<code>callbackId</code>) to
					be told when its scans finish.
				</p>
			) : (
				deliveries.map((delivery) => (
					<article key={delivery.deliveryId} className="delivery">
						<header className="delivery-header">
							<StatusBadge status={delivery.status} />
							<span>
								to endpoint <code>{delivery.callbackId}</code>
							</span>
							<span className="muted">
								{delivery.attempts} {delivery.attempts === 1 ? "attempt" : "attempts"}
								{delivery.status === "pending" && delivery.nextAttemptAt ? (
									<>
										{" "}
										· next <Time iso={delivery.nextAttemptAt} />
									</>
								) : null}
							</span>
						</header>
						{delivery.attemptLog.length ? (
							<div className="table-wrap">
								<table className="table table-compact table-cards">
									<caption className="visually-hidden">Attempts of delivery {delivery.deliveryId}</caption>
									<thead>
										<tr>
											<th scope="col">Attempt</th>
											<th scope="col">Sent</th>
											<th scope="col">HTTP status</th>
											<th scope="col">Latency</th>
											<th scope="col">Error</th>
										</tr>
									</thead>
									<tbody>
										{delivery.attemptLog.map((attempt) => (
											<tr key={attempt.attempt}>
												<td data-label="Attempt">#{attempt.attempt}</td>
												<td data-label="Sent">{formatDateTime(attempt.attemptedAt)}</td>
												<td data-label="HTTP status">{attempt.statusCode ?? <span className="muted">—</span>}</td>
												<td data-label="Latency">{formatDuration(attempt.latencyMs)}</td>
												<td data-label="Error" className="cell-wrap">
													{attempt.error ?? <span className="muted">—</span>}
												</td>
											</tr>
										))}
									</tbody>
								</table>
							</div>
						) : (
							<p className="muted">Not sent yet.</p>
						)}
					</article>
				))
			)}
		</section>
	);
}

/** One execution: progress while it runs, then what it found and whom it told. */
export function ExecutionPage({ executionId }: { executionId: string }) {
	const { api } = useSession();
	const { navigate } = useRouter();
	const [execution, setExecution] = useState<Execution | null>(null);
	const [error, setError] = useState<ApiError | null>(null);
	const [running, setRunning] = useState(false);
	const [runError, setRunError] = useState<ApiError | null>(null);

	const load = useCallback(async () => {
		try {
			setExecution(await api.getExecution(executionId));
			setError(null);
		} catch (failure) {
			setError(failure as ApiError);
		}
	}, [api, executionId]);

	useEffect(() => {
		void load();
	}, [load]);

	const status = execution?.status;
	const finished = status !== undefined && !isActive(status);
	const sensorId = execution?.sensorId;
	const runs = useResource(
		async () => (sensorId ? (await api.listExecutions({ sensorId, limit: 6 })).executions : []),
		[api, sensorId, status],
	);
	const deliveries = useResource(
		async () => (finished ? api.listDeliveries(executionId) : []),
		[api, executionId, finished],
	);
	const cbom = useResource(async () => finished && api.cbomAvailable(executionId), [api, executionId, finished]);

	usePolling(shouldPollExecution(status, deliveries.data ?? []), async () => {
		await load();
		if (finished) await deliveries.reload();
	});

	const runAgain = async () => {
		if (!sensorId) return;
		setRunning(true);
		setRunError(null);
		try {
			navigate(paths.execution(await api.runAgain(sensorId)));
		} catch (failure) {
			setRunError(failure as ApiError);
			setRunning(false);
		}
	};

	if (!execution) {
		if (error?.status === 404) {
			return (
				<>
					<PageHeader title="Scan not found" />
					<EmptyState title="There is no scan with this id in your organisation">
						<p>
							<Link to={paths.scans}>Back to Scans</Link>
						</p>
					</EmptyState>
				</>
			);
		}
		if (error) return <ErrorState title="Could not load the scan" error={error} onRetry={load} />;
		return <Loading label="Loading scan…" />;
	}

	const summary = runs.data?.find((run) => run.executionId === executionId);
	const otherRuns = (runs.data ?? []).filter((run) => run.executionId !== executionId).slice(0, 5);

	return (
		<>
			<nav aria-label="Breadcrumb" className="breadcrumb">
				<Link to={paths.scans}>Scans</Link>
				<span aria-hidden="true"> / </span>
				<span aria-current="page">{summary?.sensorName ?? "Scan"}</span>
			</nav>
			<PageHeader
				title={summary?.sensorName ?? "Scan"}
				description={
					<>
						{summary ? `${summary.sensorType} · ` : null}execution <code>{execution.executionId}</code>
					</>
				}
				actions={
					<>
						{cbom.data ? (
							<a className="button" href={api.cbomUrl(executionId)} download={`cbom-${executionId}.json`}>
								Download CBOM
							</a>
						) : null}
						<button type="button" className="button button-primary" onClick={runAgain} disabled={running}>
							{running ? "Starting…" : "Run again"}
						</button>
					</>
				}
			/>
			{runError ? (
				<Notice tone="error" onDismiss={() => setRunError(null)}>
					Could not start the scan again: {runError.message}
				</Notice>
			) : null}
			{error ? <Notice tone="error">Could not refresh: {error.message}</Notice> : null}
			{isActive(execution.status) ? <Progress execution={execution} /> : null}
			{execution.status === "failed" ? <Failure execution={execution} /> : null}
			<div className="columns">
				<Summary execution={execution} />
				{otherRuns.length ? (
					<section className="panel" aria-labelledby="runs-title">
						<h2 id="runs-title" className="panel-title">
							Other runs of this sensor
						</h2>
						<ul className="runs">
							{otherRuns.map((run) => (
								<li key={run.executionId}>
									<StatusBadge status={run.status} />
									<Link to={paths.execution(run.executionId)}>
										<Time iso={run.ranAt} />
									</Link>
									<span className="muted">{formatDuration(run.durationMs)}</span>
								</li>
							))}
						</ul>
					</section>
				) : null}
			</div>
			{finished ? (
				<>
					<Findings execution={execution} />
					<DiagnosticsPanel executionId={executionId} filesFailed={execution.progress?.filesFailed ?? 0} />
					{deliveries.error ? (
						<ErrorState
							title="Could not load callback deliveries"
							error={deliveries.error}
							onRetry={deliveries.reload}
						/>
					) : deliveries.data ? (
						<Deliveries deliveries={deliveries.data} />
					) : null}
					<ExportPanel executionId={executionId} />
				</>
			) : (
				<p className="muted">Findings and callback deliveries appear here when the scan finishes.</p>
			)}
		</>
	);
}
