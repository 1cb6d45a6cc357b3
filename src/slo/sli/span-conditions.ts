/**
 * @module slo/sli/span-conditions
 * A span SLI's match and bad conditions as SQL over the rollups or raw spans, with every value a
 * query parameter (named with a prefix, so several SLOs can share one statement).
 */
import { DURATION_BUCKET_BOUNDS_MS } from '../../store/schema-tables.js';
import type { SpanBadCondition, SpanKind, SpanMatch } from '../spec/index.js';

/** The exporter's SpanKind strings (see ingest/decode/traces.ts). */
const KIND: Record<SpanKind, string> = {
  server: 'Server', client: 'Client', producer: 'Producer', consumer: 'Consumer', internal: 'Internal',
};

/** The HTTP status the rollup classifies, read the same way from raw spans (new and old semconv). */
const RAW_HTTP_STATUS = `toUInt16OrZero(if(SpanAttributes['http.response.status_code'] != '', SpanAttributes['http.response.status_code'], SpanAttributes['http.status_code']))`;

export function badFitsRollup(bad: SpanBadCondition): boolean {
  switch (bad.kind) {
    case 'status-error':
      return true;
    case 'http-status':
      return bad.statusCodeRanges.every((r) => r.from % 100 === 0 && r.to === r.from + 99 && r.from >= 100 && r.to <= 599);
    case 'duration-over':
      return (DURATION_BUCKET_BOUNDS_MS as readonly number[]).includes(bad.durationOverMs);
  }
}

export function matchFilters(match: SpanMatch, params: Record<string, unknown>, rollup: boolean, prefix = ''): string {
  const parts: string[] = [];
  if (match.spanKind !== null) {
    params[`${prefix}spanKind`] = KIND[match.spanKind];
    parts.push(`SpanKind = {${prefix}spanKind:String}`);
  }
  if (match.environment !== null) {
    params[`${prefix}environment`] = match.environment;
    parts.push(`Environment = {${prefix}environment:String}`);
  }
  if (match.name !== null) {
    if (match.name.kind === 'exact') {
      params[`${prefix}spanName`] = match.name.name;
      parts.push(`SpanName = {${prefix}spanName:String}`);
    } else {
      params[`${prefix}spanNamePattern`] = globToRegex(match.name.pattern);
      parts.push(`match(SpanName, {${prefix}spanNamePattern:String})`);
    }
  }
  if (!rollup) {
    Object.entries(match.attributes).forEach(([key, value], i) => {
      params[`${prefix}attrKey${i}`] = key;
      params[`${prefix}attrValue${i}`] = value;
      parts.push(`SpanAttributes[{${prefix}attrKey${i}:String}] = {${prefix}attrValue${i}:String}`);
    });
  }
  return parts.map((p) => `\n  AND ${p}`).join('');
}

export function badCondition(bad: SpanBadCondition, params: Record<string, unknown>, rollup: boolean, prefix = ''): string {
  switch (bad.kind) {
    case 'status-error':
      return `StatusCode = 'Error'`;
    case 'http-status':
      if (rollup) {
        params[`${prefix}badStatusClasses`] = bad.statusCodeRanges.map((r) => `${r.from / 100}xx`);
        return `HttpStatusClass IN {${prefix}badStatusClasses:Array(String)}`;
      }
      return `(${bad.statusCodeRanges
        .map((r, i) => {
          params[`${prefix}statusFrom${i}`] = r.from;
          params[`${prefix}statusTo${i}`] = r.to;
          return `${RAW_HTTP_STATUS} BETWEEN {${prefix}statusFrom${i}:UInt16} AND {${prefix}statusTo${i}:UInt16}`;
        })
        .join(' OR ')})`;
    case 'duration-over':
      // Rollup buckets hold durations ≤ their bound (le), so with a threshold on a bound,
      // "slower than the threshold" is exactly "in a bucket above it".
      params[`${prefix}thresholdNs`] = BigInt(Math.round(bad.durationOverMs * 1_000_000));
      return rollup ? `DurationBucketNs > {${prefix}thresholdNs:UInt64}` : `Duration > {${prefix}thresholdNs:UInt64}`;
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
