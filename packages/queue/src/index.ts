export {
	type AuthInvalidation,
	authInvalidationChannel,
	authInvalidationSchema,
	publishAuthInvalidation,
	subscribeAuthInvalidations,
} from "./auth-invalidations.ts";
export {
	CALLBACKS_QUEUE,
	CallbackQueue,
	type DeliveryJob,
	deliveryJobId,
	deliveryJobOptions,
	deliveryJobSchema,
} from "./callbacks.ts";
export {
	createProducerConnection,
	createWorkerConnection,
	isRedisUnavailable,
	queueKeyPrefix,
	type RedisConnection,
	type RedisTarget,
} from "./connections.ts";
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
export {
	EXPORTS_QUEUE,
	type ExportJob,
	ExportQueue,
	exportJobId,
	exportJobOptions,
	exportJobSchema,
} from "./exports.ts";
export { FailureCounter } from "./failure-counter.ts";
export { createJobWorker, type JobWorkerOptions } from "./job-worker.ts";
export { RateLimiter } from "./rate-limiter.ts";
