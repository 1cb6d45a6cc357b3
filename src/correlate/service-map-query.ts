/**
 * @module correlate/service-map-query
 * Who calls whom, from parent/child spans: a child span whose parent span belongs to another service
 * is one call from the parent's service to the child's (a Client span in A over a Server span in B,
 * or any other pair across a service boundary). The join runs in ClickHouse, over the time range
 * only, with a bound on the spans it reads.
 *
 * An edge's errors and p95 follow Tempo's service graphs: a call failed when the callee's span
 * failed or the caller's Client span did (a timeout or refused connection fails only the caller's
 * side); its latency is the caller's Client span when there is one (what the caller waited,
 * network included), else the callee's span. With an environment, both spans must be in it.
 */
import type { Store } from '../store/index.js';
import { shapeServiceMap, type MapEdgeRow, type MapNodeRow, type ServiceMap } from './service-map.js';

/**
 * Most spans one map reads into its join (the parent side is held in memory: about 120 bytes a span).
 * Beyond it whole traces are sampled by trace id, so every sampled call still finds its parent.
 */
export const MAX_JOIN_SPANS = 500_000;
/** Parents may start before the range that their children start in. */
const PARENT_MARGIN_SECONDS = 300;

export async function readServiceMap(store: Store, { environment, sinceSeconds, since, nowMs, maxJoinSpans = MAX_JOIN_SPANS }: {
  environment: string | null;
  sinceSeconds: number;
  since: string;
  nowMs: number;
  maxJoinSpans?: number;
}): Promise<ServiceMap> {
  const from = Math.floor(nowMs / 60_000) * 60 + 60 - sinceSeconds;
  const env = environment ?? '';
  const nodeRows = await store.query<MapNodeRow & { spans: string }>(
    `SELECT ServiceName AS service,
            sumIf(Count, SpanKind = 'Server') AS calls,
            sumIf(Count, SpanKind = 'Server' AND StatusCode = 'Error') AS errors,
            sum(Count) AS spans,
            argMaxIf(ConfigHash, Minute, ConfigHash != '') AS config_hash
     FROM tollgate_span_rollup_1m
     WHERE Minute >= toDateTime({from:UInt32}) AND ({environment:String} = '' OR Environment = {environment:String})
     GROUP BY service
     ORDER BY service
     LIMIT 2000`,
    { from, environment: env },
  );
  const totalSpans = nodeRows.reduce((n, r) => n + Number(r.spans), 0);
  const sampleEvery = Math.max(1, Math.ceil(totalSpans / maxJoinSpans));
  const edgeRows = totalSpans === 0 ? [] : await store.query<MapEdgeRow>(
    `SELECT p.service AS source, c.service AS target, count() AS calls,
            countIf(c.status = 'Error' OR (p.kind = 'Client' AND p.status = 'Error')) AS errors,
            toUInt64(quantileExact(0.95)(if(p.kind = 'Client', p.duration, c.duration))) AS p95_ns
     FROM (
       SELECT TraceId, ParentSpanId, ServiceName AS service, StatusCode AS status, Duration AS duration
       FROM otel_traces
       WHERE Timestamp >= toDateTime64({from:UInt32}, 9) AND ParentSpanId != ''
         AND ({environment:String} = '' OR Environment = {environment:String})
         AND cityHash64(TraceId) % {every:UInt64} = 0
     ) AS c
     INNER JOIN (
       SELECT TraceId, SpanId, ServiceName AS service, SpanKind AS kind, StatusCode AS status, Duration AS duration
       FROM otel_traces
       WHERE Timestamp >= toDateTime64({parentFrom:UInt32}, 9)
         AND ({environment:String} = '' OR Environment = {environment:String})
         AND cityHash64(TraceId) % {every:UInt64} = 0
     ) AS p
     ON c.TraceId = p.TraceId AND c.ParentSpanId = p.SpanId
     WHERE p.service != c.service
     GROUP BY source, target
     ORDER BY source, target
     LIMIT 10000`,
    { from, parentFrom: from - PARENT_MARGIN_SECONDS, environment: env, every: sampleEvery },
  );
  return shapeServiceMap({ nodeRows, edgeRows, sampleEvery, environment, since });
}
