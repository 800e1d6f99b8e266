import { type ReactNode, useCallback, useEffect, useState } from "react";
import { type Resource, usePolling, useResource } from "../components/hooks.ts";
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
import { formatBytes, formatCount, formatDateTime, formatDuration } from "../lib/format.ts";
import { isActive, shouldPollExecution } from "../lib/polling.ts";
import { paths } from "../lib/routes.ts";
import type { Delivery, Execution, ExecutionSummary } from "../lib/types.ts";
import { DeliveriesPanel } from "./DeliveriesPanel.tsx";
import { DiagnosticsPanel } from "./DiagnosticsPanel.tsx";
import { ExportPanel } from "./ExportPanel.tsx";
import { FindingsPanel } from "./FindingsPanel.tsx";

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

function Fact({ term, className, children }: { term: string; className?: string; children: ReactNode }) {
	return (
		<div>
			<dt>{term}</dt>
			<dd className={className}>{children}</dd>
		</div>
	);
}

function Summary({ execution }: { execution: Execution }) {
	const progress = execution.progress;
	return (
		<section className="panel" aria-labelledby="summary-title">
			<h2 id="summary-title" className="panel-title">
				Summary
			</h2>
			<dl className="facts">
				<Fact term="Status">
					<StatusBadge status={execution.status} />
				</Fact>
				<Fact term="Message">{execution.message || "—"}</Fact>
				<Fact term="Priority">
					<Priority priority={execution.priority} />
				</Fact>
				<Fact term="Labels">
					<Labels labels={execution.labels} />
				</Fact>
				<Fact term="Ran by" className="cell-wrap">
					{execution.ranBy}
				</Fact>
				<Fact term="Ran at">{formatDateTime(execution.ranAt)}</Fact>
				<Fact term="Started">{formatDateTime(execution.startedAt)}</Fact>
				<Fact term="Finished">{formatDateTime(execution.finishedAt)}</Fact>
				<Fact term="Duration">{durationOf(execution, Date.now())}</Fact>
				<Fact term="Files scanned">{formatCount(progress?.filesScanned ?? 0)}</Fact>
				{progress?.filesFailed ? <Fact term="Files not read">{formatCount(progress.filesFailed)}</Fact> : null}
				<Fact term="Data read">{formatBytes(progress?.bytesScanned ?? 0)}</Fact>
				<Fact term="Findings">{execution.findings ? formatCount(execution.findings.total) : "—"}</Fact>
			</dl>
		</section>
	);
}

function OtherRuns({ runs }: { runs: ExecutionSummary[] }) {
	if (runs.length === 0) return null;
	return (
		<section className="panel" aria-labelledby="runs-title">
			<h2 id="runs-title" className="panel-title">
				Other runs of this sensor
			</h2>
			<ul className="runs">
				{runs.map((run) => (
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
	);
}

/** The execution, loaded again on request; a failed reload keeps what was shown and says why. */
function useExecution(executionId: string) {
	const { api } = useSession();
	const [execution, setExecution] = useState<Execution | null>(null);
	const [error, setError] = useState<ApiError | null>(null);
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
	return { execution, error, load };
}

/** Starts the sensor's next execution and opens it. */
function useRunAgain(sensorId: string) {
	const { api } = useSession();
	const { navigate } = useRouter();
	const [running, setRunning] = useState(false);
	const [error, setError] = useState<ApiError | null>(null);
	const run = async () => {
		setRunning(true);
		setError(null);
		try {
			navigate(paths.execution(await api.runAgain(sensorId)));
		} catch (failure) {
			setError(failure as ApiError);
			setRunning(false);
		}
	};
	return { running, error, run, dismiss: () => setError(null) };
}

function ExecutionNotLoaded({ error, onRetry }: { error: ApiError | null; onRetry: () => void }) {
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
	if (error) return <ErrorState title="Could not load the scan" error={error} onRetry={onRetry} />;
	return <Loading label="Loading scan…" />;
}

function ExecutionHeader({
	execution,
	summary,
	cbomAvailable,
	runAgain,
}: {
	execution: Execution;
	summary: ExecutionSummary | undefined;
	cbomAvailable: boolean;
	runAgain: ReturnType<typeof useRunAgain>;
}) {
	const { api } = useSession();
	const { executionId } = execution;
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
						{summary ? `${summary.sensorType} · ` : null}execution <code>{executionId}</code>
					</>
				}
				actions={
					<>
						{cbomAvailable ? (
							<a className="button" href={api.cbomUrl(executionId)} download={`cbom-${executionId}.json`}>
								Download CBOM
							</a>
						) : null}
						<button type="button" className="button button-primary" onClick={runAgain.run} disabled={runAgain.running}>
							{runAgain.running ? "Starting…" : "Run again"}
						</button>
					</>
				}
			/>
		</>
	);
}

/** What a finished scan found and whom it told; until then, where they will appear. */
function Results({ execution, deliveries }: { execution: Execution; deliveries: Resource<Delivery[]> }) {
	if (isActive(execution.status)) {
		return <p className="muted">Findings and callback deliveries appear here when the scan finishes.</p>;
	}
	return (
		<>
			<FindingsPanel execution={execution} />
			<DiagnosticsPanel executionId={execution.executionId} filesFailed={execution.progress?.filesFailed ?? 0} />
			{deliveries.error ? (
				<ErrorState title="Could not load callback deliveries" error={deliveries.error} onRetry={deliveries.reload} />
			) : deliveries.data ? (
				<DeliveriesPanel deliveries={deliveries.data} />
			) : null}
			<ExportPanel executionId={execution.executionId} />
		</>
	);
}

/** A loaded execution, refreshed while it runs and while a callback delivery is about to be sent. */
function ExecutionView({
	execution,
	error,
	reload,
}: {
	execution: Execution;
	error: ApiError | null;
	reload: () => Promise<void>;
}) {
	const { api } = useSession();
	const { executionId, sensorId, status } = execution;
	const finished = !isActive(status);
	const runs = useResource(
		async () => (await api.listExecutions({ sensorId, limit: 6 })).executions,
		[api, sensorId, status],
	);
	const deliveries = useResource(
		async () => (finished ? api.listDeliveries(executionId) : []),
		[api, executionId, finished],
	);
	const cbom = useResource(async () => finished && api.cbomAvailable(executionId), [api, executionId, finished]);
	const runAgain = useRunAgain(sensorId);

	usePolling(shouldPollExecution(status, deliveries.data ?? []), async () => {
		await reload();
		if (finished) await deliveries.reload();
	});

	const summary = runs.data?.find((run) => run.executionId === executionId);
	const otherRuns = (runs.data ?? []).filter((run) => run.executionId !== executionId).slice(0, 5);
	return (
		<>
			<ExecutionHeader execution={execution} summary={summary} cbomAvailable={Boolean(cbom.data)} runAgain={runAgain} />
			{runAgain.error ? (
				<Notice tone="error" onDismiss={runAgain.dismiss}>
					Could not start the scan again: {runAgain.error.message}
				</Notice>
			) : null}
			{error ? <Notice tone="error">Could not refresh: {error.message}</Notice> : null}
			{isActive(status) ? <Progress execution={execution} /> : null}
			{status === "failed" ? <Failure execution={execution} /> : null}
			<div className="columns">
				<Summary execution={execution} />
				<OtherRuns runs={otherRuns} />
			</div>
			<Results execution={execution} deliveries={deliveries} />
		</>
	);
}

/** One execution: progress while it runs, then what it found and whom it told. */
export function ExecutionPage({ executionId }: { executionId: string }) {
	const { execution, error, load } = useExecution(executionId);
	if (!execution) return <ExecutionNotLoaded error={error} onRetry={load} />;
	return <ExecutionView execution={execution} error={error} reload={load} />;
}
