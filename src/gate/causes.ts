/**
 * @module gate/causes
 * What made a release's bad events bad, from its raw spans where and while it ran: the gate's top
 * causes with example traces and their log lines. Read only for a release that has bad events.
 */
import type { QueryParams } from '../store/index.js';
import type { Seen } from './release-history.js';
import type { Cause } from './types.js';

export interface CauseStore {
  query<T>(sql: string, params?: QueryParams): Promise<T[]>;
}

/** The release's failed spans grouped by cause, read only for the services and minutes where it ran. */
export async function topCauses(store: CauseStore, configHash: string, ranIn: readonly Seen[]): Promise<Cause[]> {
  const rows = await store.query<{ service: string; span_name: string; error_type: string; n: string; traces: string[] }>(
    `SELECT ServiceName AS service, SpanName AS span_name,
            multiIf(arrayFirst(a -> a['exception.type'] != '', Events.Attributes)['exception.type'] != '',
                      arrayFirst(a -> a['exception.type'] != '', Events.Attributes)['exception.type'],
                    StatusMessage != '', StatusMessage,
                    SpanAttributes['http.response.status_code'] != '', concat('HTTP ', SpanAttributes['http.response.status_code']),
                    'error') AS error_type,
            count() AS n, arrayMap(x -> x.2, groupArraySorted(3)((Timestamp, TraceId))) AS traces
     FROM otel_traces
     WHERE ServiceName IN {services:Array(String)} AND ConfigHash = {configHash:String} AND StatusCode = 'Error'
       AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32}, 9)
     GROUP BY service, span_name, error_type
     ORDER BY n DESC
     LIMIT 5`,
    {
      services: [...new Set(ranIn.map((s) => s.service))],
      configHash,
      from: Math.min(...ranIn.map((s) => s.firstSeconds)),
      to: Math.max(...ranIn.map((s) => s.lastSeconds)) + 60,
    },
  );
  const total = rows.reduce((n, r) => n + Number(r.n), 0);
  const traceIds = rows.flatMap((r) => r.traces);
  const logs = traceIds.length === 0 ? [] : await store.query<{ TraceId: string; Body: string }>(
    `SELECT TraceId, Body FROM otel_logs WHERE TraceId IN {traceIds:Array(String)} ORDER BY SeverityNumber DESC, Timestamp LIMIT 30`,
    { traceIds },
  );
  return rows.map((r) => ({
    service: r.service,
    spanName: r.span_name,
    errorType: r.error_type,
    count: Number(r.n),
    share: total === 0 ? 0 : Number(r.n) / total,
    exampleTraceIds: r.traces,
    exampleLogLines: logs.filter((l) => r.traces.includes(l.TraceId)).slice(0, 3).map((l) => l.Body),
  }));
}

/**
 * Causes remembered for a minute per release and place: a deny is asked again and again while a
 * sync is retried, and the one read it needs waits behind whatever insert of spans is running.
 */
export function causesForAMinute<A extends unknown[]>(
  find: (configHash: string, ranIn: readonly Seen[], ...rest: A) => Promise<Cause[]>,
  now: () => number = Date.now,
): (configHash: string, ranIn: readonly Seen[], ...rest: A) => Promise<Cause[]> {
  const held = new Map<string, { atMinute: number; causes: Promise<Cause[]> }>();
  return (configHash, ranIn, ...rest) => {
    const minute = Math.floor(now() / 60_000);
    const key = JSON.stringify([configHash, ranIn.map((s) => [s.environment, s.service])]);
    const hit = held.get(key);
    if (hit !== undefined && hit.atMinute === minute) return hit.causes;
    if (held.size > 1_000) held.clear();
    const causes = find(configHash, ranIn, ...rest);
    held.set(key, { atMinute: minute, causes });
    causes.catch(() => held.delete(key));
    return causes;
  };
}
