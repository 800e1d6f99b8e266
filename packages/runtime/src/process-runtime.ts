import type { Logger } from "@sensorium/logger";
import { createOperationsServer, type OperationsServer, type Registry } from "@sensorium/metrics";

export interface ProcessRuntimeOptions {
	logger: Logger;
	/** After a shutdown signal, the process exits 1 if its steps have not finished within this time. */
	shutdownTimeoutMs: number;
	/** How the process ends; tests pass their own. */
	exit?: (code: number) => void;
}

/** A readiness condition: false or a rejection means not ready. */
export type ReadinessCheck = () => Promise<boolean> | boolean;

interface ShutdownStep {
	name: string;
	run: () => Promise<void> | void;
}

/**
 * What every Sensorium process does besides its job: periodic loops (reconcilers), the operations server
 * (`/healthz`, `/readyz`, `/metrics`), and an ordered shutdown on SIGTERM/SIGINT. Shutdown first reports
 * "stopping" (so load balancers and orchestrators stop sending work) and stops the loops, then runs the
 * steps in the order they were registered (stop taking work, finish or hand back what runs, close queues,
 * then connections), and exits 0; past the deadline it exits 1.
 */
export class ProcessRuntime {
	readonly logger: Logger;
	readonly #shutdownTimeoutMs: number;
	readonly #exit: (code: number) => void;
	readonly #loops: NodeJS.Timeout[] = [];
	readonly #steps: ShutdownStep[] = [];
	#operations: OperationsServer | null = null;
	#stopping: Promise<void> | null = null;

	constructor(options: ProcessRuntimeOptions) {
		this.logger = options.logger;
		this.#shutdownTimeoutMs = options.shutdownTimeoutMs;
		this.#exit = options.exit ?? ((code) => process.exit(code));
	}

	get stopping(): boolean {
		return this.#stopping !== null;
	}

	/** Runs `round` every `intervalMs` until shutdown; a failed round is logged and the next one runs. */
	every(name: string, intervalMs: number, round: () => Promise<void>): void {
		let running = false;
		const timer = setInterval(async () => {
			// A slow round (Postgres under load) is not overlapped by the next one.
			if (running || this.stopping) return;
			running = true;
			try {
				await round();
			} catch (error) {
				this.logger.warn({ err: error, loop: name }, `${name} round failed`);
			} finally {
				running = false;
			}
		}, intervalMs);
		this.#loops.push(timer);
	}

	/** `/healthz`, `/readyz` (every check passes) and `/metrics` on `port`; 0 serves nothing. */
	serveOperations(registry: Registry, checks: ReadinessCheck[], port: number): void {
		this.#operations = createOperationsServer(registry, checks);
		if (port > 0) this.#operations.listen(port);
	}

	/** A shutdown step; steps run one after the other, in the order they were registered. */
	onShutdown(name: string, run: () => Promise<void> | void): void {
		this.#steps.push({ name, run });
	}

	/** SIGTERM and SIGINT shut down; an unhandled rejection is logged rather than killing the process. */
	handleSignals(): void {
		process.on("SIGTERM", () => void this.shutdown("SIGTERM"));
		process.on("SIGINT", () => void this.shutdown("SIGINT"));
		process.on("unhandledRejection", (reason) => this.logger.error({ err: reason }, "unhandled rejection"));
	}

	shutdown(reason: string): Promise<void> {
		this.#stopping ??= this.#shutdown(reason);
		return this.#stopping;
	}

	async #shutdown(reason: string): Promise<void> {
		this.#operations?.markStopping();
		this.logger.info({ reason }, "shutting down");
		for (const timer of this.#loops) clearInterval(timer);
		const deadline = setTimeout(() => {
			this.logger.error("shutdown deadline passed; exiting");
			this.#exit(1);
		}, this.#shutdownTimeoutMs);
		deadline.unref();
		for (const step of this.#steps) {
			try {
				await step.run();
			} catch (error) {
				// A step that fails (a connection already gone) must not keep the others from running.
				this.logger.warn({ err: error, step: step.name }, "shutdown step failed");
			}
		}
		// Last, so /metrics can still be scraped while work drains (/readyz has said 503 since the start).
		this.#operations?.close();
		clearTimeout(deadline);
		this.logger.info("stopped");
		this.#exit(0);
	}
}
