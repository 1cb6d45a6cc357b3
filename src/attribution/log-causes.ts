/**
 * @module attribution/log-causes
 * A log SLI's bad records grouped into causes: by severity and the body with its variable parts
 * normalized (ids, numbers, quoted strings), exactly the records its SLI counts as bad, for the
 * range asked about and its baseline at once. Logs say nothing of downstreams, so nothing is
 * invented about them. Pure.
 */
import type { SloDefinition } from '../slo/spec/index.js';
import { logFilters } from '../slo/sli/index.js';
import { MAX_CAUSE_ROWS, normalizationParams, normalizedText, sideConditions, type Side } from './sides.js';

export interface LogCauseRow {
  side: 'target' | 'baseline';
  operation: string;
  error_type: string;
  n: number | string;
  first_ms: number | string;
  last_ms: number | string;
  hashes: string[];
  traces: string[];
  bodies: string[];
}

export function logCausesQuery(slo: SloDefinition, environment: string | null, sides: readonly Side[]): { sql: string; params: Record<string, unknown> } {
  if (slo.sli.kind !== 'logs') throw new Error(`logCausesQuery: SLO ${slo.name} has a ${slo.sli.kind} SLI`);
  const params: Record<string, unknown> = {
    service: slo.service, badSeverity: slo.sli.bad.severityNumberAtLeast, maxRows: MAX_CAUSE_ROWS, ...normalizationParams(),
  };
  const filters = logFilters(slo.sli.match, params);
  if (environment !== null) params['environment'] = environment;
  const { conds, sidesOf } = sideConditions(sides, params, (i) => `TimestampTime >= toDateTime({from${i}:UInt32}) AND TimestampTime < toDateTime({to${i}:UInt32})`);
  return {
    // One row per side a record is on: a range longer than a week overlaps the week before it.
    sql: `SELECT arrayJoin(${sidesOf}) AS side,
  if(SeverityText != '', SeverityText, toString(SeverityNumber)) AS operation,
  ${normalizedText('Body')} AS error_type,
  count() AS n, toUnixTimestamp64Milli(min(Timestamp)) AS first_ms, toUnixTimestamp64Milli(max(Timestamp)) AS last_ms,
  topK(5)(ConfigHash) AS hashes,
  arrayFilter(t -> t != '', arrayMap(x -> x.2, groupArraySorted(3)((Timestamp, TraceId)))) AS traces,
  arrayMap(x -> x.2, groupArraySorted(3)((Timestamp, Body))) AS bodies
FROM otel_logs
WHERE ServiceName = {service:String}${filters}${environment === null ? '' : '\n  AND Environment = {environment:String}'}
  AND SeverityNumber >= {badSeverity:UInt8}
  AND (${conds.join(' OR ')})
GROUP BY side, operation, error_type
ORDER BY n DESC, operation, error_type
LIMIT {maxRows:UInt32} BY side`,
    params,
  };
}
