export { type DeliveryDeps, type DeliveryResult, deliverCallback, judge, responseExcerpt } from "./deliver-callback.ts";
export { createDeliveryWorker, type DeliveryWorkerOptions } from "./delivery-worker.ts";
export { EndpointSlots } from "./endpoint-slots.ts";
