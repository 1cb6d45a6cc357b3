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
 * the traces of the bad events only, in one scan: each trace's spans gathered into an array and
 * every bad span judged against it (ClickHouse would re-run a WITH subquery at each use).
 */
import type { SloDefinition } from '../slo/spec/index.js';
import { badCondition, matchFilters } from '../slo/sli/index.js';
import { MAX_CAUSE_ROWS, normalizationParams, normalizedText, sideConditions, type Side } from './sides.js';

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
  const { conds, sidesOf } = sideConditions(sides, params, (i) => `Timestamp >= toDateTime64({from${i}:UInt32}, 9) AND Timestamp < toDateTime64({to${i}:UInt32}, 9)`);
  params['childSlack'] = CHILD_SLACK_SECONDS;
  // Children start within their parent's run: each side's range and a little after it, nothing between the sides.
  const scanned = sides
    .map((_, i) => `(Timestamp >= toDateTime64({from${i}:UInt32}, 9) AND Timestamp < toDateTime64({to${i}:UInt32} + {childSlack:UInt32}, 9))`)
    .join(' OR ');
  // An event on both sides is in both sides' counts (as in their events from the recorded minutes).
  const latency = bad.kind === 'duration-over';

  // One scan of the traces that hold a bad event (found by a scan of the SLO's own spans), each
  // trace's spans gathered into one array, then every bad span judged against its children there.
  // Element layout of `spans` (tuples are positional):
  //   1 id, 2 parent, 3 service, 4 name, 5 duration, 6 end (ns), 7 failed, 8 error type if failed,
  //   9 peer, 10 bad, 11 its sides (one row per side), 12 start, 13 config_hash, 14 its own error type.
  // With `kids` of a bad span: (child tuple, callee tuple), the callee being the span under the child
  // in another service (a failing one if there is one); absent tuples read as defaults ('' and 0).
  const isBad = `ServiceName = {service:String}${filters} AND ${badSql} AND (${conds.join(' OR ')})`;
  const downstream = (x: string): string => `if(${x}.2.3 != '', ${x}.2.3, if(${x}.1.3 != {service:String}, ${x}.1.3, ${x}.1.9))`;
  const judged = latency
    ? `'slow' AS kind, '' AS error_type,
      greatest(toInt64(dur) - toInt64(arraySum(arrayMap(x -> x.1.5, kids))), 0) AS own_ns,
      arrayReverseSort(x -> x.1.5, kids)[1] AS slowest,
      notEmpty(kids) AND slowest.1.5 > own_ns AS named,
      if(named, ${downstream('slowest')}, '') AS dependency,
      if(named, slowest.1.4, '') AS dependency_operation,
      if(dur = 0, 0, if(named, slowest.1.5, own_ns) / dur) AS share_of_time`
    : `arrayFilter(x -> x.1.7 = 1 OR x.2.7 = 1, kids) AS failed_kids,
      arraySort(x -> x.1.6, failed_kids)[1] AS first_failed,
      if(notEmpty(failed_kids), ${downstream('first_failed')}, '') AS failed_downstream,
      if(failed_downstream != '', 'dependency', 'error') AS kind,
      if(kind = 'dependency',
         if(first_failed.2.7 = 1 AND first_failed.2.8 != '', first_failed.2.8, if(first_failed.1.8 != '', first_failed.1.8, 'error')),
         b.14) AS error_type,
      failed_downstream AS dependency,
      if(kind = 'dependency', if(first_failed.2.3 != '', first_failed.2.4, first_failed.1.4), '') AS dependency_operation,
      CAST(NULL AS Nullable(Float64)) AS share_of_time`;

  const sql = `SELECT side, kind, operation, error_type, dependency, dependency_operation,
  count() AS n, toUnixTimestamp64Milli(min(ts)) AS first_ms, toUnixTimestamp64Milli(max(ts)) AS last_ms,
  topK(5)(hash) AS hashes,
  arrayMap(x -> x.2, groupArraySorted(3)((ts, trace))) AS traces,
  avg(share_of_time) AS time_share
FROM (
  SELECT trace, arrayJoin(b.11) AS side, b.12 AS ts, b.13 AS hash, b.4 AS operation, b.5 AS dur,
    arrayMap(k -> (k, arrayReverseSort(g -> g.7, arrayFilter(g -> g.2 = k.1 AND g.3 != {service:String}, spans))[1]),
      arrayFilter(k -> k.2 = b.1, spans)) AS kids,
    ${judged}
  FROM (
    SELECT TraceId AS trace,
      groupArray(tuple(SpanId, ParentSpanId, ServiceName, SpanName, Duration, toUnixTimestamp64Nano(Timestamp) + Duration,
        toUInt8(StatusCode = 'Error'), if(StatusCode = 'Error', ${errorTypeOf('')}, ''), ${PEER},
        toUInt8(${isBad}), ${sidesOf}, Timestamp, ConfigHash, ${errorTypeOf('')})) AS spans
    FROM otel_traces
    WHERE TraceId IN (SELECT TraceId FROM otel_traces WHERE ${isBad})
      AND (${scanned})
    GROUP BY TraceId
  )
  ARRAY JOIN arrayFilter(s -> s.10 = 1, spans) AS b
)
GROUP BY side, kind, operation, error_type, dependency, dependency_operation
ORDER BY n DESC, operation, error_type, dependency, dependency_operation
LIMIT {maxRows:UInt32} BY side`;
  return { sql, params };
}
