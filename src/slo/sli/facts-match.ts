/**
 * @module slo/sli/facts-match
 * An SLO's SLI as a TypeScript predicate over one event's facts: a span (or a rollup row, which is
 * spans sharing the same facts) or a log record. The same conditions as the SQL in
 * span-conditions.ts and log-sli.ts, with ClickHouse's semantics (a missing attribute is '',
 * `toUInt16OrZero`, RE2 globs), so that counting in the engine (over rollup rows or the spans
 * this process just stored) and counting in ClickHouse give the same numbers; tests compare them.
 *
 * The environment is not matched here: the engine records every SLO in every environment and
 * applies the SLO's own `environment` when it reads (so the gate can ask about staging).
 */
import { RE2JS } from 're2js';
import type { LogMatch, SloDefinition, SpanBadCondition, SpanKind, SpanMatch } from '../spec/index.js';
import { globToRegex } from './span-conditions.js';
import { fitsSpanRollup } from './span-rollup.js';

/** What every span and rollup row carries. */
export interface SpanFacts {
  service: string;
  environment: string;
  configHash: string;
  /** The exporter's strings: 'Server', 'Client', … */
  kind: string;
  name: string;
  /** 'Error', 'Ok' or 'Unset'. */
  statusCode: string;
  /** The rollup's class: '5xx' etc., '' when the status is not three digits 100–599. */
  httpStatusClass: string;
  /** The rollup's duration bucket: its upper bound in ns (the last one is UInt64's maximum). */
  durationBucketNs: number;
}

/** A single stored span: the rollup's facts plus what raw-span SLIs read. */
export interface RawSpanFacts extends SpanFacts {
  durationNs: number;
  /** `toUInt16OrZero` of the status attribute, as raw-span SQL reads it. */
  httpStatus: number;
  attributes: Readonly<Record<string, string>>;
}

export interface LogFacts {
  service: string;
  environment: string;
  configHash: string;
  severityNumber: number;
  body: string;
  attributes: Readonly<Record<string, string>>;
}

/** 0: not one of the SLI's events; 1: a good event; 2: a bad one. */
export type Verdict = 0 | 1 | 2;

export interface SpanSliPredicate {
  kind: 'spans';
  /** Whether rollup rows can be judged (no attribute matchers; a bad condition on a rollup column). */
  fitsRollup: boolean;
  judgeRollup(f: SpanFacts): Verdict;
  judgeSpan(f: RawSpanFacts): Verdict;
}

export interface LogSliPredicate {
  kind: 'logs';
  judge(f: LogFacts): Verdict;
}

const KIND: Record<SpanKind, string> = {
  server: 'Server', client: 'Client', producer: 'Producer', consumer: 'Consumer', internal: 'Internal',
};

/** The predicate of a span or log SLI; undefined for the other kinds (metrics, PromQL). */
export function sliPredicate(slo: SloDefinition): SpanSliPredicate | LogSliPredicate | undefined {
  const sli = slo.sli;
  switch (sli.kind) {
    case 'spans':
      return spanPredicate(slo.service, sli.match, sli.bad, fitsSpanRollup(slo));
    case 'logs':
      return logPredicate(slo.service, sli.match, sli.bad.severityNumberAtLeast);
    default:
      return undefined;
  }
}

function spanPredicate(service: string, match: SpanMatch, bad: SpanBadCondition, fitsRollup: boolean): SpanSliPredicate {
  const kind = match.spanKind === null ? null : KIND[match.spanKind];
  const name = match.name;
  const glob = name?.kind === 'glob' ? RE2JS.compile(globToRegex(name.pattern)) : null;
  const attributes = Object.entries(match.attributes);
  const matches = (f: SpanFacts): boolean =>
    f.service === service
    && (kind === null || f.kind === kind)
    && (name === null || (glob === null ? f.name === (name.kind === 'exact' ? name.name : '') : glob.matches(f.name)));

  const thresholdNs = bad.kind === 'duration-over' ? Math.round(bad.durationOverMs * 1_000_000) : 0;
  const classes = bad.kind === 'http-status' ? new Set(bad.statusCodeRanges.map((r) => `${r.from / 100}xx`)) : new Set<string>();
  const badOfRollup = (f: SpanFacts): boolean => {
    switch (bad.kind) {
      case 'status-error':
        return f.statusCode === 'Error';
      case 'http-status':
        return classes.has(f.httpStatusClass);
      case 'duration-over':
        // Buckets hold durations ≤ their bound; with the threshold on a bound, "slower" is "in a bucket above it".
        return f.durationBucketNs > thresholdNs;
    }
  };
  const badOfSpan = (f: RawSpanFacts): boolean => {
    switch (bad.kind) {
      case 'status-error':
        return f.statusCode === 'Error';
      case 'http-status':
        return bad.statusCodeRanges.some((r) => f.httpStatus >= r.from && f.httpStatus <= r.to);
      case 'duration-over':
        return f.durationNs > thresholdNs;
    }
  };
  return {
    kind: 'spans',
    fitsRollup,
    judgeRollup(f) {
      if (!fitsRollup) throw new Error('judgeRollup: this SLI needs raw spans');
      if (!matches(f)) return 0;
      return badOfRollup(f) ? 2 : 1;
    },
    judgeSpan(f) {
      if (!matches(f) || !attributes.every(([k, v]) => (f.attributes[k] ?? '') === v)) return 0;
      // An SLI the rollup answers is judged on the rollup's columns, so both counts agree exactly.
      return (fitsRollup ? badOfRollup(f) : badOfSpan(f)) ? 2 : 1;
    },
  };
}

function logPredicate(service: string, match: LogMatch, badSeverity: number): LogSliPredicate {
  const attributes = Object.entries(match.attributes);
  return {
    kind: 'logs',
    judge(f) {
      if (f.service !== service) return 0;
      if (match.severityNumberAtLeast !== null && f.severityNumber < match.severityNumberAtLeast) return 0;
      if (match.bodyContains !== null && !f.body.includes(match.bodyContains)) return 0;
      if (!attributes.every(([k, v]) => (f.attributes[k] ?? '') === v)) return 0;
      return f.severityNumber >= badSeverity ? 2 : 1;
    },
  };
}
