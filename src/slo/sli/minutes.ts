/**
 * @module slo/sli/minutes
 * An SLI's events per minute (or per hour), environment and config_hash over a range of minutes,
 * as one parameterized query: what the engine records for SLIs that read raw data (span SLIs with
 * attribute matchers or thresholds off the rollup's buckets, log SLIs, metric SLIs). Span SLIs the
 * rollup answers are counted by the engine itself over rollup rows (facts-match.ts).
 *
 * Every SLO is recorded in every environment: the SLO's own `environment` is applied when the
 * engine reads, so the rows say which environment each event came from. Pure.
 */
import type { SloDefinition } from '../spec/index.js';
import { logFilters } from './log-sli.js';
import { metricMinutesQuery } from './metric-sli.js';
import { badCondition, matchFilters } from './span-conditions.js';

export type Granularity = 'minute' | 'hour';

/** A row of the answer: the bucket's first minute (unix seconds) and its counts (Float64: metric counts may be fractions). */
export interface MinuteRow {
  m: number | string;
  environment: string;
  config_hash: string;
  total: number | string;
  bad: number | string;
}

export interface MinutesQuery {
  sql: string;
  params: Record<string, unknown>;
}

/** [fromMinute, toMinute] both included; `granularity: 'hour'` expects whole hours. */
export function sliMinutesQuery(slo: SloDefinition, fromMinute: number, toMinute: number, granularity: Granularity): MinutesQuery {
  const sli = slo.sli;
  switch (sli.kind) {
    case 'spans': {
      const params: Record<string, unknown> = { service: slo.service, from: fromMinute, to: toMinute };
      const filters = matchFilters({ ...sli.match, environment: null }, params, false);
      const bad = badCondition(sli.bad, params, false);
      return {
        sql: `SELECT toUInt32(${bucketOf('Timestamp', granularity)}) AS m, Environment AS environment, ConfigHash AS config_hash,
  toFloat64(count()) AS total, toFloat64(countIf(${bad})) AS bad
FROM otel_traces
WHERE ServiceName = {service:String}
  AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32} + 60, 9)${filters}
GROUP BY m, environment, config_hash`,
        params,
      };
    }
    case 'logs': {
      const params: Record<string, unknown> = { service: slo.service, from: fromMinute, to: toMinute, badSeverity: sli.bad.severityNumberAtLeast };
      return {
        sql: `SELECT toUInt32(${bucketOf('Timestamp', granularity)}) AS m, Environment AS environment, ConfigHash AS config_hash,
  toFloat64(count()) AS total, toFloat64(countIf(SeverityNumber >= {badSeverity:UInt8})) AS bad
FROM otel_logs
WHERE ServiceName = {service:String}
  AND TimestampTime >= toDateTime({from:UInt32}) AND TimestampTime < toDateTime({to:UInt32} + 60)${logFilters(sli.match, params)}
GROUP BY m, environment, config_hash`,
        params,
      };
    }
    case 'metric-ratio':
    case 'metric-histogram':
      return metricMinutesQuery(slo, fromMinute, toMinute, granularity);
    case 'promql':
      throw new Error(`sliMinutesQuery: SLO ${slo.name} has a PromQL SLI, which is not recorded by the minute`);
  }
}

const bucketOf = (column: string, granularity: Granularity): string =>
  granularity === 'minute' ? `toStartOfMinute(${column})` : `toStartOfHour(${column})`;
