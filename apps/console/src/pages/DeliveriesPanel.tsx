import { DataTable, StatusBadge, Time } from "../components/ui.tsx";
import { formatDateTime, formatDuration } from "../lib/format.ts";
import type { Delivery } from "../lib/types.ts";

function Attempts({ delivery }: { delivery: Delivery }) {
	if (delivery.attemptLog.length === 0) return <p className="muted">Not sent yet.</p>;
	return (
		<DataTable
			caption={`Attempts of delivery ${delivery.deliveryId}`}
			columns={["Attempt", "Sent", "HTTP status", "Latency", "Error"]}
			className="table table-compact table-cards"
		>
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
		</DataTable>
	);
}

function DeliveryView({ delivery }: { delivery: Delivery }) {
	return (
		<article className="delivery">
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
			<Attempts delivery={delivery} />
		</article>
	);
}

/** Whom a finished scan told, with every attempt. */
export function DeliveriesPanel({ deliveries }: { deliveries: Delivery[] }) {
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
				deliveries.map((delivery) => <DeliveryView key={delivery.deliveryId} delivery={delivery} />)
			)}
		</section>
	);
}
