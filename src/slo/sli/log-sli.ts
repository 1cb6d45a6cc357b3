/**
 * @module slo/sli/log-sli
 * Log SLIs from raw `otel_logs`: the matching records are the events, those at or above the bad
 * severity are bad.
 */
import type { LogMatch } from '../spec/index.js';
import { earliestStart, windowColumns, type SliQuery, type SliQueryInput, readSliRows } from './query.js';

export function logSliQuery({ slo, windows, endMinuteSeconds }: SliQueryInput): SliQuery {
  if (slo.sli.kind !== 'logs') throw new Error(`logSliQuery: SLO ${slo.name} has a ${slo.sli.kind} SLI`);
  const { match, bad } = slo.sli;
  const params: Record<string, unknown> = {
    service: slo.service, from: earliestStart(windows), to: endMinuteSeconds, badSeverity: bad.severityNumberAtLeast,
  };
  const filters = logFilters(match, params);
  const cols = windowColumns(windows, 'toStartOfMinute(Timestamp)', {
    total: (inWindow) => `countIf(${inWindow})`,
    bad: (inWindow) => `countIf(${inWindow} AND SeverityNumber >= {badSeverity:UInt8})`,
  });
  return {
    sql: `SELECT ConfigHash AS config_hash,
  ${cols.select}
FROM otel_logs
WHERE ServiceName = {service:String}
  AND TimestampTime >= toDateTime({from:UInt32}) AND TimestampTime < toDateTime({to:UInt32} + 60)${filters}
GROUP BY config_hash`,
    params: { ...params, ...cols.params },
    windowKeys: windows.map((w) => w.key),
    read: (rows) => readSliRows({ windowKeys: windows.map((w) => w.key) }, rows),
    source: 'raw-logs',
  };
}

/** A log SLI's match conditions, each prefixed with `AND` on its own line; values as parameters. */
export function logFilters(match: LogMatch, params: Record<string, unknown>): string {
  const filters: string[] = [];
  if (match.severityNumberAtLeast !== null) {
    params['minSeverity'] = match.severityNumberAtLeast;
    filters.push('SeverityNumber >= {minSeverity:UInt8}');
  }
  if (match.bodyContains !== null) {
    params['bodyContains'] = match.bodyContains;
    filters.push('position(Body, {bodyContains:String}) > 0');
  }
  Object.entries(match.attributes).forEach(([key, value], i) => {
    params[`attrKey${i}`] = key;
    params[`attrValue${i}`] = value;
    filters.push(`LogAttributes[{attrKey${i}:String}] = {attrValue${i}:String}`);
  });
  return filters.map((f) => `\n  AND ${f}`).join('');
}
