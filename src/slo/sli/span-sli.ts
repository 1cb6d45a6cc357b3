/**
 * @module slo/sli/span-sli
 * Span SLIs as one query: from the per-minute rollup whenever every condition is one of its
 * columns (service, environment, kind, span name, status, HTTP status class, a duration bucket
 * bound), from raw `otel_traces` otherwise (attribute matchers, single status codes, thresholds
 * between bucket bounds). Both answer the same counts; the rollup reads ~minutes × groups rows
 * instead of every span.
 */
import { badCondition, matchFilters } from './span-conditions.js';
import { earliestStart, readSliRows, windowColumns, type SliQuery, type SliQueryInput } from './query.js';
import { fitsSpanRollup, spanRollupQuery, type RollupRow } from './span-rollup.js';

export function spanSliQuery({ slo, windows, endMinuteSeconds, scan = 'auto' }: SliQueryInput): SliQuery {
  if (slo.sli.kind !== 'spans') throw new Error(`spanSliQuery: SLO ${slo.name} has a ${slo.sli.kind} SLI`);
  const windowKeys = windows.map((w) => w.key);
  if (scan === 'auto' && fitsSpanRollup(slo)) {
    const batch = spanRollupQuery([{ slo, windows }], endMinuteSeconds);
    return { sql: batch.sql, params: batch.params, windowKeys, source: 'span-rollup', read: (rows) => batch.read(rows as RollupRow[]).get(slo.name)! };
  }
  const { match, bad } = slo.sli;
  const params: Record<string, unknown> = { service: slo.service, from: earliestStart(windows), to: endMinuteSeconds };
  const filters = matchFilters(match, params, false);
  const badExpr = badCondition(bad, params, false);
  const cols = windowColumns(windows, 'toStartOfMinute(Timestamp)', {
    total: (inWindow) => `countIf(${inWindow})`,
    bad: (inWindow) => `countIf(${inWindow} AND ${badExpr})`,
  });
  return {
    // Timestamp bounds are whole minutes, so they select exactly the rollup's minutes.
    sql: `SELECT ConfigHash AS config_hash,
  ${cols.select}
FROM otel_traces
WHERE ServiceName = {service:String}
  AND Timestamp >= toDateTime64({from:UInt32}, 9) AND Timestamp < toDateTime64({to:UInt32} + 60, 9)${filters}
GROUP BY config_hash`,
    params: { ...params, ...cols.params },
    windowKeys,
    source: 'raw-spans',
    read: (rows) => readSliRows({ windowKeys }, rows),
  };
}
