import { useCallback, useEffect, useRef, useState } from "react";
import { usePolling, useResource } from "../components/hooks.ts";
import { Link, useRouter } from "../components/router.tsx";
import { useSession } from "../components/session.tsx";
import { EmptyState, ErrorState, Labels, Loading, PageHeader, Priority, StatusBadge, Time } from "../components/ui.tsx";
import type { ApiError } from "../lib/api.ts";
import { appendPage, mergeRefreshed, PAGE_SIZE, parseStatus, refreshLimit } from "../lib/executions.ts";
import { formatCount, formatDuration } from "../lib/format.ts";
import { POLL_INTERVAL_MS, shouldPollExecutions } from "../lib/polling.ts";
import { paths } from "../lib/routes.ts";
import { EXECUTION_STATUSES, type ExecutionPage, type ExecutionSummary } from "../lib/types.ts";

const STATUS_OPTIONS = [
	{ value: "", label: "All statuses" },
	...EXECUTION_STATUSES.map((status) => ({ value: status, label: status[0]?.toUpperCase() + status.slice(1) })),
];

/** Duration once finished; for a running scan, how long it has been running. */
function Duration({ execution, now }: { execution: ExecutionSummary; now: number }) {
	if (execution.durationMs !== null) return <>{formatDuration(execution.durationMs)}</>;
	if (execution.status === "running" && execution.startedAt) {
		return <span className="muted">{formatDuration(now - new Date(execution.startedAt).getTime())} so far</span>;
	}
	return <span className="muted">—</span>;
}

function ExecutionsTable({ executions }: { executions: ExecutionSummary[] }) {
	const now = Date.now();
	return (
		<div className="table-wrap">
			<table className="table table-cards">
				<caption className="visually-hidden">Scan executions, newest first</caption>
				<thead>
					<tr>
						<th scope="col">Status</th>
						<th scope="col">Sensor</th>
						<th scope="col">Priority</th>
						<th scope="col">Labels</th>
						<th scope="col">Ran by</th>
						<th scope="col">Ran at</th>
						<th scope="col">Duration</th>
						<th scope="col" className="numeric">
							Findings
						</th>
					</tr>
				</thead>
				<tbody>
					{executions.map((execution) => (
						<tr key={execution.executionId}>
							<td data-label="Status">
								<StatusBadge status={execution.status} />
							</td>
							<td data-label="Sensor" className="cell-primary">
								<Link to={paths.execution(execution.executionId)} className="row-link">
									{execution.sensorName}
								</Link>
								<span className="cell-sub">{execution.sensorType}</span>
							</td>
							<td data-label="Priority">
								<Priority priority={execution.priority} />
							</td>
							<td data-label="Labels">
								<Labels labels={execution.labels} />
							</td>
							<td data-label="Ran by" className="cell-wrap">
								{execution.ranBy}
							</td>
							<td data-label="Ran at">
								<Time iso={execution.ranAt} />
							</td>
							<td data-label="Duration">
								<Duration execution={execution} now={now} />
							</td>
							<td data-label="Findings" className="numeric">
								{execution.findings ? formatCount(execution.findings.total) : <span className="muted">—</span>}
							</td>
						</tr>
					))}
				</tbody>
			</table>
		</div>
	);
}

/** Every execution of the organisation, newest first, filterable, refreshing itself while any is moving. */
export function ScansPage() {
	const { api, user } = useSession();
	const { search, navigate } = useRouter();
	const status = parseStatus(search.get("status"));
	const sensorId = search.get("sensorId") || undefined;
	const sensors = useResource(() => api.listSensors(), [api]);

	const [page, setPage] = useState<ExecutionPage | null>(null);
	const [error, setError] = useState<ApiError | null>(null);
	const [loadingMore, setLoadingMore] = useState(false);
	// Each filter change starts a new generation; answers to requests of an older one are dropped.
	const generation = useRef(0);

	const load = useCallback(
		async (limit: number, replace: boolean) => {
			const mine = generation.current;
			try {
				const fresh = await api.listExecutions({ status, sensorId, limit });
				if (mine !== generation.current) return;
				setPage((current) => (current && !replace ? mergeRefreshed(current, fresh) : fresh));
				setError(null);
			} catch (failure) {
				if (mine === generation.current) setError(failure as ApiError);
			}
		},
		[api, status, sensorId],
	);

	useEffect(() => {
		generation.current++;
		setPage(null);
		setError(null);
		void load(PAGE_SIZE, true);
	}, [load]);

	const refresh = () => load(refreshLimit(page?.executions.length ?? 0), false);
	const polling = page !== null && shouldPollExecutions(page.executions.map((execution) => execution.status));
	usePolling(polling, refresh);

	const loadMore = async () => {
		if (!page?.nextCursor) return;
		const mine = generation.current;
		setLoadingMore(true);
		try {
			const older = await api.listExecutions({ status, sensorId, limit: PAGE_SIZE, cursor: page.nextCursor });
			if (mine === generation.current) setPage((current) => (current ? appendPage(current, older) : older));
		} catch (failure) {
			if (mine === generation.current) setError(failure as ApiError);
		} finally {
			setLoadingMore(false);
		}
	};

	const setFilter = (name: "status" | "sensorId", value: string) => {
		const next = new URLSearchParams(search);
		if (value) next.set(name, value);
		else next.delete(name);
		const query = next.toString();
		navigate(`${paths.scans}${query ? `?${query}` : ""}`, { replace: true });
	};

	const filtered = status !== undefined || sensorId !== undefined;
	const sensorOptions = [
		{ value: "", label: "All sensors" },
		...(sensors.data ?? []).map((sensor) => ({ value: sensor.sensorId, label: sensor.name })),
	];
	if (sensorId && !sensors.data?.some((sensor) => sensor.sensorId === sensorId)) {
		sensorOptions.push({ value: sensorId, label: sensors.loading ? "Loading…" : "Unknown sensor" });
	}

	return (
		<>
			<PageHeader
				title="Scans"
				description="Every execution in your organisation, newest first."
				actions={
					<button type="button" className="button" onClick={refresh}>
						Refresh
					</button>
				}
			/>
			<section className="toolbar" aria-label="Filter scans">
				<div className="field field-inline">
					<label htmlFor="filter-status">Status</label>
					<select id="filter-status" value={status ?? ""} onChange={(event) => setFilter("status", event.target.value)}>
						{STATUS_OPTIONS.map((option) => (
							<option key={option.value} value={option.value}>
								{option.label}
							</option>
						))}
					</select>
				</div>
				<div className="field field-inline">
					<label htmlFor="filter-sensor">Sensor</label>
					<select
						id="filter-sensor"
						value={sensorId ?? ""}
						onChange={(event) => setFilter("sensorId", event.target.value)}
					>
						{sensorOptions.map((option) => (
							<option key={option.value} value={option.value}>
								{option.label}
							</option>
						))}
					</select>
				</div>
				{filtered ? (
					<button
						type="button"
						className="button button-ghost"
						onClick={() => navigate(paths.scans, { replace: true })}
					>
						Clear filters
					</button>
				) : null}
				{polling ? (
					<p className="live-indicator">
						<span className="live-dot" aria-hidden="true" />
						Updating every {POLL_INTERVAL_MS / 1000} s while scans are queued or running
					</p>
				) : null}
			</section>

			{error && page ? (
				<p className="notice notice-error" role="alert">
					Could not refresh the list: {error.message}
				</p>
			) : null}

			{page === null ? (
				error ? (
					<ErrorState title="Could not load scans" error={error} onRetry={() => load(PAGE_SIZE, true)} />
				) : (
					<Loading label="Loading scans…" />
				)
			) : page.executions.length === 0 ? (
				filtered ? (
					<EmptyState title="No scans match these filters">
						<button type="button" className="button" onClick={() => navigate(paths.scans, { replace: true })}>
							Clear filters
						</button>
					</EmptyState>
				) : (
					<EmptyState title="No scans yet">
						<p>
							Scans are submitted through the API, usually from a CI/CD pipeline: <code>POST /v3/scan/create</code> with
							an API token in the <code>isg-api-token</code> header.
						</p>
						<p>
							{user.role === "admin" ? (
								<>
									Create a token under <Link to={paths.tokens}>Access Tokens</Link>.
								</>
							) : (
								"Ask an administrator of your organisation for an API token."
							)}
						</p>
					</EmptyState>
				)
			) : (
				<>
					<ExecutionsTable executions={page.executions} />
					<div className="table-footer">
						<p className="muted">
							{formatCount(page.executions.length)} {page.executions.length === 1 ? "scan" : "scans"} shown
						</p>
						{page.nextCursor ? (
							<button type="button" className="button" onClick={loadMore} disabled={loadingMore}>
								{loadingMore ? "Loading…" : "Load older scans"}
							</button>
						) : null}
					</div>
				</>
			)}
		</>
	);
}
