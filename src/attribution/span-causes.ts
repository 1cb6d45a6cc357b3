/**
 * @module attribution/span-causes
 * A span SLI's bad events grouped into causes, as one parameterized statement over raw spans:
 * exactly the spans the SLI counts as bad (its service, its `match` and its `bad`, the same SQL
 * conditions the engine records with), for the range asked about and its baseline at once (an
 * event in both ranges counts on both sides). Pure.
 *
 * Each bad event gets exactly one cause, so the counts add up to the SLO's bad events:
 * - availability: when one of the span's children failed, or the callee behind one did (the
 *   span whose parent is that child, in another service), the first to finish failing names
 *   the cause (`dependency`): the callee's service, else the child's `peer.service`,
 *   `server.address` or `db.system`, with the callee's (else the child's) error type. Otherwise
 *   the span's own error type (`error`).
 * - latency: the child that took the longest names where the time went (`slow`), with its
 *   operation and downstream; the span's own code when its time outside every child (duration
 *   minus the children's, clipped at 0) is larger, or when it has no children.
 * Children are read two levels down (a client span and the callee's server span under it), from
 * the traces of the bad events only.
 */
import type { SloDefinition } from '../slo/spec/index.js';
import { badCondition, matchFilters } from '../slo/sli/index.js';
import { normalizationParams, normalizedText, type Side } from './sides.js';

/** A row of the answer. */
export interface SpanCauseRow {
  side: 'target' | 'baseline';
  kind: 'error' | 'dependency' | 'slow';
  operation: string;
  error_type: string;
  dependency: string;
  dependency_operation: string;
  n: number | string;
  first_ms: number | string;
  last_ms: number | string;
  hashes: string[];
  traces: string[];
  time_share: number | null;
}

/** How long after a range's end a child span may start and still be read (children of the range's last events). */
const CHILD_SLACK_SECONDS = 3_600;

/** Groups kept per side: far more than anyone reads; the rest would still be counted by the caller's totals. */
export const MAX_CAUSE_ROWS = 2_000;

/** The span's error in words: exception type, else its normalized status message, else its HTTP status. */
const errorTypeOf = (prefix: string): string => {
  const exceptionType = `arrayFirst(a -> a['exception.type'] != '', ${prefix}Events.Attributes)['exception.type']`;
  const httpStatus = `if(${prefix}SpanAttributes['http.response.status_code'] != '', ${prefix}SpanAttributes['http.response.status_code'], ${prefix}SpanAttributes['http.status_code'])`;
  return `multiIf(
      ${exceptionType} != '', ${exceptionType},
      ${prefix}StatusMessage != '', ${normalizedText(`${prefix}StatusMessage`)},
      ${httpStatus} != '', concat('HTTP ', ${httpStatus}),
      'error')`;
};

/** The downstream a client or database span names. */
const PEER = `multiIf(SpanAttributes['peer.service'] != '', SpanAttributes['peer.service'],
      SpanAttributes['server.address'] != '', SpanAttributes['server.address'],
      SpanAttributes['db.system'] != '', SpanAttributes['db.system'], '')`;

export function spanCausesQuery(slo: SloDefinition, environment: string | null, sides: readonly Side[]): { sql: string; params: Record<string, unknown> } {
  if (slo.sli.kind !== 'spans') throw new Error(`spanCausesQuery: SLO ${slo.name} has a ${slo.sli.kind} SLI`);
  const { match, bad } = slo.sli;
  const params: Record<string, unknown> = { service: slo.service, maxRows: MAX_CAUSE_ROWS, ...normalizationParams() };
  const filters = matchFilters({ ...match, environment }, params, false);
  const badSql = badCondition(bad, params, false);
  const sideSql = sides.map((s, i) => {
    params[`from${i}`] = Math.floor(s.fromMs / 1000);
    params[`to${i}`] = Math.ceil(s.toMs / 1000);
    params[`side${i}`] = s.name;
    const hash = s.configHash === null ? '' : ` AND ConfigHash = {hash${i}:String}`;
    if (s.configHash !== null) params[`hash${i}`] = s.configHash;
    return { cond: `(Timestamp >= toDateTime64({from${i}:UInt32}, 9) AND Timestamp < toDateTime64({to${i}:UInt32}, 9)${hash})`, name: `{side${i}:String}` };
  });
  params['scanFrom'] = Math.min(...sides.map((s) => Math.floor(s.fromMs / 1000)));
  params['scanTo'] = Math.max(...sides.map((s) => Math.ceil(s.toMs / 1000))) + CHILD_SLACK_SECONDS;
  // One row per side an event is on: a range longer than a week overlaps the week before it, and
  // an event in both is in both sides' counts (as in their events from the recorded minutes).
  const sideOf = `arrayJoin(arrayFilter(x -> x != '', [${sideSql.map((s) => `if(${s.cond}, ${s.name}, '')`).join(', ')}]))`;
  const latency = bad.kind === 'duration-over';

  const sql = `WITH
bad AS (
  SELECT TraceId AS trace, SpanId AS span, SpanName AS op, Timestamp AS ts, Duration AS dur, ConfigHash AS hash,
    ${errorTypeOf('')} AS own_error,
    ${sideOf} AS side
  FROM otel_traces
  WHERE ServiceName = {service:String}${filters}
    AND ${badSql}
    AND (${sideSql.map((s) => s.cond).join(' OR ')})
),
kids AS (
  SELECT TraceId AS trace, SpanId AS span, ParentSpanId AS parent, ServiceName AS svc, SpanName AS op, Duration AS dur,
    toUnixTimestamp64Nano(Timestamp) + Duration AS end_ns, StatusCode = 'Error' AS failed,
    if(StatusCode = 'Error', ${errorTypeOf('')}, '') AS error, ${PEER} AS peer
  FROM otel_traces
  WHERE TraceId IN (SELECT trace FROM bad)
    AND Timestamp >= toDateTime64({scanFrom:UInt32}, 9) AND Timestamp < toDateTime64({scanTo:UInt32}, 9)
),
callees AS (
  SELECT c.trace AS trace, c.span AS child, any(k.svc) AS svc, any(k.op) AS op,
    max(k.failed) AS failed, anyIf(k.error, k.failed) AS error
  FROM kids AS c INNER JOIN kids AS k ON k.trace = c.trace AND k.parent = c.span
  WHERE k.svc != {service:String}
  GROUP BY c.trace, c.span
),
events AS (
  SELECT b.side AS side, b.trace AS trace, b.span AS span, any(b.op) AS op, any(b.ts) AS ts, any(b.dur) AS dur, any(b.hash) AS hash,
    any(b.own_error) AS own_error,
    -- the child (with its callee) that failed first: its downstream and error
    argMinIf(tuple(if(ce.svc != '', ce.svc, if(c.svc != {service:String}, c.svc, c.peer)),
                   if(ce.svc != '', ce.op, c.op),
                   if(ce.failed, ce.error, c.error)),
             c.end_ns, c.span != '' AND (c.failed OR ce.failed)) AS failed_child,
    countIf(c.span != '' AND (c.failed OR ce.failed)) > 0 AS has_failed_child,
    -- the child that took the longest, and the time outside every child
    argMaxIf(tuple(if(ce.svc != '', ce.svc, if(c.svc != {service:String}, c.svc, c.peer)), c.op), c.dur, c.span != '') AS slowest_child,
    maxIf(c.dur, c.span != '') AS slowest_dur,
    sumIf(c.dur, c.span != '') AS children_dur
  FROM bad AS b
  LEFT JOIN kids AS c ON c.trace = b.trace AND c.parent = b.span
  LEFT JOIN callees AS ce ON ce.trace = c.trace AND ce.child = c.span
  GROUP BY b.side, b.trace, b.span
),
causes AS (
  SELECT side, trace, ts, hash,
    ${latency
      ? `'slow' AS kind, op, '' AS error_type,
    if(slowest_dur > greatest(toInt64(dur) - toInt64(children_dur), 0), slowest_child.1, '') AS dependency,
    if(slowest_dur > greatest(toInt64(dur) - toInt64(children_dur), 0), slowest_child.2, '') AS dependency_operation,
    if(dur = 0, 0, if(slowest_dur > greatest(toInt64(dur) - toInt64(children_dur), 0), slowest_dur, greatest(toInt64(dur) - toInt64(children_dur), 0)) / dur) AS share_of_time`
      : `if(has_failed_child AND failed_child.1 != '', 'dependency', 'error') AS kind, op,
    if(kind = 'dependency', if(failed_child.3 != '', failed_child.3, 'error'), own_error) AS error_type,
    if(kind = 'dependency', failed_child.1, '') AS dependency,
    if(kind = 'dependency', failed_child.2, '') AS dependency_operation,
    CAST(NULL AS Nullable(Float64)) AS share_of_time`}
  FROM events
)
SELECT side, kind, op AS operation, error_type, dependency, dependency_operation,
  count() AS n, toUnixTimestamp64Milli(min(ts)) AS first_ms, toUnixTimestamp64Milli(max(ts)) AS last_ms,
  topK(5)(hash) AS hashes,
  arrayMap(x -> x.2, groupArraySorted(3)((ts, trace))) AS traces,
  avg(share_of_time) AS time_share
FROM causes
GROUP BY side, kind, operation, error_type, dependency, dependency_operation
ORDER BY n DESC, operation, error_type, dependency, dependency_operation
LIMIT {maxRows:UInt32} BY side`;
  return { sql, params };
}
