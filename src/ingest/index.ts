export { createIngestPipeline } from './pipeline.js';
export type { IngestPipeline, IngestObserver, ExportOutcome } from './pipeline.js';
export { createIngestBudget, decideAdmission } from './admission.js';
export type { IngestBudget, Admission, Transport } from './admission.js';
export { createOtlpHttpApp } from './http-receiver.js';
export { createOtlpGrpcServer } from './grpc-receiver.js';
export { columns, decodeExport, encodeExportResponse, OtlpDecodeError } from './decode/index.js';
export type { Signal, Encoding, DecodedExport } from './decode/index.js';
