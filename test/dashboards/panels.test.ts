/**
 * The Grafana dashboards in dashboards/ against a real Tollgate: every file parses, has unique panel
 * ids and uses only its `${datasource}` variable; then, on an in-process Tollgate with the
 * repository's SLOs, fed the demo shop's traffic (checkout calling payments, failing releases, error
 * logs), an application's OTLP latency histogram and a few refused exports, and writing its own
 * metrics into its store, every panel query (template variables resolved from label values the API
 * returns, as Grafana resolves them) answers `success` with a non-empty result, as a range query over
 * the last hour at a 60 s step and as an instant query. The queries Sloth's own dashboards send are
 * run the same way (deploy/grafana/README.md lists them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playScenario, shopScenario } from '../../src/demo/shop.js';
import { dashboards, defaultVariables, panelsOf, queriesOf, STEP_SECONDS, substitute } from '../helpers/dashboards.js';
import { startInProcess, type InProcessTollgate } from '../helpers/tollgate.js';
import { arr, obj, str } from '../helpers/narrow.js';

const MIN = 60_000;

/** Every `datasource` object anywhere in a dashboard, with where it is. */
function datasourceRefs(v: unknown, where: string, out: Array<{ where: string; ref: unknown }> = []): Array<{ where: string; ref: unknown }> {
  if (Array.isArray(v)) v.forEach((x, i) => datasourceRefs(x, `${where}[${i}]`, out));
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'datasource') out.push({ where: `${where}.${k}`, ref: x });
      else datasourceRefs(x, `${where}.${k}`, out);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('dashboard files', () => {
  it('finds the four dashboards', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['tollgate-health.json', 'tollgate-release-comparison.json', 'tollgate-slo-detail.json', 'tollgate-slo-overview.json']);
  });

  it.each(dashboards)('$file has a stable uid, unique panel ids and a query for every data panel', (d) => {
    expect(d.json['uid']).toBe(d.file.replace(/\.json$/, ''));
    const ids = panelsOf(d).map((p) => p['id']);
    expect(ids.every((id) => typeof id === 'number')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panelsOf(d)) {
      if (p['type'] === 'row' || p['type'] === 'alertlist' || p['type'] === 'text') continue;
      expect(arr(p['targets'], String(p['title'])).length, String(p['title'])).toBeGreaterThan(0);
    }
  });

  it.each(dashboards)('$file uses only its ${datasource} variable', (d) => {
    const variables = arr(obj(d.json['templating'], 'templating')['list'], 'templating.list').map((v) => obj(v, 'variable'));
    expect(variables.find((v) => v['name'] === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const refs = datasourceRefs(d.json['panels'], 'panels')
      .concat(datasourceRefs(d.json['annotations'], 'annotations'))
      .concat(datasourceRefs(variables.filter((v) => v['type'] !== 'datasource'), 'templating'));
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((r) => JSON.stringify(r.ref) !== JSON.stringify({ type: 'prometheus', uid: '${datasource}' }))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

interface PromAnswer { status: string; error?: string; data?: { resultType: string; result: unknown } }

let tg: InProcessTollgate;
let nowMs: number;
const values = new Map<string, Map<string, string>>();

async function prom(route: string, form: Record<string, string>): Promise<PromAnswer> {
  const res = await fetch(`${tg.apiUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return (await res.json()) as PromAnswer;
}
const rangeQuery = (query: string) => prom('/api/v1/query_range', { query, start: String(nowMs / 1000 - 3_600), end: String(nowMs / 1000), step: String(STEP_SECONDS) });
const instantQuery = (query: string) => prom('/api/v1/query', { query, time: String(nowMs / 1000) });

/** An OTLP/JSON cumulative histogram `http.server.request.duration` (seconds) for one release. */
function latencyHistogram(configHash: string, fromMs: number, minutes: number, badBuckets = false): string {
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
  const dataPoints = Array.from({ length: minutes }, (_, i) => ({
    attributes: [attr('http.route', '/api/checkout'), attr('http.response.status_code', '200')],
    startTimeUnixNano: ns(fromMs), timeUnixNano: ns(fromMs + (i + 1) * MIN),
    count: String(100 * (i + 1)), sum: 12 * (i + 1),
    // Deliberately one count short of bounds + 1 when asked: the export's partial_success rejects it.
    bucketCounts: (badBuckets ? [50, 40] : [50, 40, 10]).map((c) => String(c * (i + 1))), explicitBounds: [0.1, 0.25],
  }));
  return JSON.stringify({ resourceMetrics: [{
    resource: { attributes: [attr('service.name', 'checkout'), attr('config_hash', configHash), attr('deployment.environment.name', 'staging')] },
    scopeMetrics: [{ scope: { name: 'test' }, metrics: [{ name: 'http.server.request.duration', unit: 's', histogram: { dataPoints, aggregationTemporality: 2 } }] }],
  }] });
}

async function post(url: string, body: string, contentType = 'application/json'): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  tg = await startInProcess({ TOLLGATE_SELF_SCRAPE_INTERVAL_MS: '250' });
  const start = Date.now();
  const scenario = shopScenario(start);
  await playScenario({ tollgateUrl: tg.apiUrl, otlpUrl: tg.otlpHttpUrl }, scenario);
  // The application's own latency histogram for two releases, and exports Tollgate refuses.
  const from = Math.floor(start / MIN) * MIN - 30 * MIN;
  expect(await post(`${tg.otlpHttpUrl}/v1/metrics`, latencyHistogram(scenario.current, from, 30))).toBe(200);
  expect(await post(`${tg.otlpHttpUrl}/v1/metrics`, latencyHistogram(scenario.bad, from, 30))).toBe(200);
  expect(await post(`${tg.otlpHttpUrl}/v1/metrics`, latencyHistogram('broken', from, 1, true))).toBe(200); // partial success
  expect(await post(`${tg.otlpHttpUrl}/v1/traces`, '{not json')).toBe(400);
  expect(await post(`${tg.otlpHttpUrl}/v1/logs`, 'hello', 'text/plain')).toBe(415);
  // Two of Tollgate's own snapshots after the last refusal, so that rate() over them has two samples.
  for (const until = Date.now() + 30_000; ;) {
    nowMs = Date.now();
    const seen = await instantQuery('count_over_time(tollgate_ingest_requests_total{outcome="unsupported"}[1m])');
    const samples = Number(arr(seen.data?.result, 'result').map((s) => arr(obj(s, 'sample')['value'], 'value')[1])[0] ?? 0);
    if (samples >= 2) break;
    if (Date.now() > until) throw new Error(`Tollgate's self-scrape did not store its metrics twice within 30 s: ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  // Grafana's default for each variable: "All" when offered (its allValue), else the first value (sorted).
  for (const d of dashboards) values.set(d.file, await defaultVariables(tg.apiUrl, nowMs, d));
}, 120_000);
afterAll(async () => {
  await tg?.cleanup();
});

/** A result with at least one number in it: a panel of nothing but NaN shows no more than an empty one. */
function hasNumbers(a: PromAnswer): boolean {
  const result = a.data?.result;
  if (!Array.isArray(result)) return false;
  const isNumber = (v: unknown): boolean => typeof v === 'string' && Number.isFinite(Number(v));
  if (a.data?.resultType === 'scalar') return isNumber(result[1]);
  return result.some((s) => {
    const series = obj(s, 'result');
    if (Array.isArray(series['value'])) return isNumber(series['value'][1]);
    return arr(series['values'], 'values').some((p) => isNumber(arr(p, 'sample')[1]));
  });
}

describe('every panel query answers with data', () => {
  it('resolves the template variables to the demo\'s values', () => {
    expect(Object.fromEntries(values.get('tollgate-slo-detail.json') ?? [])).toEqual({ service: 'checkout', slo: 'checkout-availability' });
    expect(Object.fromEntries(values.get('tollgate-release-comparison.json') ?? [])).toEqual({ service: 'checkout', environment: '.*', config_hash: '.+' });
    expect(Object.fromEntries(values.get('tollgate-health.json') ?? [])).toEqual({ job: 'tollgate' });
  });

  const queries = dashboards.flatMap(queriesOf);
  it.each(queries)('$dashboard › $where', async (q) => {
    const expr = substitute(q.expr, values.get(q.dashboard) ?? new Map());
    const range = await rangeQuery(expr);
    expect(range, expr).toMatchObject({ status: 'success' });
    expect(hasNumbers(range), `no numbers in the range result: ${expr}`).toBe(true);
    if (!q.rangeOnly) {
      const instant = await instantQuery(expr);
      expect(instant, expr).toMatchObject({ status: 'success' });
      expect(hasNumbers(instant), `no numbers in the instant result: ${expr}`).toBe(true);
    }
    if (q.exemplar) {
      const exemplars = await prom('/api/v1/query_exemplars', { query: expr, start: String(nowMs / 1000 - 3_600), end: String(nowMs / 1000) });
      expect(exemplars, expr).toMatchObject({ status: 'success' });
      // Span-derived latency has exemplars (the slowest spans); see the README for OTLP histograms'.
      if (expr.includes('traces_span_metrics_')) expect(arr(exemplars.data, 'exemplars').length, expr).toBeGreaterThan(0);
    }
  });
});

/**
 * What Sloth's own dashboards ask (grafana.com 14348 "SLO / Detail" and 14643 "High level Sloth
 * SLOs"), with their variable names: `${service}`, `${slo}`, `${sli_window}` (5m … 30d) and
 * `${__to:date:M}` (the month of the range's end). deploy/grafana/README.md lists them, and what
 * Tollgate does not answer (`ALERTS`).
 */
const SLOTH = 'sloth_service="${service}", sloth_slo="${slo}"';
const SLOTH_QUERIES: Array<{ dashboard: string; panel: string; expr: string }> = [
  { dashboard: '14348', panel: 'variable service', expr: 'sloth_slo_info' },
  { dashboard: '14348', panel: 'variable slo', expr: 'sloth_slo_info{sloth_service="${service}"}' },
  ...['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'].flatMap((w) => [
    { dashboard: '14348', panel: `SLI error ratio (${w})`, expr: `slo:sli_error:ratio_rate${w}{${SLOTH}}` },
    { dashboard: '14348', panel: `burn rate (${w})`, expr: `slo:sli_error:ratio_rate${w}{${SLOTH}} / on(sloth_id, sloth_slo, sloth_service) group_left slo:error_budget:ratio{${SLOTH}}` },
  ]),
  { dashboard: '14348', panel: 'objective', expr: `slo:objective:ratio{${SLOTH}}` },
  { dashboard: '14348', panel: 'remaining error budget (period window)', expr: `slo:period_error_budget_remaining:ratio{${SLOTH}}` },
  { dashboard: '14348', panel: 'current burn rate', expr: `slo:current_burn_rate:ratio{${SLOTH}}` },
  { dashboard: '14348', panel: 'period burn rate', expr: `slo:period_burn_rate:ratio{${SLOTH}}` },
  {
    dashboard: '14348',
    panel: 'remaining error budget (calendar month)',
    expr: `1 - (
  sum_over_time((slo:sli_error:ratio_rate1h{${SLOTH}} * on() group_left() (month() == bool vector(\${__to:date:M})))[32d:1h])
  / on(sloth_id)
  (slo:error_budget:ratio{${SLOTH}} * on() group_left() (24 * days_in_month()))
)`,
  },
  { dashboard: '14643', panel: 'SLOs', expr: 'sloth_slo_info' },
  { dashboard: '14643', panel: 'budget remaining (period window)', expr: 'slo:period_error_budget_remaining:ratio' },
  { dashboard: '14643', panel: 'current burn rate', expr: 'slo:current_burn_rate:ratio' },
  { dashboard: '14643', panel: 'period burn rate', expr: 'slo:period_burn_rate:ratio' },
  { dashboard: '14643', panel: 'objective', expr: 'slo:objective:ratio' },
];

describe('Sloth\'s dashboards\' queries answer with data', () => {
  it.each(SLOTH_QUERIES)('$dashboard › $panel', async (q) => {
    const vars = new Map([['service', 'checkout'], ['slo', 'checkout-availability'], ['__to', String(new Date(nowMs).getUTCMonth() + 1)]]);
    const expr = substitute(q.expr, vars);
    for (const answer of [await rangeQuery(expr), await instantQuery(expr)]) {
      expect(answer, expr).toMatchObject({ status: 'success' });
      expect(hasNumbers(answer), `no numbers in the result: ${expr}`).toBe(true);
    }
  });
});
