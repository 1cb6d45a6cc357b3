/**
 * @module correlate/trace-query
 * One trace with its logs: two indexed lookups, bounded in time the way the OpenTelemetry
 * Collector's ClickHouse exporter and Grafana's ClickHouse datasource do it. The materialized
 * `otel_traces_trace_id_ts` table gives the trace's first and last span start (whole seconds), so
 * the span lookup reads only those days' partitions and the primary key's time range; the log
 * lookup is bounded by the spans' own extent plus a margin for records written around them.
 */
import type { Store } from '../store/index.js';
import { buildTraceView, MAX_TRACE_LOGS, MAX_TRACE_SPANS, type LogRow, type SpanRow, type TraceView } from './trace-tree.js';
import { nanos } from './time.js';

/** Log records are looked for this far before the first span and after the last span ends. */
const LOG_MARGIN_SECONDS = 300;
/** A trace with no stored spans (logs only) is looked for in the logs of this many past days. */
export const LOGS_ONLY_LOOKBACK_SECONDS = 7 * 86_400;

/** 32 lowercase hex digits, not all zero (an all-zero trace id is invalid in W3C Trace Context and OTLP). */
export function isTraceId(text: string): boolean {
  return /^[0-9a-f]{32}$/.test(text) && !/^0+$/.test(text);
}

export async function readTrace(store: Store, traceId: string, nowMs: number): Promise<TraceView | null> {
  const range = await store.query<{ start: string; end: string; n: string }>(
    `SELECT toUInt32(min(Start)) AS start, toUInt32(max(End)) AS end, count() AS n
     FROM otel_traces_trace_id_ts WHERE TraceId = {traceId:String}`,
    { traceId },
  );
  const found = range[0] !== undefined && Number(range[0].n) > 0;
  let spans: SpanRow[] = [];
  if (found) {
    spans = await store.query<SpanRow>(
      `SELECT SpanId AS span_id, ParentSpanId AS parent_span_id, ServiceName AS service, SpanName AS name,
              SpanKind AS kind, toString(toUnixTimestamp64Nano(Timestamp)) AS start_ns, toString(Duration) AS duration_ns,
              StatusCode AS status_code, StatusMessage AS status_message, ConfigHash AS config_hash,
              Environment AS environment, SpanAttributes AS attributes,
              arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS event_times_ns,
              Events.Name AS event_names, Events.Attributes AS event_attributes
       FROM otel_traces
       WHERE TraceId = {traceId:String}
         AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)
       ORDER BY Timestamp, SpanId
       LIMIT {limit:UInt32}`,
      // End is the last span's start truncated to the second: the whole of that second is included.
      { traceId, from: Number(range[0]!.start), to: Number(range[0]!.end) + 1, limit: MAX_TRACE_SPANS + 1 },
    );
  }
  const spansTruncated = spans.length > MAX_TRACE_SPANS;
  if (spansTruncated) spans = spans.slice(0, MAX_TRACE_SPANS);

  let logFrom: number;
  let logTo: number;
  if (spans.length > 0) {
    const starts = spans.map((s) => nanos(s.start_ns));
    const ends = spans.map((s) => nanos(s.start_ns) + nanos(s.duration_ns));
    logFrom = Number(starts.reduce((a, b) => (b < a ? b : a)) / 1_000_000_000n) - LOG_MARGIN_SECONDS;
    logTo = Number(ends.reduce((a, b) => (b > a ? b : a)) / 1_000_000_000n) + 1 + LOG_MARGIN_SECONDS;
  } else {
    logTo = Math.floor(nowMs / 1000) + LOG_MARGIN_SECONDS;
    logFrom = logTo - LOGS_ONLY_LOOKBACK_SECONDS;
  }
  const logs = await store.query<LogRow>(
    `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS time_ns, SeverityText AS severity_text, SeverityNumber AS severity_number,
            ServiceName AS service, SpanId AS span_id, Body AS body, LogAttributes AS attributes
     FROM otel_logs
     WHERE TraceId = {traceId:String}
       AND TimestampTime >= toDateTime({from:UInt32}) AND TimestampTime < toDateTime({to:UInt32})
     ORDER BY Timestamp
     LIMIT {limit:UInt32}`,
    { traceId, from: Math.max(0, logFrom), to: logTo, limit: MAX_TRACE_LOGS + 1 },
  );
  const logsTruncated = logs.length > MAX_TRACE_LOGS;
  return buildTraceView(traceId, spans, logsTruncated ? logs.slice(0, MAX_TRACE_LOGS) : logs, spansTruncated || logsTruncated);
}
