export { buildCbom, streamCbom } from "./bom.ts";
export type { CbomOptions, CbomSubject, FindingInput } from "./types.ts";
export { type CbomValidation, validateCbom } from "./validate.ts";
