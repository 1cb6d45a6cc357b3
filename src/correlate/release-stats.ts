/**
 * @module correlate/release-stats
 * A release's numbers from the span rollup's rows. Pure.
 *
 * Traffic is a service's SERVER spans, as RED dashboards and the example SLOs count it: a request
 * served is one server span; client and internal spans would count the same request again at
 * every hop. `first_seen`/`last_seen` use spans of every kind, so a release that only sends (a
 * worker, a cron job) still shows where and when it ran, with 0 spans.
 *
 * Quantiles come from the rollup's duration buckets, not from raw spans: the rollup already holds
 * every span of the window as (bucket, count, duration sum), so a 7-day list of releases reads a few
 * thousand pre-aggregated rows instead of millions of spans, and it agrees with how latency SLOs
 * are counted. The estimate for the q-quantile is the mean duration of the bucket holding the
 * ⌈q·n⌉-th span (its duration sum ÷ its count): exact when that bucket's spans share one duration,
 * and always within the bucket's bounds (`DURATION_BUCKET_BOUNDS_MS`, e.g. 100–150 ms). ClickHouse's
 * own `quantile` over raw spans would be an estimate too (reservoir sampling) at far higher cost.
 */
import { isoFromNanos } from './time.js';

/** One (bucket upper bound, span count, duration sum) triple; 64-bit numbers as ClickHouse writes them. */
export type DurationBucket = readonly [leNs: string | number, count: string | number, sumNs: string | number];

/** One rollup group as the release queries read it: a config in one service and environment. */
export interface ReleaseStatsRow {
  service: string;
  environment: string;
  config_hash: string;
  /** Unix seconds of the first and last minute with a span of any kind. */
  first: string | number;
  last: string | number;
  /** Server spans, and those with status Error. */
  spans: string | number;
  errors: string | number;
  /** Server spans by duration bucket. */
  buckets: DurationBucket[];
}

export interface ReleaseNumbers {
  first_seen: string;
  last_seen: string;
  spans: number;
  errors: number;
  /** null without server spans: no traffic is "unknown", not "no errors". */
  error_ratio: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

/** The q-quantile (0 < q ≤ 1) in milliseconds, or null for no spans. See the module comment for the method. */
export function quantileFromBuckets(buckets: readonly DurationBucket[], q: number): number | null {
  const sorted = buckets
    .map(([le, count, sum]) => ({ le: BigInt(le), count: Number(count), sumNs: Number(sum) }))
    .filter((b) => b.count > 0)
    .sort((a, b) => (a.le < b.le ? -1 : a.le > b.le ? 1 : 0));
  const total = sorted.reduce((n, b) => n + b.count, 0);
  if (total === 0) return null;
  // The tolerance keeps 0.95 × 100 (95.00000000000001 in binary) at rank 95.
  const rank = Math.max(1, Math.ceil(q * total - 1e-9));
  let seen = 0;
  for (const b of sorted) {
    seen += b.count;
    if (seen >= rank) return roundMs(b.sumNs / b.count / 1e6);
  }
  const last = sorted[sorted.length - 1]!;
  return roundMs(last.sumNs / last.count / 1e6);
}

/** Several rows (services, environments) as one: counts and buckets added, first and last widened. */
export function mergeStats(rows: readonly ReleaseStatsRow[]): ReleaseNumbers | null {
  if (rows.length === 0) return null;
  const buckets = new Map<string, { count: number; sumNs: number }>();
  for (const row of rows) {
    for (const [le, count, sum] of row.buckets) {
      const b = buckets.get(String(le)) ?? { count: 0, sumNs: 0 };
      b.count += Number(count);
      b.sumNs += Number(sum);
      buckets.set(String(le), b);
    }
  }
  const merged: DurationBucket[] = [...buckets].map(([le, b]) => [le, b.count, b.sumNs]);
  const spans = rows.reduce((n, r) => n + Number(r.spans), 0);
  const errors = rows.reduce((n, r) => n + Number(r.errors), 0);
  return {
    first_seen: isoFromSeconds(Math.min(...rows.map((r) => Number(r.first)))),
    last_seen: isoFromSeconds(Math.max(...rows.map((r) => Number(r.last)))),
    spans,
    errors,
    error_ratio: spans === 0 ? null : errors / spans,
    p50_ms: quantileFromBuckets(merged, 0.5),
    p95_ms: quantileFromBuckets(merged, 0.95),
    p99_ms: quantileFromBuckets(merged, 0.99),
  };
}

export function isoFromSeconds(seconds: number): string {
  return isoFromNanos(BigInt(seconds) * 1_000_000_000n);
}

/** Microseconds are the finest a person reads; the rest is floating-point noise. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
