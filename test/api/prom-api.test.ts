/**
 * The Prometheus HTTP API over a real Tollgate: Grafana's probes, Prometheus' parameter rules and
 * errors, the applications' OTLP metrics under Prometheus' names, span-derived RED series with
 * exemplars, and the Sloth-named SLO series equal to /v1/slos at the same instant.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSpans, spread } from '../helpers/spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const SLO = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: pay-availability, labels: {team: payments}}
spec:
  service: pay
  objective: 99.9
  period: 28d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
`;

const MIN = 60_000;
let tg: InProcessTollgate;
let sloDir: string;
/** Whole minutes, so that every span lands in a known minute. */
const base = Math.floor(Date.now() / MIN) * MIN - 20 * MIN;
const slowTrace = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

interface PromAnswer<T = unknown> { status: string; data: T; errorType?: string; error?: string }
interface Sample { metric: Record<string, string>; value: [number, string] }

async function prom<T = unknown>(pathAndQuery: string, form?: Record<string, string>): Promise<{ status: number; body: PromAnswer<T> }> {
  const res = await fetch(`${tg.apiUrl}${pathAndQuery}`, form === undefined ? {} : {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as PromAnswer<T> };
}
const instant = async (query: string, timeMs: number) =>
  (await prom<{ resultType: string; result: Sample[] }>('/api/v1/query', { query, time: String(timeMs / 1000) })).body;

function otlpMetrics(points: { name: string; unit: string; kind: 'sum' | 'histogram'; temporality: 1 | 2; series: Array<{ attrs: Record<string, string>; points: Array<{ t: number; v?: number; start?: number; count?: number; sum?: number; buckets?: number[]; bounds?: number[] }> }> }) {
  const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
  const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
  const dataPoints = points.series.flatMap((s) => s.points.map((p) => ({
    attributes: attrs(s.attrs), startTimeUnixNano: ns(p.start ?? base - 60 * MIN), timeUnixNano: ns(p.t),
    ...(points.kind === 'sum' ? { asDouble: p.v } : { count: String(p.count), sum: p.sum, bucketCounts: p.buckets!.map(String), explicitBounds: p.bounds }),
  })));
  const metric = points.kind === 'sum'
    ? { name: points.name, unit: points.unit, sum: { dataPoints, aggregationTemporality: points.temporality, isMonotonic: true } }
    : { name: points.name, unit: points.unit, histogram: { dataPoints, aggregationTemporality: points.temporality } };
  return JSON.stringify({ resourceMetrics: [{
    resource: { attributes: attrs({ 'service.name': 'pay', 'service.namespace': 'shop', config_hash: 'cfg-1', 'deployment.environment.name': 'prod' }) },
    scopeMetrics: [{ scope: { name: 'test' }, metrics: [metric] }],
  }] });
}

beforeAll(async () => {
  sloDir = tempDir('tollgate-prom-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'pay.yaml'), SLO);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  // 600 server spans over minutes 0-2 (every 100th failing), one slow span in minute 1.
  await sendSpans(tg.otlpHttpUrl, { service: 'pay', configHash: 'cfg-1', environment: 'prod' },
    spread(600, base, base + 3 * MIN, (i) => ({ error: i % 100 === 0, durationMs: i === 250 ? 2_400 : 20, traceId: i === 250 ? slowTrace : undefined })));
  const post = async (body: string) => {
    const res = await fetch(`${tg.otlpHttpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (res.status !== 200) throw new Error(await res.text());
  };
  // A cumulative counter with a reset: 10, 20, 30, then 5 (restart), 15.
  await post(otlpMetrics({ name: 'http.requests', unit: '{request}', kind: 'sum', temporality: 2, series: [{ attrs: { 'http.route': '/charge' }, points: [
    { t: base + 1 * MIN, v: 10 }, { t: base + 2 * MIN, v: 20 }, { t: base + 3 * MIN, v: 30 }, { t: base + 4 * MIN, v: 5, start: base + 3.5 * MIN }, { t: base + 5 * MIN, v: 15, start: base + 3.5 * MIN },
  ] }] }));
  // A delta counter: 4 per minute.
  await post(otlpMetrics({ name: 'jobs.done', unit: '1', kind: 'sum', temporality: 1, series: [{ attrs: {}, points: [1, 2, 3, 4].map((m) => ({ t: base + m * MIN, v: 4, start: base + (m - 1) * MIN })) }] }));
  // A cumulative latency histogram (seconds).
  await post(otlpMetrics({ name: 'http.server.request.duration', unit: 's', kind: 'histogram', temporality: 2, series: [{ attrs: { 'http.route': '/charge' }, points: [
    { t: base + 1 * MIN, count: 10, sum: 1, buckets: [8, 2, 0], bounds: [0.1, 0.5] }, { t: base + 2 * MIN, count: 20, sum: 3, buckets: [14, 4, 2], bounds: [0.1, 0.5] },
  ] }] }));
}, 60_000);
afterAll(async () => {
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

describe("Grafana's probes", () => {
  it('answers Save & test: 1+1 at time 4 is the scalar 2, and buildinfo has no features field', async () => {
    const { status, body } = await prom<{ resultType: string; result: [number, string] }>('/api/v1/query', { query: '1+1', time: '4' });
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'success', data: { resultType: 'scalar', result: [4, '2'] } });
    const info = (await prom<Record<string, unknown>>('/api/v1/status/buildinfo')).body;
    expect(info.status).toBe('success');
    expect(info.data).toHaveProperty('version');
    expect(info.data).not.toHaveProperty('features');
  });

  it('takes parameters from the URL and the form body together', async () => {
    const { body } = await prom<{ resultType: string; result: [number, string] }>('/api/v1/query?time=10', { query: '2*3' });
    expect(body.data).toEqual({ resultType: 'scalar', result: [10, '6'] });
  });

  it("enforces query_range's own checks with bad_data", async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ query: '1', start: '100', end: '50', step: '10' }, /end timestamp must not be before start time/],
      [{ query: '1', start: '0', end: '50', step: '0' }, /zero or negative query resolution step/],
      [{ query: '1', start: '0', end: '200000', step: '1' }, /exceeded maximum resolution of 11,000 points/],
      [{ query: 'rate(', start: '0', end: '10', step: '1' }, /^invalid parameter "query": 1:6: parse error: /],
    ];
    for (const [form, message] of cases) {
      const { status, body } = await prom('/api/v1/query_range', form);
      expect(status).toBe(400);
      expect(body.errorType).toBe('bad_data');
      expect(body.error).toMatch(message);
    }
  });

  it('names the query parameter in front of a parse error, as Prometheus does', async () => {
    const { status, body } = await prom('/api/v1/query', { query: 'sum(' });
    expect(status).toBe(400);
    expect(body.error).toMatch(/^invalid parameter "query": 1:5: parse error: /);
  });

  it('names what is unsupported instead of answering wrongly', async () => {
    const { status, body } = await prom('/api/v1/query', { query: 'limitk(2, traces_span_metrics_calls_total)' });
    expect(status).toBe(400);
    expect(body.error).toMatch(/limitk/);
  });
});

describe('OTLP metrics under the names Prometheus gives them', () => {
  it('a monotonic sum is <name>_total, with job, service_name, config_hash and the environment as labels', async () => {
    const answer = await instant('http_requests_total', base + 5 * MIN);
    expect(answer.data.result).toEqual([{
      metric: {
        __name__: 'http_requests_total', job: 'shop/pay', service_name: 'pay', config_hash: 'cfg-1',
        deployment_environment_name: 'prod', http_route: '/charge',
      },
      value: [(base + 5 * MIN) / 1000, '15'],
    }]);
  });

  it('counts across a counter reset as Prometheus does', async () => {
    // Increases: 10, 10, then the reset to 5 counts 5, then 10: 35 between the first and last sample.
    const answer = await instant('resets(http_requests_total[10m])', base + 5 * MIN);
    expect(answer.data.result[0]?.value[1]).toBe('1');
    const exact = await instant('http_requests_total - http_requests_total offset 4m', base + 5 * MIN);
    // A plain difference does not see the reset: 15 - 10.
    expect(exact.data.result[0]?.value[1]).toBe('5');
  });

  it('a delta counter becomes a running total', async () => {
    const answer = await instant('jobs_done_total', base + 4 * MIN);
    expect(answer.data.result[0]?.value[1]).toBe('16');
  });

  it('a histogram is _bucket{le} with cumulative counts, _sum and _count', async () => {
    const buckets = await instant('http_server_request_duration_seconds_bucket', base + 2 * MIN);
    const byLe = Object.fromEntries(buckets.data.result.map((s) => [s.metric['le'], s.value[1]]));
    expect(byLe).toEqual({ '0.1': '14', '0.5': '18', '+Inf': '20' });
    expect((await instant('http_server_request_duration_seconds_count', base + 2 * MIN)).data.result[0]?.value[1]).toBe('20');
    expect((await instant('http_server_request_duration_seconds_sum', base + 2 * MIN)).data.result[0]?.value[1]).toBe('3');
  });

  it('lists series, label names and label values', async () => {
    const series = (await prom<Array<Record<string, string>>>('/api/v1/series?' + new URLSearchParams({ 'match[]': 'http_requests_total', start: String((base) / 1000), end: String((base + 10 * MIN) / 1000) }))).body;
    expect(series.data).toContainEqual(expect.objectContaining({ __name__: 'http_requests_total', job: 'shop/pay', http_route: '/charge' }));
    const values = (await prom<string[]>(`/api/v1/label/service_name/values?start=${base / 1000}&end=${(base + 10 * MIN) / 1000}`)).body;
    expect(values.data).toContain('pay');
    const names = (await prom<string[]>(`/api/v1/labels?start=${base / 1000}&end=${(base + 10 * MIN) / 1000}`)).body;
    expect(names.data).toEqual(expect.arrayContaining(['__name__', 'job', 'config_hash', 'http_route']));
  });
});

describe('RED series from spans', () => {
  it('calls per status, exact, and a median from the duration buckets', async () => {
    const at = base + 4 * MIN;
    const calls = await instant('sum by (status_code) (traces_span_metrics_calls_total{service_name="pay", span_kind="SPAN_KIND_SERVER"})', at);
    const byStatus = Object.fromEntries(calls.data.result.map((s) => [s.metric['status_code'], s.value[1]]));
    expect(byStatus).toEqual({ STATUS_CODE_ERROR: '6', STATUS_CODE_UNSET: '594' });
    const p50 = await instant('histogram_quantile(0.5, sum by (le) (traces_span_metrics_duration_seconds_bucket{service_name="pay"}))', at);
    expect(Number(p50.data.result[0]?.value[1])).toBeGreaterThan(0.015);
    expect(Number(p50.data.result[0]?.value[1])).toBeLessThanOrEqual(0.02);
  });

  it('returns the slowest span as an exemplar with trace_id and span_id', async () => {
    const { body } = await prom<Array<{ seriesLabels: Record<string, string>; exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }> }>>(
      '/api/v1/query_exemplars', { query: 'traces_span_metrics_duration_seconds_bucket{service_name="pay"}', start: String(base / 1000), end: String((base + 5 * MIN) / 1000) });
    const all = body.data.flatMap((s) => s.exemplars.map((e) => ({ ...e, series: s.seriesLabels })));
    const slow = all.find((e) => e.labels['trace_id'] === slowTrace);
    expect(slow).toBeDefined();
    expect(slow!.value).toBe('2.4');
    expect(slow!.labels['span_id']).toMatch(/^[0-9a-f]{16}$/);
    expect(slow!.series['le']).toBe('2.5');
    expect(slow!.timestamp).toBeGreaterThan(base / 1000);
  });
});

describe('SLO series with Sloth names', () => {
  it('equal /v1/slos at the same instant', async () => {
    const status = (await (await fetch(`${tg.apiUrl}/v1/slos/pay-availability`)).json()) as {
      evaluated_at: string; windows: Record<string, { error_ratio: number | null }>; error_budget: { remaining: number };
    };
    const at = Date.parse(status.evaluated_at);
    const ratio = await instant('slo:sli_error:ratio_rate1h{sloth_slo="pay-availability"}', at);
    expect(ratio.data.result).toHaveLength(1);
    expect(ratio.data.result[0]!.metric).toMatchObject({ sloth_id: 'pay-pay-availability', sloth_service: 'pay', sloth_window: '1h', team: 'payments' });
    expect(Number(ratio.data.result[0]!.value[1])).toBe(status.windows['1h']!.error_ratio);
    const period = await instant('slo:sli_error:ratio_rate4w{sloth_slo="pay-availability"}', at);
    expect(Number(period.data.result[0]!.value[1])).toBe(status.windows['28d']!.error_ratio);
    const remaining = await instant('slo:period_error_budget_remaining:ratio{sloth_service="pay"}', at);
    expect(Number(remaining.data.result[0]!.value[1])).toBeCloseTo(status.error_budget.remaining, 12);
    const objective = await instant('slo:objective:ratio{sloth_slo="pay-availability"}', at);
    expect(objective.data.result[0]!.value[1]).toBe('0.999');
    const info = await instant('sloth_slo_info', at);
    expect(info.data.result.map((s) => s.metric['sloth_id'])).toContain('pay-pay-availability');
  });

  it('splits by release when the selector asks for config_hash, and draws a range', async () => {
    const at = base + 10 * MIN;
    const split = await instant('slo:sli_error:ratio_rate1h{sloth_slo="pay-availability", config_hash=~".+"}', at);
    expect(split.data.result.map((s) => [s.metric['config_hash'], s.value[1]])).toEqual([['cfg-1', '0.01']]);
    const range = (await prom<{ resultType: string; result: Array<{ values: Array<[number, string]> }> }>('/api/v1/query_range', {
      query: 'slo:sli_error:ratio_rate5m{sloth_slo="pay-availability"}', start: String(base / 1000), end: String((base + 10 * MIN) / 1000), step: '60',
    })).body;
    expect(range.data.resultType).toBe('matrix');
    const values = range.data.result[0]!.values;
    expect(values[0]).toEqual([base / 1000, '0.01']);
    // Minute 7's 5m window (minutes 3-7) holds no spans: no ratio, and Prometheus drops NaN? No: it keeps NaN.
    expect(values.find(([t]) => t === (base + 8 * MIN) / 1000)?.[1]).toBe('NaN');
  });

  it('reads only the samples a range query picks, with the same values as instant queries at its steps', async () => {
    // A step that is not whole minutes, starting mid-minute: every step picks the minute sample before it.
    const start = base + 25_000;
    const step = 90_000;
    const expr = 'slo:sli_error:ratio_rate5m{sloth_slo="pay-availability"} or slo:period_error_budget_remaining:ratio{sloth_slo="pay-availability"}';
    const range = (await prom<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>('/api/v1/query_range', {
      query: expr, start: String(start / 1000), end: String((start + 12 * step) / 1000), step: String(step / 1000),
    })).body;
    expect(range.data.result).toHaveLength(2);
    for (let k = 0; k <= 12; k++) {
      const at = start + k * step;
      const single = await instant(expr, at);
      for (const series of range.data.result) {
        const same = single.data.result.find((r) => r.metric['__name__'] === series.metric['__name__']);
        expect(series.values[k], `${series.metric['__name__']} at step ${k}`).toEqual([at / 1000, same!.value[1]]);
      }
    }
  });
});
