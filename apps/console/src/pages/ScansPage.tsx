import { useCallback, useEffect, useRef, useState } from "react";
import { type Resource, usePolling, useResource } from "../components/hooks.ts";
import { Link, useRouter } from "../components/router.tsx";
import { useSession } from "../components/session.tsx";
import {
	type Column,
	DataTable,
	EmptyState,
	ErrorState,
	Labels,
	Loading,
	PageHeader,
	Priority,
	StatusBadge,
	Time,
} from "../components/ui.tsx";
import type { ApiClient, ApiError } from "../lib/api.ts";
import { appendPage, mergeRefreshed, PAGE_SIZE, parseStatus, refreshLimit } from "../lib/executions.ts";
import { formatCount, formatDuration } from "../lib/format.ts";
import { POLL_INTERVAL_MS, shouldPollExecutions } from "../lib/polling.ts";
import { paths } from "../lib/routes.ts";
import {
	EXECUTION_STATUSES,
	type ExecutionPage,
	type ExecutionStatus,
	type ExecutionSummary,
	type Sensor,
} from "../lib/types.ts";

const STATUS_OPTIONS = [
	{ value: "", label: "All statuses" },
	...EXECUTION_STATUSES.map((status) => ({ value: status, label: status[0]?.toUpperCase() + status.slice(1) })),
];

const EXECUTION_COLUMNS: readonly Column[] = [
	"Status",
	"Sensor",
	"Priority",
	"Labels",
	"Ran by",
	"Ran at",
	"Duration",
	{ label: "Findings", className: "numeric" },
];

interface Filter {
	status: ExecutionStatus | undefined;
	sensorId: string | undefined;
}

/** The filter's sensor choices; one the list does not have (deleted, or still loading) is still shown. */
function sensorOptions(sensors: Resource<Sensor[]>, sensorId: string | undefined) {
	const options = [
		{ value: "", label: "All sensors" },
		...(sensors.data ?? []).map((sensor) => ({ value: sensor.sensorId, label: sensor.name })),
	];
	if (sensorId && !sensors.data?.some((sensor) => sensor.sensorId === sensorId)) {
		options.push({ value: sensorId, label: sensors.loading ? "Loading…" : "Unknown sensor" });
	}
	return options;
}

/** Duration once finished; for a running scan, how long it has been running. */
function Duration({ execution, now }: { execution: ExecutionSummary; now: number }) {
	if (execution.durationMs !== null) return <>{formatDuration(execution.durationMs)}</>;
	if (execution.status === "running" && execution.startedAt) {
		return <span className="muted">{formatDuration(now - new Date(execution.startedAt).getTime())} so far</span>;
	}
	return <span className="muted">—</span>;
}

function ExecutionRow({ execution, now }: { execution: ExecutionSummary; now: number }) {
	return (
		<tr>
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
	);
}

function ExecutionsTable({ executions }: { executions: ExecutionSummary[] }) {
	const now = Date.now();
	return (
		<DataTable caption="Scan executions, newest first" columns={EXECUTION_COLUMNS}>
			{executions.map((execution) => (
				<ExecutionRow key={execution.executionId} execution={execution} now={now} />
			))}
		</DataTable>
	);
}

/**
 * The executions matching `filter`, newest first: a first page, refreshed in place (every 2 s while any is
 * queued or running), and older pages on request.
 */
function useExecutionList(api: ApiClient, { status, sensorId }: Filter) {
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

	return { page, error, loadingMore, polling, refresh, reload: () => load(PAGE_SIZE, true), loadMore };
}

type ExecutionList = ReturnType<typeof useExecutionList>;

function FilterSelect({
	id,
	label,
	value,
	options,
	onChange,
}: {
	id: string;
	label: string;
	value: string;
	options: readonly { value: string; label: string }[];
	onChange: (value: string) => void;
}) {
	return (
		<div className="field field-inline">
			<label htmlFor={id}>{label}</label>
			<select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
				{options.map((option) => (
					<option key={option.value} value={option.value}>
						{option.label}
					</option>
				))}
			</select>
		</div>
	);
}

function ScanFilters({
	filter,
	setFilter,
	clear,
	polling,
}: {
	filter: Filter;
	setFilter: (name: keyof Filter, value: string) => void;
	clear: (() => void) | null;
	polling: boolean;
}) {
	const { api } = useSession();
	const sensors = useResource(() => api.listSensors(), [api]);
	return (
		<section className="toolbar" aria-label="Filter scans">
			<FilterSelect
				id="filter-status"
				label="Status"
				value={filter.status ?? ""}
				options={STATUS_OPTIONS}
				onChange={(value) => setFilter("status", value)}
			/>
			<FilterSelect
				id="filter-sensor"
				label="Sensor"
				value={filter.sensorId ?? ""}
				options={sensorOptions(sensors, filter.sensorId)}
				onChange={(value) => setFilter("sensorId", value)}
			/>
			{clear ? (
				<button type="button" className="button button-ghost" onClick={clear}>
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
	);
}

/** No scans: none match the filters, or none were ever submitted (and how to submit one). */
function NoScans({ clear }: { clear: (() => void) | null }) {
	const { user } = useSession();
	if (clear) {
		return (
			<EmptyState title="No scans match these filters">
				<button type="button" className="button" onClick={clear}>
					Clear filters
				</button>
			</EmptyState>
		);
	}
	return (
		<EmptyState title="No scans yet">
			<p>
				Scans are submitted through the API, usually from a CI/CD pipeline: <code>POST /v3/scan/create</code> with an
				API token in the <code>isg-api-token</code> header.
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
	);
}

function ScansFooter({ list: { page, loadingMore, loadMore } }: { list: ExecutionList }) {
	const shown = page?.executions.length ?? 0;
	return (
		<div className="table-footer">
			<p className="muted">
				{formatCount(shown)} {shown === 1 ? "scan" : "scans"} shown
			</p>
			{page?.nextCursor ? (
				<button type="button" className="button" onClick={loadMore} disabled={loadingMore}>
					{loadingMore ? "Loading…" : "Load older scans"}
				</button>
			) : null}
		</div>
	);
}

function ScansList({ list, clear }: { list: ExecutionList; clear: (() => void) | null }) {
	const { page, error } = list;
	if (page === null) {
		if (error) return <ErrorState title="Could not load scans" error={error} onRetry={list.reload} />;
		return <Loading label="Loading scans…" />;
	}
	if (page.executions.length === 0) return <NoScans clear={clear} />;
	return (
		<>
			<ExecutionsTable executions={page.executions} />
			<ScansFooter list={list} />
		</>
	);
}

/** Every execution of the organisation, newest first, filterable, refreshing itself while any is moving. */
export function ScansPage() {
	const { api } = useSession();
	const { search, navigate } = useRouter();
	const filter: Filter = { status: parseStatus(search.get("status")), sensorId: search.get("sensorId") || undefined };
	const list = useExecutionList(api, filter);

	const setFilter = (name: keyof Filter, value: string) => {
		const next = new URLSearchParams(search);
		if (value) next.set(name, value);
		else next.delete(name);
		const query = next.toString();
		navigate(`${paths.scans}${query ? `?${query}` : ""}`, { replace: true });
	};
	const filtered = filter.status !== undefined || filter.sensorId !== undefined;
	const clear = filtered ? () => navigate(paths.scans, { replace: true }) : null;

	return (
		<>
			<PageHeader
				title="Scans"
				description="Every execution in your organisation, newest first."
				actions={
					<button type="button" className="button" onClick={list.refresh}>
						Refresh
					</button>
				}
			/>
			<ScanFilters filter={filter} setFilter={setFilter} clear={clear} polling={list.polling} />
			{list.error && list.page ? (
				<p className="notice notice-error" role="alert">
					Could not refresh the list: {list.error.message}
				</p>
			) : null}
			<ScansList list={list} clear={clear} />
		</>
	);
}
