/**
 * @module ingest/decode/codec
 * OTLP request bytes → rows, and the response bytes, for protobuf and the OTLP JSON mapping.
 * One decoder serves OTLP/HTTP and OTLP/gRPC. Pure: bytes in, plain data out.
 */
import { create, fromBinary, fromJson, toBinary, toJsonString, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import {
  ExportLogsServiceRequestSchema, ExportLogsServiceResponseSchema,
} from '../gen/opentelemetry/proto/collector/logs/v1/logs_service_pb.js';
import {
  ExportMetricsServiceRequestSchema, ExportMetricsServiceResponseSchema,
} from '../gen/opentelemetry/proto/collector/metrics/v1/metrics_service_pb.js';
import {
  ExportTraceServiceRequestSchema, ExportTraceServiceResponseSchema,
} from '../gen/opentelemetry/proto/collector/trace/v1/trace_service_pb.js';
import { logsToRows } from './logs.js';
import { metricsToRows } from './metrics.js';
import type { DecodedExport, Signal } from './rows.js';
import { hexIdsToBase64 } from './json-ids.js';
import type { ItemContext } from './item-checks.js';
import { OtlpDecodeError } from './codec-error.js';
import { tracesToRows } from './traces.js';

export type Encoding = 'protobuf' | 'json';

export { OtlpDecodeError };

/** Items ClickHouse would refuse or store wrong are rejected one by one (item-checks.ts), against `ctx`'s receipt time. */
export function decodeExport(signal: Signal, encoding: Encoding, body: Uint8Array, ctx: ItemContext): DecodedExport {
  switch (signal) {
    case 'traces':
      return tracesToRows(parse(ExportTraceServiceRequestSchema, signal, encoding, body), ctx);
    case 'logs':
      return logsToRows(parse(ExportLogsServiceRequestSchema, signal, encoding, body), ctx);
    case 'metrics':
      return metricsToRows(parse(ExportMetricsServiceRequestSchema, signal, encoding, body), ctx);
    default:
      throw new OtlpDecodeError(`unknown signal ${String(signal)}`);
  }
}

function parse<D extends DescMessage>(schema: D, signal: Signal, encoding: Encoding, body: Uint8Array) {
  if (encoding === 'protobuf') {
    try {
      return fromBinary(schema, body);
    } catch (e) {
      throw new OtlpDecodeError(`malformed protobuf ${schema.typeName}: ${messageOf(e)}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    throw new OtlpDecodeError(`invalid JSON: ${messageOf(e)}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new OtlpDecodeError(`invalid OTLP/JSON: expected an object (${schema.typeName})`);
  }
  hexIdsToBase64(signal, json);
  try {
    // The OTLP spec asks receivers to ignore unknown fields, so newer exporters keep working.
    // The cast is safe: JSON.parse only ever yields JSON values.
    return fromJson(schema, json as JsonValue, { ignoreUnknownFields: true });
  } catch (e) {
    throw new OtlpDecodeError(`invalid OTLP/JSON ${schema.typeName}: ${messageOf(e)}`);
  }
}

const RESPONSE_SCHEMAS = {
  traces: { schema: ExportTraceServiceResponseSchema, rejectedField: 'rejectedSpans' },
  logs: { schema: ExportLogsServiceResponseSchema, rejectedField: 'rejectedLogRecords' },
  metrics: { schema: ExportMetricsServiceResponseSchema, rejectedField: 'rejectedDataPoints' },
} as const;

/**
 * The Export*ServiceResponse: empty on full success, `partial_success` when items were rejected
 * (OTLP spec: "the server MUST set partial_success" in that case).
 */
export function encodeExportResponse(signal: Signal, encoding: Encoding, rejectedItems: number, errorMessage: string): Uint8Array {
  const { schema, rejectedField } = RESPONSE_SCHEMAS[signal];
  const init =
    rejectedItems > 0 || errorMessage !== ''
      ? { partialSuccess: { [rejectedField]: BigInt(rejectedItems), errorMessage } }
      : {};
  // The schemas are a closed set above; `create` accepts each one's init shape.
  const message = create(schema as DescMessage, init as never);
  if (encoding === 'protobuf') return toBinary(schema as DescMessage, message);
  return Buffer.from(toJsonString(schema as DescMessage, message));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
