/**
 * @module ingest/decode/rows
 * What a decoded export becomes: rows per table (in the column order below), plus the
 * count of items the OTLP `partial_success` reports as rejected, with the reason.
 */
import type { RowBatch } from '../../store/index.js';

export type Signal = 'traces' | 'logs' | 'metrics';

export interface DecodedExport {
  signal: Signal;
  batches: RowBatch[];
  /** Spans, log records or data points accepted. */
  acceptedItems: number;
  rejectedItems: number;
  /** Why items were rejected: shown to the exporter in partial_success.error_message. */
  rejectionMessage: string;
}

export const SPAN_COLUMNS = [
  'Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'TraceState', 'SpanName', 'SpanKind', 'ServiceName',
  'ResourceAttributes', 'ScopeName', 'ScopeVersion', 'SpanAttributes', 'Duration', 'StatusCode', 'StatusMessage',
  'Events.Timestamp', 'Events.Name', 'Events.Attributes',
  'Links.TraceId', 'Links.SpanId', 'Links.TraceState', 'Links.Attributes',
] as const;

export const LOG_COLUMNS = [
  'Timestamp', 'TraceId', 'SpanId', 'TraceFlags', 'SeverityText', 'SeverityNumber', 'ServiceName', 'Body',
  'ResourceSchemaUrl', 'ResourceAttributes', 'ScopeSchemaUrl', 'ScopeName', 'ScopeVersion', 'ScopeAttributes',
  'LogAttributes', 'EventName',
] as const;

const METRIC_HEAD = [
  'ResourceAttributes', 'ResourceSchemaUrl', 'ScopeName', 'ScopeVersion', 'ScopeAttributes', 'ScopeDroppedAttrCount',
  'ScopeSchemaUrl', 'ServiceName', 'MetricName', 'MetricDescription', 'MetricUnit', 'Attributes', 'StartTimeUnix', 'TimeUnix',
] as const;

const EXEMPLAR_COLUMNS = [
  'Exemplars.FilteredAttributes', 'Exemplars.TimeUnix', 'Exemplars.Value', 'Exemplars.SpanId', 'Exemplars.TraceId',
] as const;

export const GAUGE_COLUMNS = [...METRIC_HEAD, 'Value', 'Flags', ...EXEMPLAR_COLUMNS] as const;
export const SUM_COLUMNS = [...METRIC_HEAD, 'Value', 'Flags', ...EXEMPLAR_COLUMNS, 'AggregationTemporality', 'IsMonotonic'] as const;
export const HISTOGRAM_COLUMNS = [
  ...METRIC_HEAD, 'Count', 'Sum', 'BucketCounts', 'ExplicitBounds', ...EXEMPLAR_COLUMNS, 'Flags', 'Min', 'Max', 'AggregationTemporality',
] as const;
export const EXP_HISTOGRAM_COLUMNS = [
  ...METRIC_HEAD, 'Count', 'Sum', 'Scale', 'ZeroCount', 'PositiveOffset', 'PositiveBucketCounts', 'NegativeOffset',
  'NegativeBucketCounts', ...EXEMPLAR_COLUMNS, 'Flags', 'Min', 'Max', 'AggregationTemporality',
] as const;
export const SUMMARY_COLUMNS = [
  ...METRIC_HEAD, 'Count', 'Sum', 'ValueAtQuantiles.Quantile', 'ValueAtQuantiles.Value', 'Flags',
] as const;
