/**
 * @module series/span-metrics
 * RED series derived from spans, named as the OpenTelemetry Collector's spanmetrics connector names
 * them once Prometheus has them: `traces_span_metrics_calls_total` and
 * `traces_span_metrics_duration_seconds_bucket|_sum|_count`, labelled `service_name` (and `job`),
 * `span_name`, `span_kind` (`SPAN_KIND_SERVER`), `status_code` (`STATUS_CODE_ERROR`), plus
 * `config_hash` and `deployment_environment_name`. They are read from the per-minute span rollup,
 * not stored twice.
 *
 * A rollup row is a minute's count, so each series becomes a counter: it starts at 0 at the start
 * of its first minute in the window and steps up at the end of every minute by that minute's count
 * (the minute in progress is stamped at the window's end). Differences, which is all rate and
 * increase use, are exact; absolute values depend on where the window starts, as a connector's
 * counters depend on when it started.
 */
import { DURATION_BUCKET_BOUNDS_MS, type Store } from '../store/index.js';
import { MAX_SELECTED_ROWS, TooManySamplesError } from './errors.js';
import { matchesAll, matcherCondition } from './matchers.js';
import { formatFloatPlain } from './naming.js';
import type { Labels, LabelMatcher, MetricMetadata, SelectRequest, Series, SeriesExemplars, SeriesProvider } from './types.js';

export const SPAN_METRICS_PREFIX = 'traces_span_metrics_';
const CALLS = 'traces_span_metrics_calls_total';
const BUCKET = 'traces_span_metrics_duration_seconds_bucket';
const SUM = 'traces_span_metrics_duration_seconds_sum';
const COUNT = 'traces_span_metrics_duration_seconds_count';
const FAMILIES = [CALLS, BUCKET, SUM, COUNT] as const;
type Family = (typeof FAMILIES)[number];

const KIND_LABELS: Readonly<Record<string, string>> = {
  Unspecified: 'SPAN_KIND_UNSPECIFIED', Internal: 'SPAN_KIND_INTERNAL', Server: 'SPAN_KIND_SERVER',
  Client: 'SPAN_KIND_CLIENT', Producer: 'SPAN_KIND_PRODUCER', Consumer: 'SPAN_KIND_CONSUMER',
};
const STATUS_LABELS: Readonly<Record<string, string>> = { Unset: 'STATUS_CODE_UNSET', Ok: 'STATUS_CODE_OK', Error: 'STATUS_CODE_ERROR' };
const fromLabel = (table: Readonly<Record<string, string>>, label: string): string | undefined =>
  Object.entries(table).find(([, v]) => v === label)?.[0];

const BOUNDS_SECONDS = DURATION_BUCKET_BOUNDS_MS.map((ms) => ms / 1000);
const LE_LABELS = [...BOUNDS_SECONDS.map(formatFloatPlain), '+Inf'];

/** One series' minutes as arrays (a row per series and bucket, not per minute: far less to parse). */
interface SeriesRow {
  service: string;
  span_name: string;
  kind: string;
  status: string;
  config_hash: string;
  environment: string;
  bucket: string;
  minutes: number[];
  calls: number[];
  sum_ns: number[];
}

export function createSpanMetricsProvider(store: Store): SeriesProvider {
  const familiesOf = (matchers: readonly LabelMatcher[]): Family[] =>
    FAMILIES.filter((f) => matchesAll(matchers.filter((m) => m.name === '__name__'), { __name__: f }));

  async function minutes(req: SelectRequest, families: readonly Family[]): Promise<SeriesRow[]> {
    const params: Record<string, unknown> = {
      from: Math.floor(req.startMs / 60_000) * 60 - 60, to: Math.floor(req.endMs / 60_000) * 60, limit: MAX_SELECTED_ROWS + 1,
    };
    const where = ['Minute >= toDateTime({from:UInt32})', 'Minute <= toDateTime({to:UInt32})', ...pushedDown(req.matchers, params)];
    // Bucket rows are only needed for the histogram's buckets; the rest sums across them.
    const byBucket = families.includes(BUCKET);
    const rows = await store.query<SeriesRow>(
      `SELECT service, span_name, kind, status, config_hash, environment, bucket,
              groupArray(minute) AS minutes, groupArray(calls) AS calls, groupArray(sum_ns) AS sum_ns
       FROM (
         SELECT ServiceName AS service, SpanName AS span_name, SpanKind AS kind, StatusCode AS status, ConfigHash AS config_hash,
                Environment AS environment, toUInt32(Minute) AS minute, ${byBucket ? 'DurationBucketNs' : '0'} AS bucket,
                toFloat64(sum(Count)) AS calls, toFloat64(sum(DurationSumNs)) AS sum_ns
         FROM tollgate_span_rollup_1m
         WHERE ${where.join(' AND ')}
         GROUP BY service, span_name, kind, status, config_hash, environment, minute, bucket
         LIMIT {limit:UInt64})
       GROUP BY service, span_name, kind, status, config_hash, environment, bucket`,
      params,
    );
    const selected = rows.reduce((n, r) => n + r.minutes.length, 0);
    if (selected > MAX_SELECTED_ROWS) throw new TooManySamplesError(`span metrics: more than ${MAX_SELECTED_ROWS.toLocaleString('en-US')} rollup rows in the window; narrow the selector or the time range`);
    return rows;
  }

  return {
    mayMatch: (matchers) => familiesOf(matchers).length > 0,

    async select(req) {
      const families = familiesOf(req.matchers);
      if (families.length === 0) return [];
      const rows = await minutes(req, families);
      // Hot: a month of a busy service is hundreds of thousands of minutes, so each only adds to its
      // group's minute; labels are built and matched once per series, not once per minute and bucket.
      const groups = new Map<string, { base: Labels; minutes: Map<number, MinuteTotals> }>();
      for (const row of rows) {
        const key = `${row.service}\u0000${row.span_name}\u0000${row.kind}\u0000${row.status}\u0000${row.config_hash}\u0000${row.environment}`;
        let group = groups.get(key);
        if (group === undefined) groups.set(key, (group = { base: baseLabels(row), minutes: new Map() }));
        const bucket = bucketIndex(row.bucket);
        row.minutes.forEach((minute, i) => {
          let totals = group.minutes.get(minute);
          if (totals === undefined) group.minutes.set(minute, (totals = { calls: 0, sumSeconds: 0, byBucket: new Float64Array(LE_LABELS.length) }));
          totals.calls += row.calls[i]!;
          totals.sumSeconds += row.sum_ns[i]! / 1e9;
          totals.byBucket[bucket]! += row.calls[i]!;
        });
      }
      const out: Series[] = [];
      for (const group of groups.values()) {
        const minutes = [...group.minutes.keys()].sort((a, b) => a - b);
        const totals = minutes.map((m) => group.minutes.get(m)!);
        const emit = (labels: Labels, valueOf: (t: MinuteTotals) => number) => {
          if (matchesAll(req.matchers, labels)) out.push(asCounter(labels, minutes, totals.map(valueOf), req));
        };
        if (families.includes(CALLS)) emit({ __name__: CALLS, ...group.base }, (t) => t.calls);
        if (families.includes(COUNT)) emit({ __name__: COUNT, ...group.base }, (t) => t.calls);
        if (families.includes(SUM)) emit({ __name__: SUM, ...group.base }, (t) => t.sumSeconds);
        if (families.includes(BUCKET)) {
          // Cumulative buckets: a span counts in every bucket whose bound is at or above its own. Every
          // bucket is a series, as in a real histogram: histogram_quantile reads the empty ones as lower bounds.
          const cumulative = totals.map((t) => {
            let sum = 0;
            return t.byBucket.map((count) => (sum += count));
          });
          LE_LABELS.forEach((le, i) => {
            const labels = { __name__: BUCKET, ...group.base, le };
            if (matchesAll(req.matchers, labels)) out.push(asCounter(labels, minutes, cumulative.map((c) => c[i]!), req));
          });
        }
      }
      return out;
    },

    async listSeries(req) {
      const series = await this.select({ ...req, startMs: Math.max(req.startMs, req.endMs - 3_600_000) });
      return series.map((s) => s.labels);
    },

    async metadata(): Promise<MetricMetadata[]> {
      return [
        { metric: 'traces_span_metrics_calls', type: 'counter', help: 'Spans per service, span name, kind, status and release (from the span rollup)', unit: '' },
        { metric: 'traces_span_metrics_duration_seconds', type: 'histogram', help: 'Span durations (from the span rollup)', unit: 'seconds' },
      ];
    },

    async exemplars(req): Promise<SeriesExemplars[]> {
      const families = familiesOf(req.matchers);
      if (families.length === 0) return [];
      const params: Record<string, unknown> = { from: Math.floor(req.startMs), to: Math.ceil(req.endMs) };
      // The slowest spans of each series: the ones a person looking at a latency panel wants to open.
      const rows = await store.query<{ service: string; span_name: string; kind: string; status: string; config_hash: string; environment: string; trace_id: string; span_id: string; duration_ns: string; t: string }>(
        `SELECT ServiceName AS service, SpanName AS span_name, SpanKind AS kind, StatusCode AS status, ConfigHash AS config_hash,
                Environment AS environment, TraceId AS trace_id, SpanId AS span_id, Duration AS duration_ns, toUnixTimestamp64Milli(Timestamp) AS t
         FROM otel_traces
         WHERE Timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND Timestamp <= fromUnixTimestamp64Milli({to:Int64})
           ${pushedDown(req.matchers, params).map((c) => `AND ${c}`).join(' ')}
         ORDER BY Duration DESC
         LIMIT 5 BY service, span_name, kind, status, config_hash, environment
         LIMIT 500`,
        params,
      );
      const out = new Map<string, SeriesExemplars>();
      for (const row of rows) {
        const seconds = Number(row.duration_ns) / 1e9;
        const family = families[0]!;
        const labels: Labels = { __name__: family, ...baseLabels(row) };
        if (family === BUCKET) labels['le'] = LE_LABELS[BOUNDS_SECONDS.findIndex((b) => b >= seconds)] ?? '+Inf';
        if (!matchesAll(req.matchers, labels)) continue;
        const key = JSON.stringify(labels);
        const entry = out.get(key) ?? { seriesLabels: labels, exemplars: [] };
        entry.exemplars.push({ labels: { trace_id: row.trace_id, span_id: row.span_id }, value: seconds, timestampMs: Number(row.t) });
        out.set(key, entry);
      }
      for (const e of out.values()) e.exemplars.sort((a, b) => a.timestampMs - b.timestampMs);
      return [...out.values()];
    },
  };
}

interface MinuteTotals {
  calls: number;
  sumSeconds: number;
  /** Spans by the index of the first bucket bound at or above their own (not cumulative). */
  byBucket: Float64Array;
}

const bucketIndexes = new Map<string, number>();
/** The rollup's bucket (its bound in ns, as text) to the index of its `le` label. */
function bucketIndex(bucketNs: string): number {
  let index = bucketIndexes.get(bucketNs);
  if (index === undefined) {
    const bucketSeconds = Number(BigInt(bucketNs) / 1_000n) / 1e6;
    const found = BOUNDS_SECONDS.findIndex((b) => b >= bucketSeconds - 1e-12);
    index = found === -1 ? LE_LABELS.length - 1 : found;
    bucketIndexes.set(bucketNs, index);
  }
  return index;
}

function baseLabels(row: Pick<SeriesRow, 'service' | 'span_name' | 'kind' | 'status' | 'config_hash' | 'environment'>): Labels {
  const labels: Labels = {
    job: row.service, service_name: row.service, span_name: row.span_name,
    span_kind: KIND_LABELS[row.kind] ?? row.kind, status_code: STATUS_LABELS[row.status] ?? row.status,
  };
  if (row.config_hash !== '') labels['config_hash'] = row.config_hash;
  if (row.environment !== '') labels['deployment_environment_name'] = row.environment;
  return labels;
}

/** Per-minute counts (minutes ascending) as a counter's samples: 0 at the first minute's start, then the running total. */
function asCounter(labels: Labels, minutes: readonly number[], counts: readonly number[], req: SelectRequest): Series {
  const timestampsMs: number[] = [];
  const values: number[] = [];
  let total = 0;
  const first = minutes[0];
  if (first !== undefined && first * 1000 >= req.startMs) {
    timestampsMs.push(first * 1000);
    values.push(0);
  }
  minutes.forEach((m, i) => {
    total += counts[i]!;
    const at = Math.min((m + 60) * 1000, req.endMs);
    if (at < req.startMs) return;
    if (timestampsMs.at(-1) === at) values[values.length - 1] = total;
    else {
      timestampsMs.push(at);
      values.push(total);
    }
  });
  return { labels, timestampsMs, values };
}

/** Matchers on rollup columns, pushed into the query (all are checked again on the labels). */
function pushedDown(matchers: readonly LabelMatcher[], params: Record<string, unknown>): string[] {
  const out: string[] = [];
  matchers.forEach((m, i) => {
    const key = `m${i}`;
    if (m.name === 'service_name' || m.name === 'job') out.push(matcherCondition(m, 'ServiceName', params, key));
    else if (m.name === 'span_name') out.push(matcherCondition(m, 'SpanName', params, key));
    else if (m.name === 'config_hash') out.push(matcherCondition(m, 'ConfigHash', params, key));
    else if (m.name === 'deployment_environment_name') out.push(matcherCondition(m, 'Environment', params, key));
    else if ((m.name === 'span_kind' || m.name === 'status_code') && m.type === '=') {
      const value = fromLabel(m.name === 'span_kind' ? KIND_LABELS : STATUS_LABELS, m.value);
      if (value !== undefined) out.push(matcherCondition({ ...m, value }, m.name === 'span_kind' ? 'SpanKind' : 'StatusCode', params, key));
    }
  });
  return out;
}
