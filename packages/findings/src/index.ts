export {
	eachPage,
	type FindingView,
	findingView,
	listExecutionFindings,
	listSensorFindings,
	type Page,
	type PageRequest,
} from "./queries.ts";
export {
	type Observation,
	type ObservationScope,
	type RecordInput,
	recordObservations,
	summarizeExecution,
} from "./record.ts";
export { discardStagedObservations, ObservationStage, type StageTarget } from "./stage.ts";
