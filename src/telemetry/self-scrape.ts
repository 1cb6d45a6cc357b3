/**
 * @module telemetry/self-scrape
 * Tollgate's own metrics (the prom-client registry served at /metrics) written into its own OTLP
 * metric tables every few seconds as service `tollgate`, so that PromQL through Tollgate's API, and
 * the "Tollgate health" dashboard, sees them under the names /metrics shows, with no Prometheus
 * scraping Tollgate.
 *
 * A snapshot becomes an OTLP ExportMetricsServiceRequest (the JSON mapping) and takes the path an
 * application's export takes: the ingest decoder makes the rows, the batch writer inserts them. So
 * the series API reads them exactly as it reads any OTLP metric, and Prometheus' OTLP naming
 * (series/naming) turns them back into the prom-client names:
 * - a counter `x_total` is stored as the cumulative monotonic sum `x` (the receiver appends `_total`);
 * - a gauge keeps its name;
 * - a histogram keeps its name, its cumulative `le` buckets de-cumulated into BucketCounts with the
 *   finite bounds as ExplicitBounds (the series API adds `_bucket`, `_sum`, `_count`);
 * - units stay empty: the name already carries the unit, and an OTLP unit would add it twice.
 *
 * The rows do not count as ingest (`tollgate_ingest_*`): they never pass the receivers. Their
 * inserts are counted in `tollgate_insert_*`, like every insert. A snapshot runs the registry's
 * collect functions as a scrape of /metrics does, so `tollgate_event_loop_utilization` covers the
 * time since the last snapshot or scrape, whichever came later.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { decodeExport } from '../ingest/index.js';
import { encodeRows, type BatchWriter } from '../store/index.js';

/** How often the registry is written to the store when the configuration does not say. */
export const DEFAULT_SELF_SCRAPE_INTERVAL_MS = 15_000;
export const SELF_SERVICE_NAME = 'tollgate';

/** One metric of a registry snapshot, as prom-client's `getMetricsAsJSON()` returns it. */
export interface PromMetricSnapshot {
  name: string;
  help: string;
  /** prom-client's type names: counter, gauge, histogram, summary. */
  type: string;
  values: ReadonlyArray<{ value: number | null; labels: Readonly<Record<string, string | number | undefined>>; metricName?: string }>;
}

export interface SnapshotTimes {
  timeMs: number;
  /** When the cumulative counters and histograms started counting (the process start). */
  startMs: number;
}

/** The OTLP/JSON request, as plain data (field names of the protobuf JSON mapping). */
export interface OtlpMetricsJson {
  resourceMetrics: Array<{
    resource: { attributes: OtlpAttribute[] };
    scopeMetrics: Array<{ scope: { name: string; version: string }; metrics: OtlpMetricJson[] }>;
  }>;
}

interface OtlpAttribute { key: string; value: { stringValue: string } }
type OtlpNumber = number | 'NaN' | 'Infinity' | '-Infinity';
interface PointTimes { attributes: OtlpAttribute[]; startTimeUnixNano: string; timeUnixNano: string }
type OtlpMetricJson =
  | { name: string; description: string; unit: ''; gauge: { dataPoints: Array<PointTimes & { asDouble: OtlpNumber }> } }
  | {
    name: string; description: string; unit: '';
    sum: { dataPoints: Array<PointTimes & { asDouble: OtlpNumber }>; aggregationTemporality: 2; isMonotonic: true };
  }
  | {
    name: string; description: string; unit: '';
    histogram: {
      dataPoints: Array<PointTimes & { count: string; sum: OtlpNumber; bucketCounts: string[]; explicitBounds: OtlpNumber[] }>;
      aggregationTemporality: 2;
    };
  };

/** OTLP's AGGREGATION_TEMPORALITY_CUMULATIVE: prom-client's counters and histograms only ever grow. */
const CUMULATIVE = 2;

/**
 * The OTLP metric name a prom-client metric is stored under: a counter loses its `_total`, which
 * Prometheus' OTLP naming appends again to a monotonic sum; everything else keeps its name.
 */
export function otlpMetricName(promName: string, type: string): string {
  return type === 'counter' ? promName.replace(/_total$/, '') : promName;
}

/**
 * A registry snapshot as one OTLP metrics request for service `tollgate`. Summaries are left out:
 * Tollgate's registry has none, and the series API does not serve OTLP summaries.
 */
export function snapshotToOtlp(snapshot: readonly PromMetricSnapshot[], times: SnapshotTimes, serviceVersion: string): OtlpMetricsJson {
  const point = (labels: PromMetricSnapshot['values'][number]['labels']): PointTimes => ({
    attributes: attributesOf(labels),
    startTimeUnixNano: unixNano(times.startMs),
    timeUnixNano: unixNano(times.timeMs),
  });
  const metrics: OtlpMetricJson[] = [];
  for (const m of snapshot) {
    const head = { name: otlpMetricName(m.name, m.type), description: m.help, unit: '' as const };
    switch (m.type) {
      case 'counter':
        if (m.values.length === 0) break;
        metrics.push({
          ...head,
          sum: { dataPoints: m.values.map((v) => ({ ...point(v.labels), asDouble: otlpNumber(v.value) })), aggregationTemporality: CUMULATIVE, isMonotonic: true },
        });
        break;
      case 'gauge':
        if (m.values.length === 0) break;
        metrics.push({ ...head, gauge: { dataPoints: m.values.map((v) => ({ ...point(v.labels), asDouble: otlpNumber(v.value) })) } });
        break;
      case 'histogram': {
        const dataPoints = histogramPoints(m).map((h) => ({
          ...point(h.labels),
          count: String(h.count),
          sum: otlpNumber(h.sum),
          bucketCounts: h.bucketCounts.map(String),
          explicitBounds: h.bounds.map(otlpNumber),
        }));
        if (dataPoints.length > 0) metrics.push({ ...head, histogram: { dataPoints, aggregationTemporality: CUMULATIVE } });
        break;
      }
      default:
        break;
    }
  }
  return {
    resourceMetrics: [{
      resource: { attributes: [attribute('service.name', SELF_SERVICE_NAME), attribute('service.version', serviceVersion)] },
      scopeMetrics: [{ scope: { name: 'tollgate/self-scrape', version: serviceVersion }, metrics }],
    }],
  };
}

interface HistogramPoint {
  labels: Record<string, string | number | undefined>;
  bounds: number[];
  /** Per bucket, not cumulative: bucketCounts[i] counts (bounds[i-1], bounds[i]], the last one (bounds[n-1], +Inf). */
  bucketCounts: number[];
  count: number;
  sum: number;
}

/**
 * prom-client lists a histogram as `_bucket{le}` (cumulative, `+Inf` last), `_sum` and `_count` per
 * label set; OTLP wants one point per label set with per-bucket counts.
 */
function histogramPoints(m: PromMetricSnapshot): HistogramPoint[] {
  const points = new Map<string, HistogramPoint & { cumulative: Array<[number, number]> }>();
  for (const v of m.values) {
    const { le, ...labels } = v.labels;
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let p = points.get(key);
    if (p === undefined) points.set(key, (p = { labels, bounds: [], bucketCounts: [], count: 0, sum: 0, cumulative: [] }));
    const value = v.value ?? NaN;
    if (v.metricName === `${m.name}_sum`) p.sum = value;
    else if (v.metricName === `${m.name}_count`) p.count = value;
    else if (v.metricName === `${m.name}_bucket` && le !== undefined && le !== '+Inf') p.cumulative.push([Number(le), value]);
  }
  return [...points.values()].map(({ cumulative, labels, count, sum }) => {
    cumulative.sort(([a], [b]) => a - b);
    const bucketCounts: number[] = [];
    let below = 0;
    for (const [, c] of cumulative) {
      bucketCounts.push(c - below);
      below = c;
    }
    bucketCounts.push(count - below); // the +Inf bucket: its cumulative count is _count
    return { labels, bounds: cumulative.map(([b]) => b), bucketCounts, count, sum };
  });
}

function attributesOf(labels: PromMetricSnapshot['values'][number]['labels']): OtlpAttribute[] {
  return Object.entries(labels).flatMap(([k, v]) => (v === undefined ? [] : [attribute(k, String(v))]));
}

function attribute(key: string, value: string): OtlpAttribute {
  return { key, value: { stringValue: value } };
}

/** The protobuf JSON mapping writes non-finite doubles as strings. prom-client reports NaN as null. */
function otlpNumber(v: number | null): OtlpNumber {
  if (v === null || Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

function unixNano(ms: number): string {
  return (BigInt(Math.round(ms)) * 1_000_000n).toString();
}

export interface SelfScrape {
  /** Writes one snapshot now and resolves once it is stored; answers how many data points it wrote. */
  scrapeNow(): Promise<number>;
  /** No further snapshots; waits for the one in flight. */
  stop(): Promise<void>;
}

export interface SelfScrapeOptions {
  registry: Pick<Registry, 'getMetricsAsJSON'>;
  /** The ingest's batch writer: snapshots are coalesced with the exports being inserted. */
  writer: Pick<BatchWriter, 'write'>;
  /** @default 15_000: milliseconds between snapshots; 0 writes none on its own (scrapeNow still does). */
  intervalMs?: number;
  serviceVersion: string;
  log: Pick<Logger, 'warn'>;
  now?: () => number;
  /** @default the process start: when the counters started counting. */
  startMs?: number;
  /** Whether this process writes snapshots now (among replicas, the lease holder only). @default always */
  isEnabled?: () => boolean;
}

export function startSelfScrape({
  registry, writer, intervalMs = DEFAULT_SELF_SCRAPE_INTERVAL_MS, serviceVersion, log, now = Date.now, startMs = performance.timeOrigin,
  isEnabled = () => true,
}: SelfScrapeOptions): SelfScrape {
  let inFlight: Promise<number> | undefined;

  const scrape = async (): Promise<number> => {
    // prom-client's types say `MetricType` (a numeric enum); at run time `type` is its name ('counter', …).
    const snapshot = (await registry.getMetricsAsJSON()) as unknown as PromMetricSnapshot[];
    const request = snapshotToOtlp(snapshot, { timeMs: now(), startMs }, serviceVersion);
    const decoded = decodeExport('metrics', 'json', new TextEncoder().encode(JSON.stringify(request)), { receivedAtNs: BigInt(Date.now()) * 1_000_000n });
    if (decoded.rejectedItems > 0) log.warn({ rejectedItems: decoded.rejectedItems, reason: decoded.rejectionMessage }, 'self-scrape points rejected by the decoder');
    await writer.write(decoded.batches.map((b) => ({ table: b.table, columns: b.columns, rowCount: b.rows.length, text: encodeRows(b.rows) })));
    return decoded.acceptedItems;
  };

  const scrapeNow = (): Promise<number> => {
    const run = scrape().finally(() => {
      if (inFlight === run) inFlight = undefined;
    });
    inFlight = run;
    return run;
  };

  // A snapshot still being inserted (a slow store) is not joined by another: the next tick retries.
  const timer = intervalMs > 0
    ? setInterval(() => {
      if (inFlight !== undefined || !isEnabled()) return;
      scrapeNow().catch((err: unknown) => log.warn({ err }, 'self-scrape not stored; the next one will be'));
    }, intervalMs)
    : undefined;
  timer?.unref();

  return {
    scrapeNow,
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      await inFlight?.catch(() => undefined);
    },
  };
}
