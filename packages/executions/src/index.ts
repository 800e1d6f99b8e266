export {
	type DiagnosticsPage,
	type ExecutionDiagnostic,
	listDiagnostics,
	MAX_DIAGNOSTICS_PER_EXECUTION,
} from "./diagnostics.ts";
export {
	abandonExecution,
	type ClaimInput,
	type ClaimResult,
	claimExecution,
	type FinishResult,
	finishExecution,
	lastSuccessfulExecution,
	ORG_DEFERRAL_MS,
	type Outcome,
	reconcileExpiredLeases,
	releaseExecution,
	renewLease,
} from "./lifecycle.ts";
export {
	type ExecutionSummary,
	listExecutions,
	listSensors,
	organizationLoads,
	type SensorSummary,
} from "./listing.ts";
export { type ReconcileOptions, type ReconcileResult, reconcileQueuedExecutions } from "./reconciler.ts";
export { resealSensorConfigs } from "./reseal.ts";
export {
	createSensorAndExecute,
	type ExecutionView,
	executeSensor,
	getExecution,
	type NewScan,
	type Requester,
	type ScanDeps,
} from "./scans.ts";
export { SensorTypeRegistry } from "./sensor-types.ts";
