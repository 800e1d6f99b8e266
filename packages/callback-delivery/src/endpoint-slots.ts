/**
 * In-process limit of deliveries in flight per endpoint: a hanging endpoint holds at most this many
 * of the dispatcher's slots (each for at most the timeout), so deliveries to others keep flowing.
 */
export class EndpointSlots {
	private readonly inFlight = new Map<string, number>();

	constructor(private readonly perEndpoint: number) {}

	tryAcquire(endpointId: string): boolean {
		const current = this.inFlight.get(endpointId) ?? 0;
		if (current >= this.perEndpoint) return false;
		this.inFlight.set(endpointId, current + 1);
		return true;
	}

	release(endpointId: string): void {
		const current = (this.inFlight.get(endpointId) ?? 1) - 1;
		if (current <= 0) this.inFlight.delete(endpointId);
		else this.inFlight.set(endpointId, current);
	}
}
