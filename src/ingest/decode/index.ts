export { decodeExport, encodeExportResponse, OtlpDecodeError } from './codec.js';
export type { Encoding } from './codec.js';
export type { DecodedExport, Signal } from './rows.js';
export * as columns from './rows.js';
