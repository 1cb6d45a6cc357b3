/**
 * The correlate API on a real in-process Tollgate (chDB), fed over OTLP/HTTP: one cross-service
 * trace with its logs, two releases of checkout in two environments, deploy events, and SLOs
 * with depends_on. Every number asserted is one sent.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServiceMap, type ReleaseDetail, type ReleaseList, type ServiceMap, type SloGraph, type SpanNode, type TraceView } from '../../src/correlate/index.js';
import { sendSpans, spread } from '../helpers/spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';
import { logsBody, post, tracesBody, type TraceSpan } from './otlp.js';
import { parseMermaid } from './mermaid-parse.js';

const SLOS = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: checkout-availability}
spec:
  service: checkout
  objective: 99.9
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
  depends_on: [payments-availability]
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: payments-availability}
spec:
  service: payments
  objective: 99.9
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
`;
const ORPHAN = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: frontend-availability}
spec:
  service: frontend
  objective: 99
  period: 7d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
  depends_on: [ghost-availability]
`;

const MIN = 60_000;
const TRACE = '5b8efff798038103d269b633813fc60c';
const LOGS_ONLY_TRACE = '7c1b2a3d4e5f60718293a4b5c6d7e8f9';
const now = Date.now();
const minuteIso = (ms: number) => new Date(Math.floor(ms / MIN) * MIN).toISOString();
let tg: InProcessTollgate;
let sloDir: string;
let elapsedMs = 0;
/** Start times of the checkout server spans that carry a config_hash, to count a window's share. */
const checkoutServerStarts: number[] = [];

/** frontend → checkout → payments, the payment failing; plus a checkout span whose parent was never stored. */
function mainTrace(t0: number): Array<{ resource: { service: string; environment: string }; spans: TraceSpan[] }> {
  const demo = (service: string) => ({ service, environment: 'demo' });
  return [
    { resource: demo('frontend'), spans: [
      { traceId: TRACE, spanId: 'f000000000000001', name: 'GET /cart', kind: 2, startMs: t0, durationMs: 100 },
      { traceId: TRACE, spanId: 'f000000000000002', parentSpanId: 'f000000000000001', name: 'POST checkout', kind: 3, startMs: t0 + 5, durationMs: 80 },
    ] },
    { resource: demo('checkout'), spans: [
      { traceId: TRACE, spanId: 'c000000000000001', parentSpanId: 'f000000000000002', name: 'POST /checkout', kind: 2, startMs: t0 + 10, durationMs: 70, attributes: { 'http.request.method': 'POST' } },
      { traceId: TRACE, spanId: 'c000000000000002', parentSpanId: 'c000000000000001', name: 'POST payments', kind: 3, startMs: t0 + 20, durationMs: 40, error: 'upstream 502' },
      { traceId: TRACE, spanId: 'c000000000000003', parentSpanId: 'ffffffffffffffff', name: 'late callback', kind: 1, startMs: t0 + 200, durationMs: 5 },
    ] },
    { resource: demo('payments'), spans: [
      { traceId: TRACE, spanId: 'b000000000000001', parentSpanId: 'c000000000000002', name: 'POST /charge', kind: 2, startMs: t0 + 25, durationMs: 30, error: 'card declined', exceptionType: 'CardDeclinedError' },
    ] },
  ];
}

/** Four more frontend → checkout calls, in their own traces, all fine. */
function moreCalls(t0: number) {
  return [0, 1, 2, 3].map((i) => {
    const traceId = `a${String(i).padStart(31, '0')}`;
    return [
      { resource: { service: 'frontend', environment: 'demo' }, spans: [
        { traceId, spanId: `e${i}00000000000001`, name: 'GET /cart', kind: 2 as const, startMs: t0 + i * 1000, durationMs: 50 },
        { traceId, spanId: `e${i}00000000000002`, parentSpanId: `e${i}00000000000001`, name: 'POST checkout', kind: 3 as const, startMs: t0 + i * 1000 + 1, durationMs: 20 },
      ] },
      { resource: { service: 'checkout', environment: 'demo' }, spans: [
        { traceId, spanId: `d${i}00000000000001`, parentSpanId: `e${i}00000000000002`, name: 'POST /checkout', kind: 2 as const, startMs: t0 + i * 1000 + 2, durationMs: 10 },
      ] },
    ];
  }).flat();
}

beforeAll(async () => {
  const started = performance.now();
  sloDir = tempDir('tollgate-correlate-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'shop.yaml'), SLOS);
  writeFileSync(path.join(sloDir, 'orphan.yaml'), ORPHAN);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });

  const t0 = now - 20 * MIN;
  await post(tg.otlpHttpUrl, 'traces', tracesBody([...mainTrace(t0), ...moreCalls(t0 + 10_000)]));
  await post(tg.otlpHttpUrl, 'logs', logsBody({ service: 'payments', environment: 'demo' }, [
    { traceId: TRACE, spanId: 'b000000000000001', atMs: t0 + 30, severity: 'ERROR', body: 'charge failed: card declined', attributes: { merchant: '42' } },
  ]));
  await post(tg.otlpHttpUrl, 'logs', logsBody({ service: 'checkout', environment: 'demo' }, [
    { traceId: TRACE, spanId: 'c000000000000001', atMs: t0 + 11, severity: 'INFO', body: 'checkout started' },
    { traceId: LOGS_ONLY_TRACE, atMs: t0, severity: 'INFO', body: 'a log whose spans were sampled out' },
  ]));

  // checkout in staging: cfg-old (1 % errors, 10 % of requests slow), then cfg-new (10 % errors).
  const staging = { service: 'checkout', environment: 'staging' };
  await sendSpans(tg.otlpHttpUrl, { ...staging, configHash: 'cfg-old' }, [
    ...spread(200, now - 240 * MIN, now - 130 * MIN, (i) => ({ kind: 2, name: 'POST /checkout', error: i % 100 === 0, durationMs: i % 10 === 9 ? 200 : 10 })),
    // Client spans are not requests served: they must not count.
    ...spread(50, now - 240 * MIN, now - 130 * MIN, () => ({ kind: 3, name: 'POST payments', error: true })),
  ]);
  const stagingNew = spread(100, now - 120 * MIN, now - 10 * MIN, (i) => ({
    kind: 2, name: 'POST /checkout', durationMs: 20, error: i % 10 === 0, exceptionType: i % 10 === 0 ? 'PaymentDeclinedError' : undefined,
  }));
  await sendSpans(tg.otlpHttpUrl, { ...staging, configHash: 'cfg-new' }, stagingNew);
  // prod: cfg-old served, then cfg-new took over, error-free.
  const prod = { service: 'checkout', environment: 'prod' };
  await sendSpans(tg.otlpHttpUrl, { ...prod, configHash: 'cfg-old' }, spread(60, now - 180 * MIN, now - 70 * MIN, () => ({ kind: 2, durationMs: 15 })));
  const prodNew = spread(40, now - 60 * MIN, now - 5 * MIN, () => ({ kind: 2, durationMs: 30 }));
  await sendSpans(tg.otlpHttpUrl, { ...prod, configHash: 'cfg-new' }, prodNew);
  checkoutServerStarts.push(...[...stagingNew, ...prodNew].map((s) => s.startMs));
  const deployed = await fetch(`${tg.apiUrl}/v1/deployments`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app: 'shop', environment: 'staging', service: 'checkout', config_hash: 'cfg-new', revision: 'r2', time: new Date(now - 121 * MIN).toISOString() }),
  });
  expect(deployed.status).toBe(201);
  elapsedMs = performance.now() - started;
});
afterAll(async () => {
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

const get = async <T>(route: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${tg.apiUrl}${route}`);
  return { status: res.status, body: (await res.json()) as T };
};
const shape = (n: SpanNode): unknown => ({ [n.span_id]: n.children.map(shape) });

describe('GET /v1/traces/{trace_id}', () => {
  it('answers the whole trace as a tree across services, with its logs in time order', async () => {
    const { status, body: t } = await get<TraceView>(`/v1/traces/${TRACE}`);
    expect(status).toBe(200);
    expect(t).toMatchObject({ trace_id: TRACE, services: ['checkout', 'frontend', 'payments'], span_count: 6, truncated: false, duration_ms: 205 });
    expect(t.start).toBe(new Date(now - 20 * MIN).toISOString());
    expect(t.roots.map(shape)).toEqual([
      { f000000000000001: [{ f000000000000002: [{ c000000000000001: [{ c000000000000002: [{ b000000000000001: [] }] }] }] }] },
      { c000000000000003: [] },
    ]);
    const charge = t.roots[0]!.children[0]!.children[0]!.children[0]!.children[0]!;
    expect(charge).toMatchObject({
      service: 'payments', name: 'POST /charge', kind: 'Server', status_code: 'Error', status_message: 'card declined',
      duration_ms: 30, environment: 'demo', config_hash: '', parent_span_id: 'c000000000000002',
    });
    expect(charge.events).toEqual([expect.objectContaining({ name: 'exception', attributes: { 'exception.type': 'CardDeclinedError' } })]);
    expect(BigInt(charge.start_unix_nano)).toBe(BigInt(now - 20 * MIN + 25) * 1_000_000n);
    expect(t.roots[0]!.children[0]!.children[0]!.attributes).toEqual({ 'http.request.method': 'POST' });
    expect(t.logs.map((l) => [l.service, l.span_id, l.severity_text, l.severity_number, l.body])).toEqual([
      ['checkout', 'c000000000000001', 'INFO', 9, 'checkout started'],
      ['payments', 'b000000000000001', 'ERROR', 17, 'charge failed: card declined'],
    ]);
    expect(t.logs[1]!.attributes).toEqual({ merchant: '42' });
  });

  it('answers a trace of logs only', async () => {
    const { status, body } = await get<TraceView>(`/v1/traces/${LOGS_ONLY_TRACE}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ span_count: 0, roots: [], logs: [expect.objectContaining({ body: 'a log whose spans were sampled out' })] });
  });

  it('answers 404 for an unknown trace and 400 for anything but 32 lowercase hex digits', async () => {
    expect((await get(`/v1/traces/${'1'.repeat(32)}`)).status).toBe(404);
    for (const bad of [TRACE.toUpperCase(), 'xyz', TRACE.slice(1), '0'.repeat(32)]) {
      const res = await get<{ error: string }>(`/v1/traces/${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/32 lowercase hex/);
    }
  });
});

describe('GET /v1/releases', () => {
  it("lists a service's releases in an environment, newest first, counting server spans", async () => {
    const { status, body } = await get<ReleaseList>('/v1/releases?service=checkout&environment=staging');
    expect(status).toBe(200);
    expect(body).toMatchObject({ service: 'checkout', environment: 'staging', since: '7d' });
    expect(body.releases).toEqual([
      {
        config_hash: 'cfg-new', environment: 'staging', first_seen: minuteIso(now - 120 * MIN), last_seen: minuteIso(now - 120 * MIN + 99 * 110 * MIN / 100),
        spans: 100, errors: 10, error_ratio: 0.1, p50_ms: 20, p95_ms: 20, p99_ms: 20,
        deployments: [{ app: 'shop', revision: 'r2', time: new Date(now - 121 * MIN).toISOString() }],
      },
      {
        config_hash: 'cfg-old', environment: 'staging', first_seen: minuteIso(now - 240 * MIN), last_seen: expect.any(String),
        spans: 200, errors: 2, error_ratio: 0.01, p50_ms: 10, p95_ms: 200, p99_ms: 200, deployments: [],
      },
    ]);
  });

  it('lists every environment without one, and honours since', async () => {
    const all = await get<ReleaseList>('/v1/releases?service=checkout');
    expect(all.body.releases.map((r) => `${r.environment}/${r.config_hash}/${r.spans}`)).toEqual(['prod/cfg-new/40', 'staging/cfg-new/100', 'prod/cfg-old/60', 'staging/cfg-old/200']);
    const recent = await get<ReleaseList>('/v1/releases?service=checkout&since=1h');
    expect(recent.body.releases.map((r) => `${r.environment}/${r.config_hash}`)).toEqual(['prod/cfg-new', 'staging/cfg-new']);
  });

  it('answers 400 without a service or with a bad since', async () => {
    expect((await get('/v1/releases')).status).toBe(400);
    const bad = await get<{ error: string }>('/v1/releases?service=checkout&since=lately');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^since: "lately" is not a duration/);
  });
});

describe('GET /v1/releases/{config_hash}', () => {
  it('shows the release in each environment beside its baseline, with SLIs, top errors and deploy events', async () => {
    const { status, body: r } = await get<ReleaseDetail>('/v1/releases/cfg-new');
    expect(status).toBe(200);
    expect(r.services).toEqual(['checkout']);
    expect(r.environments).toEqual([
      {
        environment: 'prod', first_seen: minuteIso(now - 60 * MIN), last_seen: expect.any(String), spans: 40, errors: 0, error_ratio: 0, p50_ms: 30, p95_ms: 30, p99_ms: 30,
        baseline: { config_hash: 'cfg-old', first_seen: minuteIso(now - 180 * MIN), last_seen: expect.any(String), spans: 60, errors: 0, error_ratio: 0, p50_ms: 15, p95_ms: 15, p99_ms: 15 },
      },
      {
        environment: 'staging', first_seen: minuteIso(now - 120 * MIN), last_seen: expect.any(String), spans: 100, errors: 10, error_ratio: 0.1, p50_ms: 20, p95_ms: 20, p99_ms: 20,
        baseline: { config_hash: 'cfg-old', first_seen: minuteIso(now - 240 * MIN), last_seen: expect.any(String), spans: 200, errors: 2, error_ratio: 0.01, p50_ms: 10, p95_ms: 200, p99_ms: 200 },
      },
    ]);
    expect(r.slis).toEqual([
      { slo: 'checkout-availability', service: 'checkout', environment: 'prod', release: { total: 40, bad: 0, ratio: 0 }, baseline: { config_hash: 'cfg-old', total: 60, bad: 0, ratio: 0 } },
      { slo: 'checkout-availability', service: 'checkout', environment: 'staging', release: { total: 100, bad: 10, ratio: 0.1 }, baseline: { config_hash: 'cfg-old', total: 200, bad: 2, ratio: 0.01 } },
    ]);
    // What burned checkout-availability while cfg-new ran in staging: its own failed server spans, absent from the baseline.
    expect(r.causes).toEqual([expect.objectContaining({
      slo: 'checkout-availability', environment: 'staging', kind: 'error', service: 'checkout', span_name: 'POST /checkout',
      error_type: 'PaymentDeclinedError', count: 10, share: 1, change: 'new', baseline_count: 0,
      headline: 'PaymentDeclinedError in POST /checkout',
    })]);
    expect(r.causes[0]!.example_trace_ids).toHaveLength(3);
    // Its share of the 30-day budget in each environment: bad events ÷ (all events there × 0.1 %).
    expect(r.budget.map((b) => [b.environment, b.bad_events, b.budget_share])).toEqual([
      ['prod', 0, 0], ['staging', 10, 10 / (300 * 0.001)],
    ]);
    expect(r.deployments).toEqual([{ app: 'shop', environment: 'staging', service: 'checkout', revision: 'r2', time: new Date(now - 121 * MIN).toISOString() }]);
  });

  it('has no baseline for the first config it knows of, and narrows to one environment', async () => {
    const { body: r } = await get<ReleaseDetail>('/v1/releases/cfg-old?environment=staging');
    expect(r.environments.map((e) => [e.environment, e.spans, e.baseline])).toEqual([['staging', 200, null]]);
    expect(r.slis).toEqual([{ slo: 'checkout-availability', service: 'checkout', environment: 'staging', release: { total: 200, bad: 2, ratio: 0.01 }, baseline: null }]);
    // Only what checkout-availability counts as bad: its 2 failed server spans, not the 50 failed client spans.
    expect(r.causes.map((e) => [e.span_name, e.error_type, e.count, e.change])).toEqual([['POST /checkout', 'failed', 2, 'no_baseline']]);
  });

  it('answers 404 for a config never seen', async () => {
    const res = await get<{ error: string }>('/v1/releases/cfg-never');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatch(/cfg-never/);
  });
});

describe('GET /v1/service-map', () => {
  it('draws an edge per pair of services that call each other, counted from parent/child spans', async () => {
    const { status, body: m } = await get<ServiceMap>('/v1/service-map?environment=demo');
    expect(status).toBe(200);
    expect(m.sample_rate).toBe(1);
    expect(m.edges).toEqual([
      // The caller's Client span failed (502): an error, and its 40 ms are the call's latency.
      { source: 'checkout', target: 'payments', calls: 1, errors: 1, error_ratio: 1, p95_ms: 40 },
      { source: 'frontend', target: 'checkout', calls: 5, errors: 0, error_ratio: 0, p95_ms: 80 },
    ]);
    expect(m.nodes).toEqual([
      { service: 'checkout', calls: 5, errors: 0, error_ratio: 0, config_hash: null },
      { service: 'frontend', calls: 5, errors: 0, error_ratio: 0, config_hash: null },
      { service: 'payments', calls: 1, errors: 1, error_ratio: 1, config_hash: null },
    ]);
    expect(m.mermaid).toContain('svc1_frontend -->|"5 calls, 0 % errors, p95 80 ms"| svc0_checkout');
    expect(m.mermaid).toMatch(/^ {2}class svc2_payments bad$/m);
    await expect(parseMermaid(m.mermaid)).resolves.toBe('flowchart-v2');
  });

  it('leaves out what is older than since, and links a service to its current release', async () => {
    const askedAt = Date.now();
    const { body } = await get<ServiceMap>('/v1/service-map?since=15m');
    const answeredAt = Date.now();
    expect(body.edges).toEqual([]);
    // "15m" is the current minute and the 14 before it, as SLO windows are; a slow machine may cross
    // a minute boundary during the call, so the answer is one of the two minutes' counts.
    const callsFrom = (t: number) => checkoutServerStarts.filter((s) => s >= Math.floor(t / MIN) * MIN - 14 * MIN).length;
    const node = body.nodes[0];
    expect(body.nodes).toHaveLength(1);
    expect([callsFrom(askedAt), callsFrom(answeredAt)]).toContain(node?.calls);
    expect(node?.calls).toBeGreaterThan(5);
    expect(node).toEqual({ service: 'checkout', calls: node?.calls, errors: 0, error_ratio: 0, config_hash: 'cfg-new' });
    expect(body.mermaid).toContain('click svc0_checkout href "/releases/cfg-new"');
    expect((await get('/v1/service-map?since=30d')).status).toBe(400);
  });

  it('samples whole traces by id when the range holds more spans than one join may read', async () => {
    // 18 demo spans, at most 5 per join: one trace in ceil(18 / 5) = 4 is joined, counts scaled by 4.
    const m = await readServiceMap(tg.store, { environment: 'demo', sinceSeconds: 3600, since: '1h', nowMs: Date.now(), maxJoinSpans: 5 });
    expect(m.sample_rate).toBe(0.25);
    for (const e of m.edges) expect(e.calls % 4).toBe(0);
    expect(m.nodes.map((n) => [n.service, n.calls])).toEqual([['checkout', 5], ['frontend', 5], ['payments', 1]]);
  });
});

describe('GET /v1/slo-graph', () => {
  it('draws depends_on edges with each SLO state, and reports unknown targets as problems', async () => {
    const { status, body: g } = await get<SloGraph>('/v1/slo-graph');
    expect(status).toBe(200);
    expect(g.nodes.map((n) => n.slo)).toEqual(['checkout-availability', 'frontend-availability', 'payments-availability']);
    expect(g.edges).toEqual([{ from: 'checkout-availability', to: 'payments-availability' }]);
    expect(g.problems).toEqual([expect.objectContaining({ slo: 'frontend-availability', depends_on: 'ghost-availability' })]);
    // payments: 1 failed request of 1; checkout: 12 of 405 over 30 days, far past a 0.1 % budget.
    expect(g.nodes.find((n) => n.slo === 'payments-availability')).toMatchObject({ state: 'exhausted', service: 'payments', objective: 0.999 });
    expect(g.nodes.find((n) => n.slo === 'checkout-availability')).toMatchObject({ state: 'exhausted' });
    expect(g.nodes.find((n) => n.slo === 'frontend-availability')).toMatchObject({ state: 'ok', budget_remaining: 1 });
    await expect(parseMermaid(g.mermaid)).resolves.toBe('flowchart-v2');
  });
});

describe('setup', () => {
  it('stays quick', () => {
    expect(elapsedMs).toBeLessThan(20_000);
  });
});
