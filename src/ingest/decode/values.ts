/**
 * @module ingest/decode/values
 * OTLP values to the strings the OpenTelemetry Collector's ClickHouse exporter stores
 * (pcommon `Value.AsString()`): ids as lowercase hex, attributes as Map(String, String),
 * timestamps as exact `seconds.nanoseconds` text (a bigint never passes through a double).
 */
import type { AnyValue, KeyValue } from '../gen/opentelemetry/proto/common/v1/common_pb.js';
import { nanosToDateTime64 } from '../../store/row-encoding.js';

export type StringMap = Record<string, string>;

export function hex(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function anyValueToString(v: AnyValue | undefined): string {
  if (v === undefined) return '';
  const value = v.value;
  switch (value.case) {
    case 'stringValue':
      return value.value;
    case 'boolValue':
      return value.value ? 'true' : 'false';
    case 'intValue':
      return value.value.toString();
    case 'doubleValue':
      return formatDouble(value.value);
    case 'bytesValue':
      return Buffer.from(value.value).toString('base64');
    case 'arrayValue':
    case 'kvlistValue':
      return JSON.stringify(anyValueToJson(v));
    case undefined:
      return '';
    default:
      return assertNever(value);
  }
}

/** Nested values become JSON, as the collector renders arrays and maps. */
function anyValueToJson(v: AnyValue | undefined, depth = 0): unknown {
  // Requests are size-limited, but nesting could still be deep; past this the rest is elided.
  if (v === undefined || depth > 32) return null;
  const value = v.value;
  switch (value.case) {
    case 'stringValue':
    case 'boolValue':
      return value.value;
    case 'intValue':
      return Number.isSafeInteger(Number(value.value)) ? Number(value.value) : value.value.toString();
    case 'doubleValue':
      return Number.isFinite(value.value) ? value.value : formatDouble(value.value);
    case 'bytesValue':
      return Buffer.from(value.value).toString('base64');
    case 'arrayValue':
      return value.value.values.map((x) => anyValueToJson(x, depth + 1));
    case 'kvlistValue': {
      const out = emptyRecord<unknown>();
      for (const kv of value.value.values) out[kv.key] = anyValueToJson(kv.value, depth + 1);
      return out;
    }
    case undefined:
      return null;
    default:
      return assertNever(value);
  }
}

function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return '+Inf';
  if (d === -Infinity) return '-Inf';
  return String(d);
}

/**
 * A record without a prototype: keys are the client's, and on a plain object `__proto__` would
 * set the prototype instead of storing the attribute (a string there is dropped silently), and
 * `constructor` or `toString` would read as present when absent.
 */
function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function attributesToMap(attributes: readonly KeyValue[]): StringMap {
  const out = emptyRecord<string>();
  for (const kv of attributes) out[kv.key] = anyValueToString(kv.value);
  return out;
}

/**
 * A Float64 for JSON input: JSON has no NaN or Infinity, and `null` would silently become 0,
 * which for a gauge is a wrong value (Prometheus uses NaN as a staleness marker).
 */
export function float64(d: number): number | string {
  if (Number.isFinite(d)) return d;
  if (Number.isNaN(d)) return 'nan';
  return d > 0 ? 'inf' : '-inf';
}

/** A timestamp for a DateTime64(9) column (see store/row-encoding.ts for why this form). */
export function nanos(t: bigint): string {
  return nanosToDateTime64(t);
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
