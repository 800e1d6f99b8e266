export { createProducerConnection, createWorkerConnection } from "./connections.ts";
export {
	EXECUTIONS_QUEUE,
	type ExecutionJob,
	type ExecutionJobState,
	ExecutionQueue,
	executionJobId,
	executionJobOptions,
	executionJobSchema,
	PRIORITY_RANK,
	type Priority,
} from "./executions.ts";
