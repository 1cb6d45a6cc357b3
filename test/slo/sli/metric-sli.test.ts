/**
 * Metric SLIs on real chDB: data points in the collector exporter's schema go in, the generated
 * query runs, and the counts are pinned to values computed by hand from the counting rule
 * (increase between consecutive points, attributed to the later point's minute; resets count from 0;
 * the left neighbour may lie before the window).
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeExport } from '../../../src/ingest/decode/index.js';
import { HISTOGRAM_COLUMNS, SUM_COLUMNS } from '../../../src/ingest/decode/rows.js';
import { metricSliQuery, readSliRows, thresholdInUnit, type EvaluationWindow, type SliCounts } from '../../../src/slo/sli/index.js';
import type { MetricSelector, SloDefinition } from '../../../src/slo/spec/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/tollgate.js';

/** 2026-01-01T00:00:00Z, the evaluation minute of every stored-data test. */
const END = 1_767_225_600;
/** The point of minute m (m ≤ 0, relative to END) is exported at second 30 of that minute. */
const at = (minute: number): number => END + minute * 60 + 30;
const window = (key: string, minutes: number): EvaluationWindow => ({ key, startSeconds: END - (minutes - 1) * 60 });
const FIVE_MINUTES = window('5m', 5); // minutes -4..0
const ONE_HOUR = window('1h', 60); // minutes -59..0
/** A process start long before any look-back: such a series has no known baseline. */
const LONG_AGO = END - 30 * 86_400;

let dataDir: string;
let store: Store;
beforeAll(async () => {
  dataDir = tempDir();
  ({ store } = await openStore({ kind: 'embedded', path: path.join(dataDir, 'clickhouse') }));
});
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// ---- fixtures -------------------------------------------------------------------------------

const requests = (matchers: Record<string, string> = {}): MetricSelector => ({ metric: 'http.server.requests', matchers });

const errorRatioSlo = (service: string): SloDefinition => ({
  name: `${service}-availability`,
  labels: {},
  service,
  description: null,
  objectivePercent: 99,
  period: { kind: 'rolling', days: 30 },
  sli: { kind: 'metric-ratio', counts: 'bad', numerator: requests({ code: '500' }), total: requests() },
  budgeting: { kind: 'occurrences' },
  alerting: { minEvents: 10, customWindows: null },
  dependsOn: [],
  source: { file: 'metric-sli.test.yaml', line: 1, column: 1 },
  origin: { spec: 'tollgate.dev/v1', shortName: `${service}-availability` },
});

const latencySlo = (service: string, thresholdMs = 250): SloDefinition => ({
  ...errorRatioSlo(service),
  sli: { kind: 'metric-histogram', histogram: { metric: 'http.server.request.duration', matchers: {} }, thresholdMs },
});

interface Point {
  service: string;
  metric?: string;
  unit?: string;
  attributes?: Record<string, string>;
  configHash?: string;
  startSeconds: number;
  timeSeconds: number;
  temporality?: 1 | 2;
}

const nanos = (seconds: number): string => (BigInt(Math.round(seconds * 1000)) * 1_000_000n).toString();

function head(p: Point, defaultMetric: string): Record<string, unknown> {
  return {
    ResourceAttributes: { 'service.name': p.service, config_hash: p.configHash ?? 'cfg-a' },
    ResourceSchemaUrl: '', ScopeName: 'test-shop', ScopeVersion: '', ScopeAttributes: {}, ScopeDroppedAttrCount: 0, ScopeSchemaUrl: '',
    ServiceName: p.service, MetricName: p.metric ?? defaultMetric, MetricDescription: '', MetricUnit: p.unit ?? '',
    Attributes: p.attributes ?? {}, StartTimeUnix: nanos(p.startSeconds), TimeUnix: nanos(p.timeSeconds),
    'Exemplars.FilteredAttributes': [], 'Exemplars.TimeUnix': [], 'Exemplars.Value': [], 'Exemplars.SpanId': [], 'Exemplars.TraceId': [],
    Flags: 0, AggregationTemporality: p.temporality ?? 2,
  };
}

async function insertSums(points: ReadonlyArray<Point & { value: number }>): Promise<void> {
  const rows = points.map((p) => {
    const row = { ...head(p, 'http.server.requests'), Value: p.value, IsMonotonic: true };
    return SUM_COLUMNS.map((c) => row[c as keyof typeof row]);
  });
  await store.insertRows('otel_metrics_sum', SUM_COLUMNS, rows);
}

async function insertHistograms(points: ReadonlyArray<Point & { bounds: number[]; buckets: number[] }>): Promise<void> {
  const rows = points.map((p) => {
    const count = p.buckets.reduce((a, b) => a + b, 0);
    const row = {
      ...head(p, 'http.server.request.duration'), Count: String(count), Sum: 0, BucketCounts: p.buckets.map(String), ExplicitBounds: p.bounds, Min: 0, Max: 0,
    };
    return HISTOGRAM_COLUMNS.map((c) => row[c as keyof typeof row]);
  });
  await store.insertRows('otel_metrics_histogram', HISTOGRAM_COLUMNS, rows);
}

/** One cumulative series: `values[i]` at minute `firstMinute + i`. */
const series = (base: Omit<Point, 'timeSeconds'>, firstMinute: number, values: number[]): Array<Point & { value: number }> =>
  values.map((value, i) => ({ ...base, timeSeconds: at(firstMinute + i), value }));

async function sli(slo: SloDefinition, windows: EvaluationWindow[] = [FIVE_MINUTES], endMinuteSeconds = END): Promise<SliCounts> {
  const q = metricSliQuery({ slo, windows, endMinuteSeconds });
  return readSliRows(q, await store.query(q.sql, q.params));
}

// ---- counters -------------------------------------------------------------------------------

describe('counter ratio SLIs', () => {
  it('counts the steady growth of a cumulative counter in the window, the first point from its left neighbour', async () => {
    // 200s grow by 10 a minute, 500s by 1, from minute -9 on. The window holds minutes -4..0:
    // five increases each, the one at minute -4 measured from the point at minute -5.
    // total = 5·10 + 5·1 = 55, bad (code 500) = 5.
    await insertSums([
      ...series({ service: 'steady', attributes: { code: '200' }, startSeconds: LONG_AGO }, -9, [100, 110, 120, 130, 140, 150, 160, 170, 180, 190]),
      ...series({ service: 'steady', attributes: { code: '500' }, startSeconds: LONG_AGO }, -9, [7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
    ]);
    expect((await sli(errorRatioSlo('steady'))).total).toEqual({ '5m': { totalEvents: 55, badEvents: 5 } });
  });

  it('counts a reset inside the window from zero, whether the value drops or only the start time moves', async () => {
    // 'drop': 100, 110, 120 | restart at second 10 of minute -3 | 5, 15, 25, 35.
    //   minute -4: +10; minute -3: reset, +5 (not 5 − 120); -2, -1, 0: +10 each → 45.
    // 'burst': 100, 110, 120 | restart | 130, 140, 150, 160: the value never drops, but the new
    //   StartTimeUnix lies after minute -4's point, so minute -3 counts 130 from zero.
    //   minute -4: +10; -3: +130; -2, -1, 0: +10 each → 170.
    const restart = END - 3 * 60 + 10;
    for (const [service, after] of [['drop', [5, 15, 25, 35]], ['burst', [130, 140, 150, 160]]] as const) {
      await insertSums([
        ...series({ service, attributes: { code: '500' }, startSeconds: LONG_AGO }, -6, [100, 110, 120]),
        ...series({ service, attributes: { code: '500' }, startSeconds: restart }, -3, [...after]),
      ]);
    }
    expect((await sli(errorRatioSlo('drop'))).total['5m']).toEqual({ totalEvents: 45, badEvents: 45 });
    expect((await sli(errorRatioSlo('burst'))).total['5m']).toEqual({ totalEvents: 170, badEvents: 170 });
  });

  it('uses the point just before the window start as the left neighbour, and no point older than the look-back', async () => {
    const windowStart = FIVE_MINUTES.startSeconds;
    // 'edge': 100 one second before the window, 130 in its first minute → +30.
    await insertSums([
      { service: 'edge', attributes: { code: '200' }, startSeconds: LONG_AGO, timeSeconds: windowStart - 1, value: 100 },
      { service: 'edge', attributes: { code: '200' }, startSeconds: LONG_AGO, timeSeconds: windowStart + 59, value: 130 },
    ]);
    expect((await sli(errorRatioSlo('edge'))).total['5m']).toEqual({ totalEvents: 30, badEvents: 0 });
    // 'stale': the earlier point lies 301 s before the window, past the 5-minute look-back, and the
    // series started long ago: its baseline is unknown, so the window counts 0 (not 150).
    await insertSums([
      { service: 'stale', attributes: { code: '200' }, startSeconds: LONG_AGO, timeSeconds: windowStart - 301, value: 100 },
      { service: 'stale', attributes: { code: '200' }, startSeconds: LONG_AGO, timeSeconds: windowStart + 30, value: 150 },
    ]);
    expect((await sli(errorRatioSlo('stale'))).total['5m']).toEqual({ totalEvents: 0, badEvents: 0 });
    // 'born': a series that starts inside the window counts its first point from its StartTimeUnix,
    // where it was 0: 7 + (9 − 7) = 9.
    await insertSums([
      { service: 'born', attributes: { code: '500' }, startSeconds: windowStart + 10, timeSeconds: windowStart + 40, value: 7 },
      { service: 'born', attributes: { code: '500' }, startSeconds: windowStart + 10, timeSeconds: windowStart + 100, value: 9 },
    ]);
    expect((await sli(errorRatioSlo('born'))).total['5m']).toEqual({ totalEvents: 9, badEvents: 9 });
  });

  it('sums delta points whose minute lies in the window', async () => {
    // Delta values are increases: minute -5 (before the window) is ignored; 200s 2 + 4 + 4, 500s 1 + 1:
    // total 12, bad 2.
    // A delta point starts where the previous interval ended.
    const delta = (code: string, minute: number, value: number) =>
      ({ service: 'delta', temporality: 1, attributes: { code }, startSeconds: at(minute - 1), timeSeconds: at(minute), value }) as const;
    await insertSums([delta('200', -5, 100), delta('200', -2, 2), delta('200', -1, 4), delta('500', -2, 1), delta('200', 0, 4), delta('500', 0, 1)]);
    expect((await sli(errorRatioSlo('delta'))).total['5m']).toEqual({ totalEvents: 12, badEvents: 2 });
  });

  it('splits two releases by config hash, and the split sums to the total', async () => {
    // cfg-a runs until minute -2 (+10 a minute, 1 bad a minute); cfg-b starts at second 5 of
    // minute -2 and its first point counts from 0 (StartTimeUnix is inside the scan).
    // cfg-a: minutes -4, -3, -2 → total 30, bad 3. cfg-b: 20 at -2, +20, +20 → total 60; bad 2 at -2, +2, +2 → 6.
    const b = END - 2 * 60 + 5;
    await insertSums([
      ...series({ service: 'releases', attributes: { code: '200' }, startSeconds: LONG_AGO, configHash: 'cfg-a' }, -6, [0, 9, 18, 27, 36]),
      ...series({ service: 'releases', attributes: { code: '500' }, startSeconds: LONG_AGO, configHash: 'cfg-a' }, -6, [0, 1, 2, 3, 4]),
      ...series({ service: 'releases', attributes: { code: '200' }, startSeconds: b, configHash: 'cfg-b' }, -2, [18, 36, 54]),
      ...series({ service: 'releases', attributes: { code: '500' }, startSeconds: b, configHash: 'cfg-b' }, -2, [2, 4, 6]),
    ]);
    const counts = await sli(errorRatioSlo('releases'));
    expect(counts.byRelease.get('cfg-a')).toEqual({ '5m': { totalEvents: 30, badEvents: 3 } });
    expect(counts.byRelease.get('cfg-b')).toEqual({ '5m': { totalEvents: 60, badEvents: 6 } });
    expect(counts.total).toEqual({ '5m': { totalEvents: 90, badEvents: 9 } });
  });

  it('tells apart matchers on the same metric, counting good or bad against a total', async () => {
    // /charge 200: +8 a minute, /charge 503: +2, /health 503: +100 (outside both selectors' total).
    // Window: total /charge = 5·(8 + 2) = 50, good = 40, bad = 10, whichever counter the SLO names.
    const start = { service: 'matchers', startSeconds: LONG_AGO };
    await insertSums([
      ...series({ ...start, attributes: { route: '/charge', code: '200' } }, -5, [0, 8, 16, 24, 32, 40]),
      ...series({ ...start, attributes: { route: '/charge', code: '503' } }, -5, [0, 2, 4, 6, 8, 10]),
      ...series({ ...start, attributes: { route: '/health', code: '503' } }, -5, [0, 100, 200, 300, 400, 500]),
    ]);
    const base = errorRatioSlo('matchers');
    const good: SloDefinition = { ...base, sli: { kind: 'metric-ratio', counts: 'good', numerator: requests({ route: '/charge', code: '200' }), total: requests({ route: '/charge' }) } };
    const bad: SloDefinition = { ...base, sli: { kind: 'metric-ratio', counts: 'bad', numerator: requests({ route: '/charge', code: '503' }), total: requests({ route: '/charge' }) } };
    expect((await sli(good)).total['5m']).toEqual({ totalEvents: 50, badEvents: 10 });
    expect((await sli(bad)).total['5m']).toEqual({ totalEvents: 50, badEvents: 10 });
  });

  it('answers windows of different lengths from one query', async () => {
    // +10 a minute for two hours: 1h = 60 increases = 600 (the first from minute -60, found by the
    // one-hour look-back), 5m = 50, the current minute alone = 10. 1 bad a minute: 60, 5, 1.
    const start = { service: 'windows', startSeconds: LONG_AGO };
    await insertSums([
      ...series({ ...start, attributes: { code: '200' } }, -119, Array.from({ length: 120 }, (_, i) => 9 * i)),
      ...series({ ...start, attributes: { code: '500' } }, -119, Array.from({ length: 120 }, (_, i) => i)),
    ]);
    const counts = await sli(errorRatioSlo('windows'), [FIVE_MINUTES, ONE_HOUR, window('1m', 1)]);
    expect(counts.total).toEqual({
      '5m': { totalEvents: 50, badEvents: 5 },
      '1h': { totalEvents: 600, badEvents: 60 },
      '1m': { totalEvents: 10, badEvents: 1 },
    });
  });

  it('ignores points after the evaluation minute', async () => {
    // Minute 1 is in the future of the evaluation: only minutes -4..0 count, 5·10 = 50.
    await insertSums(series({ service: 'future', attributes: { code: '200' }, startSeconds: LONG_AGO }, -5, [0, 10, 20, 30, 40, 50, 1000]));
    expect((await sli(errorRatioSlo('future'))).total['5m']).toEqual({ totalEvents: 50, badEvents: 0 });
  });

  it('answers zero counts and no rows when there is no data', async () => {
    const slo = errorRatioSlo('silent');
    const q = metricSliQuery({ slo, windows: [FIVE_MINUTES, ONE_HOUR], endMinuteSeconds: END });
    const rows = await store.query(q.sql, q.params);
    expect(rows).toEqual([]);
    expect(readSliRows(q, [])).toEqual({ total: { '5m': { totalEvents: 0, badEvents: 0 }, '1h': { totalEvents: 0, badEvents: 0 } }, byRelease: new Map() });
  });

  it('keeps label values out of the SQL text and matches them exactly', async () => {
    const tricky = "5xx' OR 1=1 --";
    await insertSums([
      ...series({ service: 'escaping', attributes: { code: tricky }, startSeconds: LONG_AGO }, -5, [0, 3, 6, 9, 12, 15]),
      ...series({ service: 'escaping', attributes: { code: '200' }, startSeconds: LONG_AGO }, -5, [0, 1, 2, 3, 4, 5]),
    ]);
    const slo: SloDefinition = { ...errorRatioSlo('escaping'), sli: { kind: 'metric-ratio', counts: 'bad', numerator: requests({ code: tricky }), total: requests() } };
    const q = metricSliQuery({ slo, windows: [FIVE_MINUTES], endMinuteSeconds: END });
    expect(q.sql).not.toContain(tricky);
    expect(q.sql).not.toContain('escaping');
    // 5 increases of 3 bad + 5 of 1 good.
    expect(readSliRows(q, await store.query(q.sql, q.params)).total['5m']).toEqual({ totalEvents: 20, badEvents: 15 });
  });
});

// ---- histograms -----------------------------------------------------------------------------

describe('histogram SLIs', () => {
  const SECONDS = [0.1, 0.25, 0.5, 1];
  const MILLISECONDS = [100, 250, 500, 1000];

  it('counts observations at or below a threshold on a bucket bound, in the unit the metric declares', async () => {
    // Cumulative buckets (≤0.1, ≤0.25, ≤0.5, ≤1, >1) at minutes -5..-3, then a restart at minute -2.
    // Increases in the window (minutes -4..0):
    //   -4: [2,3,1,0,0] → total 6, good (≤ 0.25 s) 5
    //   -3: [1,0,2,1,1] → total 5, good 1
    //   -2: reset, counts from 0: [1,1,0,0,0] → total 2, good 2
    //   -1: [0,1,0,0,1] → total 2, good 1
    // total 15, good 9, bad 6.
    const points = (service: string, unit: string, bounds: number[]) => {
      const before = { service, unit, startSeconds: LONG_AGO, bounds };
      const after = { service, unit, startSeconds: END - 2 * 60, bounds };
      return [
        { ...before, timeSeconds: at(-5), buckets: [10, 10, 10, 10, 10] },
        { ...before, timeSeconds: at(-4), buckets: [12, 13, 11, 10, 10] },
        { ...before, timeSeconds: at(-3), buckets: [13, 13, 13, 11, 11] },
        { ...after, timeSeconds: at(-2), buckets: [1, 1, 0, 0, 0] },
        { ...after, timeSeconds: at(-1), buckets: [1, 2, 0, 0, 1] },
      ];
    };
    await insertHistograms([...points('latency-s', 's', SECONDS), ...points('latency-ms', 'ms', MILLISECONDS)]);
    expect((await sli(latencySlo('latency-s'))).total['5m']).toEqual({ totalEvents: 15, badEvents: 6 });
    expect((await sli(latencySlo('latency-ms'))).total['5m']).toEqual({ totalEvents: 15, badEvents: 6 });
    // 300 ms is not a bound: the largest bound below it, 0.25 s, decides, so the answer is the same.
    expect((await sli(latencySlo('latency-s', 300))).total['5m']).toEqual({ totalEvents: 15, badEvents: 6 });
    // 100 ms: good = only the first bucket: 2 + 1 + 1 + 0 = 4, bad 11.
    expect((await sli(latencySlo('latency-s', 100))).total['5m']).toEqual({ totalEvents: 15, badEvents: 11 });
  });

  it('counts Count and the good buckets from zero when only the start time shows the histogram restarted', async () => {
    // Minute -4 has no neighbour in the 5-minute look-back and began long ago: 0. The process
    // restarts at second 10 of minute -3 and exports more than before, [20,20,20,20,20]: counted
    // from zero, total 100, good (≤ 0.25 s) 40, bad 60 (not the 50 / 20 / 30 of a plain difference).
    await insertHistograms([
      { service: 'latency-burst', unit: 's', bounds: SECONDS, startSeconds: LONG_AGO, timeSeconds: at(-4), buckets: [10, 10, 10, 10, 10] },
      { service: 'latency-burst', unit: 's', bounds: SECONDS, startSeconds: END - 170, timeSeconds: at(-3), buckets: [20, 20, 20, 20, 20] },
    ]);
    expect((await sli(latencySlo('latency-burst'))).total['5m']).toEqual({ totalEvents: 100, badEvents: 60 });
  });

  it('sums delta histogram points in the window and honours matchers', async () => {
    // Delta: each point is the increase. /charge: [1,2,0,0,1] at -1 and [0,1,1,0,0] at 0 → total 6,
    // good (≤ 250 ms) 4; the /health series and the point at minute -7 are not counted.
    const delta = (route: string, minute: number, buckets: number[]) =>
      ({ service: 'latency-delta', unit: 'ms', temporality: 1, bounds: MILLISECONDS, attributes: { route }, startSeconds: at(minute - 1), timeSeconds: at(minute), buckets }) as const;
    await insertHistograms([
      delta('/charge', -7, [5, 5, 5, 5, 5]), delta('/charge', -1, [1, 2, 0, 0, 1]), delta('/charge', 0, [0, 1, 1, 0, 0]), delta('/health', 0, [50, 0, 0, 0, 0]),
    ]);
    const slo: SloDefinition = { ...latencySlo('latency-delta'), sli: { kind: 'metric-histogram', histogram: { metric: 'http.server.request.duration', matchers: { route: '/charge' } }, thresholdMs: 250 } };
    expect((await sli(slo)).total['5m']).toEqual({ totalEvents: 6, badEvents: 2 });
  });

  it.each([
    [250, 's', 0.25],
    [300, 's', 0.3],
    [75, 's', 0.075],
    [250, 'ms', 250],
    [250, 'us', 250_000],
    [2, 'ns', 2_000_000],
    [250, '', 250],
    [250, '{request}', 250],
  ])('converts a %d ms threshold to the bounds of a histogram in unit "%s"', (thresholdMs, unit, expected) => {
    expect(thresholdInUnit(thresholdMs, unit)).toBe(expected);
  });
});

// ---- the query itself -----------------------------------------------------------------------

describe('the metric SLI query', () => {
  it('refuses SLIs that are not metric SLIs', () => {
    const spans: SloDefinition = {
      ...errorRatioSlo('x'),
      sli: { kind: 'spans', match: { spanKind: null, name: null, environment: null, attributes: {} }, bad: { kind: 'status-error' } },
    };
    expect(() => metricSliQuery({ slo: spans, windows: [FIVE_MINUTES], endMinuteSeconds: END })).toThrow('has a spans SLI');
  });

  it('bounds the scan by service, metric and time, looking back one longest window', () => {
    const q = metricSliQuery({ slo: errorRatioSlo('checkout'), windows: [FIVE_MINUTES, ONE_HOUR], endMinuteSeconds: END });
    expect(q.source).toBe('metrics');
    expect(q.windowKeys).toEqual(['5m', '1h']);
    expect(q.sql).toContain('ServiceName = {service:String}');
    expect(q.sql).toContain('MetricName IN ({totalMetric:String}, {numeratorMetric:String})');
    expect(q.params).toMatchObject({ service: 'checkout', from: ONE_HOUR.startSeconds, scanFrom: ONE_HOUR.startSeconds - 3600, to: END });
  });
});

// ---- end to end -----------------------------------------------------------------------------

class ManualReader extends MetricReader {
  constructor(temporality: AggregationTemporality) {
    super({ aggregationTemporalitySelector: () => temporality });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('metrics from the OpenTelemetry SDK', () => {
  it.each([
    ['cumulative', AggregationTemporality.CUMULATIVE],
    ['delta', AggregationTemporality.DELTA],
  ] as const)('count what was recorded, exported twice with %s temporality', async (name, temporality) => {
    const service = `sdk-${name}`;
    const reader = new ManualReader(temporality);
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service, config_hash: 'cfg-sdk' }), readers: [reader] });
    const meter = provider.getMeter('test-shop');
    const counter = meter.createCounter('http.server.requests', { unit: '{request}' });
    // The semantic conventions' advised bounds for http.server.request.duration, in seconds.
    const latency = meter.createHistogram('http.server.request.duration', {
      unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] },
    });
    const exportOnce = async (): Promise<void> => {
      const { resourceMetrics, errors } = await reader.collect();
      expect(errors).toEqual([]);
      const decoded = decodeExport('metrics', 'protobuf', ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!, { receivedAtNs: BigInt(Date.now()) * 1_000_000n });
      for (const b of decoded.batches) await store.insertRows(b.table, b.columns, b.rows);
    };
    counter.add(10, { code: '200' });
    counter.add(2, { code: '500' });
    for (const v of [0.01, 0.02, 0.2, 1.5]) latency.record(v);
    await exportOnce();
    counter.add(5, { code: '200' });
    counter.add(1, { code: '500' });
    for (const v of [0.25, 0.3]) latency.record(v);
    await exportOnce();
    await provider.shutdown();

    // Recorded: 15 + 3 requests, 3 with code 500; 6 durations, 4 of them ≤ 0.25 s (0.01, 0.02, 0.2, 0.25).
    const endMinuteSeconds = Math.floor(Date.now() / 60_000) * 60;
    const windows = [{ key: '5m', startSeconds: endMinuteSeconds - 240 }];
    const run = async (slo: SloDefinition): Promise<SliCounts> => {
      const q = metricSliQuery({ slo, windows, endMinuteSeconds });
      return readSliRows(q, await store.query(q.sql, q.params));
    };
    const ratio = await run(errorRatioSlo(service));
    expect(ratio.byRelease.get('cfg-sdk')).toEqual({ '5m': { totalEvents: 18, badEvents: 3 } });
    expect((await run(latencySlo(service))).total).toEqual({ '5m': { totalEvents: 6, badEvents: 2 } });
  });
});
