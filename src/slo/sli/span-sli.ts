/**
 * @module slo/sli/span-sli
 * Span SLIs as one query: from the per-minute rollup whenever every condition is one of its
 * columns (service, environment, kind, span name, status, HTTP status class, a duration bucket
 * bound), from raw `otel_traces` otherwise (attribute matchers, single status codes, thresholds
 * between bucket bounds). Both answer the same counts; the rollup reads ~minutes × groups rows
 * instead of every span.
 */
import { DURATION_BUCKET_BOUNDS_MS } from '../../store/schema-tables.js';
import type { SpanBadCondition, SpanKind, SpanMatch } from '../spec/index.js';
import { earliestStart, windowColumns, type SliQuery, type SliQueryInput } from './query.js';

/** The exporter's SpanKind strings (see ingest/decode/traces.ts). */
const KIND: Record<SpanKind, string> = {
  server: 'Server', client: 'Client', producer: 'Producer', consumer: 'Consumer', internal: 'Internal',
};

/** The HTTP status the rollup classifies, read the same way from raw spans (new and old semconv). */
const RAW_HTTP_STATUS = `toUInt16OrZero(if(SpanAttributes['http.response.status_code'] != '', SpanAttributes['http.response.status_code'], SpanAttributes['http.status_code']))`;

export function spanSliQuery({ slo, windows, endMinuteSeconds, scan = 'auto' }: SliQueryInput): SliQuery {
  if (slo.sli.kind !== 'spans') throw new Error(`spanSliQuery: SLO ${slo.name} has a ${slo.sli.kind} SLI`);
  const { match, bad } = slo.sli;
  const params: Record<string, unknown> = { service: slo.service, from: earliestStart(windows), to: endMinuteSeconds };
  const useRollup = scan === 'auto' && Object.keys(match.attributes).length === 0 && badFitsRollup(bad);
  const filters = matchFilters(match, params, useRollup);
  const badExpr = badCondition(bad, params, useRollup);
  const windowKeys = windows.map((w) => w.key);

  if (useRollup) return rollupQuery(windows, endMinuteSeconds, filters, badExpr, params, windowKeys);
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
  };
}

/**
 * Whole hours inside a window come from the hourly rollup, the partial hour at its start and the
 * hour in progress at its end from the minute rollup: a 30-day window reads ~720 hourly groups
 * plus at most ~118 minutes, and the answer is the same as counting every minute.
 */
function rollupQuery(
  windows: SliQueryInput['windows'],
  endMinuteSeconds: number,
  filters: string,
  badExpr: string,
  params: Record<string, unknown>,
  windowKeys: string[],
): SliQuery {
  const HOUR = 3_600;
  const hourEnd = Math.floor((endMinuteSeconds + 60) / HOUR) * HOUR; // first hour still in progress
  params['hourEnd'] = hourEnd;
  const hourColumns: string[] = [];
  const minuteColumns: string[] = [];
  const minuteRanges: string[] = ['Minute >= toDateTime({hourEnd:UInt32})'];
  const hourStarts: number[] = [];
  windows.forEach((w, i) => {
    const firstWholeHour = Math.ceil(w.startSeconds / HOUR) * HOUR;
    params[`w${i}`] = w.startSeconds;
    let inMinutes = `Minute >= toDateTime({w${i}:UInt32})`;
    let inHours = '0';
    if (firstWholeHour < hourEnd) {
      params[`h${i}`] = firstWholeHour;
      hourStarts.push(firstWholeHour);
      inHours = `Hour >= toDateTime({h${i}:UInt32})`;
      inMinutes = `${inMinutes} AND (Minute < toDateTime({h${i}:UInt32}) OR Minute >= toDateTime({hourEnd:UInt32}))`;
      minuteRanges.push(`(Minute >= toDateTime({w${i}:UInt32}) AND Minute < toDateTime({h${i}:UInt32}))`);
    } else {
      minuteRanges.push(`Minute >= toDateTime({w${i}:UInt32})`);
    }
    hourColumns.push(`sumIf(Count, ${inHours}) AS total_${i}, sumIf(Count, ${inHours} AND ${badExpr}) AS bad_${i}`);
    minuteColumns.push(`sumIf(Count, ${inMinutes}) AS total_${i}, sumIf(Count, ${inMinutes} AND ${badExpr}) AS bad_${i}`);
  });
  const minutes = `SELECT ConfigHash AS config_hash,
    ${minuteColumns.join(',\n    ')}
  FROM tollgate_span_rollup_1m
  WHERE ServiceName = {service:String} AND Minute <= toDateTime({to:UInt32})
    AND (${minuteRanges.join(' OR ')})${filters.replaceAll('\n', '\n  ')}
  GROUP BY config_hash`;
  const parts = [minutes];
  if (hourStarts.length > 0) {
    params['hourFrom'] = Math.min(...hourStarts);
    parts.unshift(`SELECT ConfigHash AS config_hash,
    ${hourColumns.join(',\n    ')}
  FROM tollgate_span_rollup_1h
  WHERE ServiceName = {service:String}
    AND Hour >= toDateTime({hourFrom:UInt32}) AND Hour < toDateTime({hourEnd:UInt32})${filters.replaceAll('\n', '\n  ')}
  GROUP BY config_hash`);
  }
  const sums = windows.map((_, i) => `sum(total_${i}) AS total_${i}, sum(bad_${i}) AS bad_${i}`).join(', ');
  return {
    sql: `SELECT config_hash, ${sums}
FROM (
  ${parts.join('\n  UNION ALL\n  ')}
)
GROUP BY config_hash`,
    params,
    windowKeys,
    source: 'span-rollup',
  };
}

function badFitsRollup(bad: SpanBadCondition): boolean {
  switch (bad.kind) {
    case 'status-error':
      return true;
    case 'http-status':
      return bad.statusCodeRanges.every((r) => r.from % 100 === 0 && r.to === r.from + 99 && r.from >= 100 && r.to <= 599);
    case 'duration-over':
      return (DURATION_BUCKET_BOUNDS_MS as readonly number[]).includes(bad.durationOverMs);
  }
}

function matchFilters(match: SpanMatch, params: Record<string, unknown>, rollup: boolean): string {
  const parts: string[] = [];
  if (match.spanKind !== null) {
    params['spanKind'] = KIND[match.spanKind];
    parts.push('SpanKind = {spanKind:String}');
  }
  if (match.environment !== null) {
    params['environment'] = match.environment;
    parts.push('Environment = {environment:String}');
  }
  if (match.name !== null) {
    if (match.name.kind === 'exact') {
      params['spanName'] = match.name.name;
      parts.push('SpanName = {spanName:String}');
    } else {
      params['spanNamePattern'] = globToRegex(match.name.pattern);
      parts.push('match(SpanName, {spanNamePattern:String})');
    }
  }
  if (!rollup) {
    Object.entries(match.attributes).forEach(([key, value], i) => {
      params[`attrKey${i}`] = key;
      params[`attrValue${i}`] = value;
      parts.push(`SpanAttributes[{attrKey${i}:String}] = {attrValue${i}:String}`);
    });
  }
  return parts.map((p) => `\n  AND ${p}`).join('');
}

function badCondition(bad: SpanBadCondition, params: Record<string, unknown>, rollup: boolean): string {
  switch (bad.kind) {
    case 'status-error':
      return `StatusCode = 'Error'`;
    case 'http-status':
      if (rollup) {
        params['badStatusClasses'] = bad.statusCodeRanges.map((r) => `${r.from / 100}xx`);
        return 'HttpStatusClass IN {badStatusClasses:Array(String)}';
      }
      return `(${bad.statusCodeRanges
        .map((r, i) => {
          params[`statusFrom${i}`] = r.from;
          params[`statusTo${i}`] = r.to;
          return `${RAW_HTTP_STATUS} BETWEEN {statusFrom${i}:UInt16} AND {statusTo${i}:UInt16}`;
        })
        .join(' OR ')})`;
    case 'duration-over':
      // Rollup buckets hold durations ≤ their bound (le), so with a threshold on a bound,
      // "slower than the threshold" is exactly "in a bucket above it".
      params['thresholdNs'] = BigInt(Math.round(bad.durationOverMs * 1_000_000));
      return rollup ? 'DurationBucketNs > {thresholdNs:UInt64}' : 'Duration > {thresholdNs:UInt64}';
  }
}

/** Shell-style glob (`*`, `?`, `[...]`) to an anchored RE2 pattern. */
export function globToRegex(glob: string): string {
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) out += '\\[';
      else {
        const body = glob.slice(i + 1, close).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = close;
      }
    } else out += /[.+^${}()|\\]/.test(c) ? `\\${c}` : c;
  }
  return `${out}$`;
}
