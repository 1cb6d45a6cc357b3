/**
 * Sloth's and OpenSLO's own example files, unchanged, in a real Tollgate's SLO directory: their
 * PromQL SLIs evaluated over metrics sent by the official OTLP exporter. The data is made so the
 * answers are known: 5 % of myservice's requests fail (Sloth's getting-started), the Wi-Fi
 * satisfaction gauge averages 0.85 (Sloth's raw-home-wifi), 90 % of web's requests are good
 * (OpenSLO go-sdk, Timeslices of a minute with a 95 % target, so this minute is a bad slice).
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectingReader } from '../helpers/telemetry.js';
import { REPO_ROOT, startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/imported');
const EXAMPLES = ['sloth/getting-started.yml', 'sloth/raw-home-wifi.yml', 'openslo-go-sdk/slos.yaml', 'openslo-go-sdk/slis.yaml', 'openslo-go-sdk/data_sources.yaml'];

let tg: InProcessTollgate;
let sloDir: string;

interface WindowNumbers { total: number; bad: number; error_ratio: number | null; burn_rate: number | null }
interface Status { name: string; sli_source: string; period: string; windows: Record<string, WindowNumbers>; alerts: Array<{ severity: string; state: string; short_window: string }> }

async function get<T>(pathAndQuery: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${tg.apiUrl}${pathAndQuery}`);
  return { status: res.status, body: (await res.json()) as T };
}

/** One application: its meter, and a send that exports what was recorded so far through the official exporter. */
function application(service: string, url: string) {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service }), readers: [reader] });
  const exporter = new OTLPMetricExporter({ url });
  return {
    meter: provider.getMeter('example'),
    async send(): Promise<void> {
      const { resourceMetrics } = await reader.collect();
      const result = await new Promise<{ code: ExportResultCode; error?: Error }>((resolve) => exporter.export(resourceMetrics, resolve));
      if (result.code !== ExportResultCode.SUCCESS) throw result.error ?? new Error('export failed');
    },
  };
}

beforeAll(async () => {
  sloDir = tempDir('tollgate-imported-');
  for (const example of EXAMPLES) {
    mkdirSync(path.join(sloDir, path.dirname(example)), { recursive: true });
    copyFileSync(path.join(FIXTURES, example), path.join(sloDir, example));
  }
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });

  // Both exports within one minute, so the OpenSLO SLO's one-minute slice holds them both.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 61_000 - intoMinute));

  const url = `${tg.otlpHttpUrl}/v1/metrics`;
  const myservice = application('myservice', url);
  const latency = myservice.meter.createHistogram('http.request.duration', { unit: 's' });
  const wifi = application('home-wifi', url);
  const satisfaction = wifi.meter.createGauge('unifipoller_client_satisfaction_ratio');
  const web = application('web', url);
  // An up-down counter is exported as a non-monotonic sum: Prometheus' name stays `http_requests`, as the OpenSLO query has it.
  const requests = web.meter.createUpDownCounter('http_requests');

  // Each half records the same mix, so every series' rate() extrapolates alike and the ratios come out exact.
  for (const satisfactionNow of [0.9, 0.8]) {
    for (let i = 0; i < 475; i++) latency.record(0.05, { code: '200' });
    for (let i = 0; i < 15; i++) latency.record(0.05, { code: '503' });
    for (let i = 0; i < 10; i++) latency.record(0.05, { code: '429' });
    satisfaction.record(satisfactionNow, { mac: 'aa:bb' });
    const where = { k8s_cluster: 'prod', component: 'web' };
    requests.add(850, { ...where, code: '2xx' });
    requests.add(50, { ...where, code: '4xx' });
    requests.add(100, { ...where, code: '5xx' });
    await Promise.all([myservice.send(), wifi.send(), web.send()]);
    await new Promise((r) => setTimeout(r, 1_500));
  }
}, 120_000);

afterAll(async () => {
  await tg?.cleanup();
  if (sloDir !== undefined) rmSync(sloDir, { recursive: true, force: true });
});

describe('SLO files from Sloth and OpenSLO', () => {
  it('load beside each other without problems, named as their tools name them', async () => {
    const { body } = await get<{ slos: Array<{ name: string; service: string; objective: number }>; problems: string[] }>('/v1/slos');
    expect(body.problems).toEqual([]);
    expect(body.slos.map((s) => [s.name, s.service, s.objective]).sort()).toEqual([
      ['home-wifi-wifi-client-satisfaction', 'home-wifi', 0.95],
      ['myservice-requests-availability', 'myservice', 0.999],
      ['web-availability', 'web', 0.995],
    ]);
  });

  it('evaluates Sloth events queries: 5 % errors in every window, burning the 99.9 % budget 50× and paging', async () => {
    const { status, body } = await get<Status>('/v1/slos/myservice-requests-availability');
    expect(status).toBe(200);
    expect(body.sli_source).toBe('promql');
    expect(body.period).toBe('30d');
    for (const key of ['5m', '1h', '6h', '3d', '30d']) {
      expect(body.windows[key]!.error_ratio, key).toBeCloseTo(0.05, 12);
      expect(body.windows[key]!.burn_rate, key).toBeCloseTo(50, 9);
    }
    expect(body.alerts.filter((a) => a.state === 'firing').map((a) => `${a.severity} ${a.short_window}`).sort()).toEqual([
      'page 30m', 'page 5m', 'ticket 2h', 'ticket 6h',
    ]);
  });

  it('evaluates a Sloth raw ratio query over a gauge: 1 − average satisfaction', async () => {
    const { body } = await get<Status>('/v1/slos/home-wifi-wifi-client-satisfaction');
    expect(body.windows['5m']!.error_ratio).toBeCloseTo(0.15, 12);
    expect(body.windows['30d']!.error_ratio).toBeCloseTo(0.15, 12);
  });

  it('evaluates OpenSLO Timeslices over a counter query given a window: this minute is one bad slice', async () => {
    const { body } = await get<Status>('/v1/slos/web-availability');
    expect(body.period).toBe('week');
    expect(body.windows['5m']).toMatchObject({ total: 5, bad: 1 });
    expect(body.windows['week']!.bad).toBe(1);
    expect(body.windows['week']!.total).toBeGreaterThanOrEqual(5);
  });

  it('serves the Sloth-named series with Sloth\'s labels, equal to the SLO numbers', async () => {
    const at = Date.now() / 1000;
    const { body } = await get<{ data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }>(
      `/api/v1/query?query=${encodeURIComponent('slo:sli_error:ratio_rate5m{sloth_service="myservice"}')}&time=${at}`,
    );
    expect(body.data.result).toHaveLength(1);
    const [series] = body.data.result;
    expect(series!.metric).toMatchObject({
      sloth_id: 'myservice-requests-availability', sloth_slo: 'requests-availability', sloth_service: 'myservice', owner: 'myteam', tier: '2',
    });
    expect(Number(series!.value[1])).toBeCloseTo(0.05, 12);
    const info = await get<{ data: { result: Array<{ metric: Record<string, string> }> } }>(`/api/v1/query?query=${encodeURIComponent('sloth_slo_info{sloth_service="myservice"}')}&time=${at}`);
    expect(info.body.data.result[0]!.metric['sloth_spec']).toBe('prometheus/v1');
  });

  it('records the Sloth-named SLI series over a range, as Sloth\'s recording rules would', async () => {
    const end = Date.now() / 1000;
    const query = encodeURIComponent('slo:sli_error:ratio_rate5m{sloth_id="myservice-requests-availability"}');
    const { body } = await get<{ data: { result: Array<{ values: Array<[number, string]> }> } }>(`/api/v1/query_range?query=${query}&start=${end - 600}&end=${end}&step=60`);
    const values = body.data.result[0]!.values.map(([, v]) => v);
    expect(values).toHaveLength(11);
    expect(values[0]).toBe('NaN'); // ten minutes before the data: no events in the window
    expect(Number(values.at(-1))).toBeCloseTo(0.05, 12);
  });

  it('gives the page alert Sloth\'s own condition, keyed by its sloth_id', async () => {
    const { body } = await get<{ data: { groups: Array<{ rules: Array<{ query: string; labels: Record<string, string> }> }> } }>('/api/v1/rules');
    const queries = body.data.groups.flatMap((g) => g.rules).map((r) => r.query).filter((q) => q.includes('myservice'));
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(q).toContain('{sloth_id="myservice-requests-availability"}');
  });
});
