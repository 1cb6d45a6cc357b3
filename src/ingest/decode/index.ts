export { decodeExport, encodeExportResponse, OtlpDecodeError } from './codec.js';
export type { Encoding } from './codec.js';
export type { DecodedExport, Signal } from './rows.js';
export * as columns from './rows.js';
export type { ItemContext } from './item-checks.js';
export { MAX_FUTURE_SKEW_NS } from './item-checks.js';
