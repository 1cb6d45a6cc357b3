/**
 * Tollgate's own metrics written into its own metric tables: the snapshot → OTLP mapping (pure,
 * exact), every metric of the real registry coming back under its /metrics name through Prometheus'
 * OTLP naming, and, on a real in-process Tollgate, PromQL through its own API answering with the
 * values a snapshot held and with what /metrics serves.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusMetricName } from '../../src/series/index.js';
import { createBatchWriter } from '../../src/store/index.js';
import { createTollgateMetrics, otlpMetricName, snapshotToOtlp, startSelfScrape, type PromMetricSnapshot } from '../../src/telemetry/index.js';
import { sendSpans, spread } from '../helpers/spans.js';
import { startInProcess, type InProcessTollgate } from '../helpers/tollgate.js';

const silent = { warn: () => undefined };

/** A registry with one metric of each kind and known values. */
function knownRegistry(prefix: string): Registry {
  const registry = new Registry();
  new Counter({ name: `${prefix}_requests_total`, help: 'Requests.', labelNames: ['outcome'], registers: [registry] }).inc({ outcome: 'ok' }, 7);
  new Gauge({ name: `${prefix}_queue_bytes`, help: 'Queue.', registers: [registry] }).set(0.25);
  const h = new Histogram({ name: `${prefix}_duration_seconds`, help: 'Duration.', labelNames: ['table'], buckets: [0.1, 1], registers: [registry] });
  for (const v of [0.05, 0.5, 5]) h.observe({ table: 'otel_traces' }, v);
  return registry;
}

describe('snapshotToOtlp', () => {
  it('maps a counter to a cumulative monotonic sum without _total, a gauge as is, and de-cumulates histogram buckets', async () => {
    const snapshot = (await knownRegistry('t').getMetricsAsJSON()) as unknown as PromMetricSnapshot[]; // prom-client's run-time shape
    const req = snapshotToOtlp(snapshot, { timeMs: 2_000, startMs: 1_000 }, '9.9.9');
    const times = { startTimeUnixNano: '1000000000', timeUnixNano: '2000000000' };
    expect(req).toEqual({
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'tollgate' } }, { key: 'service.version', value: { stringValue: '9.9.9' } }] },
        scopeMetrics: [{
          scope: { name: 'tollgate/self-scrape', version: '9.9.9' },
          metrics: [
            {
              name: 't_requests', description: 'Requests.', unit: '',
              sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ attributes: [{ key: 'outcome', value: { stringValue: 'ok' } }], ...times, asDouble: 7 }] },
            },
            { name: 't_queue_bytes', description: 'Queue.', unit: '', gauge: { dataPoints: [{ attributes: [], ...times, asDouble: 0.25 }] } },
            {
              name: 't_duration_seconds', description: 'Duration.', unit: '',
              histogram: {
                aggregationTemporality: 2,
                dataPoints: [{
                  attributes: [{ key: 'table', value: { stringValue: 'otel_traces' } }], ...times,
                  count: '3', sum: 5.55, bucketCounts: ['1', '1', '1'], explicitBounds: [0.1, 1],
                }],
              },
            },
          ],
        }],
      }],
    });
  });

  it('writes NaN gauges as the JSON mapping\'s "NaN" and leaves metrics without values out', () => {
    const req = snapshotToOtlp([
      { name: 'g', help: '', type: 'gauge', values: [{ value: null, labels: {} }] },
      { name: 'empty_total', help: '', type: 'counter', values: [] },
    ], { timeMs: 1, startMs: 0 }, 'v');
    expect(req.resourceMetrics[0]?.scopeMetrics[0]?.metrics).toEqual([
      { name: 'g', description: '', unit: '', gauge: { dataPoints: [{ attributes: [], startTimeUnixNano: '0', timeUnixNano: '1000000', asDouble: 'NaN' }] } },
    ]);
  });
});

describe('naming round trip', () => {
  it('brings every metric of Tollgate\'s registry back under its /metrics name through Prometheus\' OTLP naming', async () => {
    const metrics = createTollgateMetrics();
    const snapshot = (await metrics.registry.getMetricsAsJSON()) as unknown as PromMetricSnapshot[]; // prom-client's run-time shape
    expect(snapshot.map((m) => m.name)).toEqual(expect.arrayContaining(['tollgate_ingest_items_total', 'tollgate_insert_duration_seconds', 'tollgate_ingest_queue_bytes']));
    const mismatches = snapshot
      .filter((m) => m.type !== 'summary')
      .map((m) => {
        const kind = m.type === 'counter' ? 'sum' : m.type === 'histogram' ? 'histogram' : 'gauge';
        return { promName: m.name, back: prometheusMetricName(otlpMetricName(m.name, m.type), '', kind, m.type === 'counter') };
      })
      .filter(({ promName, back }) => promName !== back);
    expect(mismatches).toEqual([]);
  });
});

describe('self-scrape on a running Tollgate', () => {
  let tg: InProcessTollgate;
  interface Answer { status: string; data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } }
  const instant = async (query: string, timeMs?: number): Promise<Answer> => {
    const form: Record<string, string> = { query, ...(timeMs === undefined ? {} : { time: String(timeMs / 1000) }) };
    const res = await fetch(`${tg.apiUrl}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
    return (await res.json()) as Answer;
  };
  /** Polls until the answer is what `ready` waits for (self-scrapes run on their own interval). */
  const eventually = async (query: string, ready: (a: Answer) => boolean = (a) => a.data.result.length > 0, timeoutMs = 10_000): Promise<Answer> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const a = await instant(query);
      if (ready(a) || Date.now() > until) return a;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    tg = await startInProcess({ TOLLGATE_SELF_SCRAPE_INTERVAL_MS: '200' });
  });
  afterAll(async () => {
    await tg?.cleanup();
  });

  it('answers PromQL about a snapshot with the values it held, buckets cumulative again', async () => {
    // A snapshot of a registry with known values, through the same writer and store, at a chosen time.
    const writer = createBatchWriter({ insert: (b) => tg.store.insertEncoded(b.table, b.columns, b.chunks), maxDelayMs: 0 });
    const timeMs = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    const scrape = startSelfScrape({ registry: knownRegistry('selftest'), writer, intervalMs: 0, serviceVersion: 'test', log: silent, now: () => timeMs, startMs: timeMs - 60_000 });
    expect(await scrape.scrapeNow()).toBe(3);
    await scrape.stop();

    const counter = await instant('selftest_requests_total', timeMs);
    expect(counter.data.result).toEqual([{ metric: expect.objectContaining({ __name__: 'selftest_requests_total', job: 'tollgate', service_name: 'tollgate', outcome: 'ok' }), value: [timeMs / 1000, '7'] }]);
    expect((await instant('selftest_queue_bytes', timeMs)).data.result[0]?.value[1]).toBe('0.25');
    const buckets = await instant('selftest_duration_seconds_bucket{table="otel_traces"}', timeMs);
    expect(Object.fromEntries(buckets.data.result.map((s) => [s.metric['le'], s.value[1]]))).toEqual({ '0.1': '1', '1': '2', '+Inf': '3' });
    expect((await instant('selftest_duration_seconds_count', timeMs)).data.result[0]?.value[1]).toBe('3');
    expect((await instant('selftest_duration_seconds_sum', timeMs)).data.result[0]?.value[1]).toBe('5.55');
  });

  it('stores Tollgate\'s own metrics on its interval, so rate() over them works through its own API', async () => {
    await sendSpans(tg.otlpHttpUrl, { service: 'shop' }, spread(50, Date.now() - 60_000, Date.now()));
    const tables = (a: Answer, label: string) => a.data.result.map((s) => s.metric[label]);
    const rate = await eventually('sum by (signal) (rate(tollgate_ingest_items_total{job="tollgate", outcome="accepted"}[1m]))', (a) => tables(a, 'signal').includes('traces'));
    expect(rate.status).toBe('success');
    expect(tables(rate, 'signal')).toContain('traces');

    // Once no more spans arrive, the stored counter equals what /metrics serves.
    const stored = await eventually('tollgate_ingest_items_total{signal="traces", outcome="accepted"}', (a) => a.data.result[0]?.value[1] === '50');
    const text = await (await fetch(`${tg.apiUrl}/metrics`)).text();
    expect(text).toContain(`tollgate_ingest_items_total{signal="traces",outcome="accepted"} ${stored.data.result[0]?.value[1]}`);
    expect(stored.data.result[0]?.value[1]).toBe('50');

    // The spans' insert shows in the snapshots after it, and rate() needs two of them.
    const p99 = await eventually('histogram_quantile(0.99, sum by (le, table) (rate(tollgate_insert_duration_seconds_bucket[1m])))', (a) => tables(a, 'table').includes('otel_traces'));
    expect(tables(p99, 'table')).toContain('otel_traces');
    const les = (await instant('tollgate_insert_duration_seconds_bucket{table="otel_traces", result="ok"}')).data.result.map((s) => s.metric['le']);
    expect(les).toEqual(expect.arrayContaining(['0.005', '0.1', '10', '+Inf']));
  });
});
