/**
 * Attribution scenarios on real stored data (chDB, HTTP on real sockets), every span and log
 * record made by the official OpenTelemetry SDKs and sent by the official OTLP exporters:
 * - items: a latency regression whose time goes to one downstream call (inventory), while
 *   error-status spans keep failing at the baseline's rate;
 * - catalog: a new TypeError in one endpoint while client spans (outside the SLO's match) keep
 *   failing at 30 %, as in the baseline;
 * - checkout → payments: the callee's failures burn the caller's budget, in prod, where it is spent;
 * - mailer: a log SLI whose bodies differ only in ids and numbers;
 * - zoo: more causes than are listed one by one;
 * - search: a release too small to compare significantly.
 * Each scenario has its own services, so they share one Tollgate without seeing each other's data.
 * Every number asserted follows from what was sent.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';
import { sendLogs, SpanKind, TraceMaker, type LogPlan, type SpanPlan, type Where } from './sdk.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const now = Date.now();

/** Config hashes as deployments write them: 64 hex digits, of which summaries show 12. */
const hash = (text: string): string => createHash('sha256').update(text).digest('hex');
const ITEMS_V1 = hash('items-v1');
const ITEMS_V2 = hash('items-v2');
const CATALOG_V1 = hash('catalog-v1');
const CATALOG_V2 = hash('catalog-v2');
const CHECKOUT_V1 = hash('checkout-v1');
const CHECKOUT_V2 = hash('checkout-v2');
const MAILER_V1 = hash('mailer-v1');
const MAILER_V2 = hash('mailer-v2');

const slo = (name: string, service: string, objective: number, sli: string, period = '30d'): string => `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: ${name}}
spec:
  service: ${service}
  objective: ${objective}
  period: ${period}
  sli: ${sli}
`;
const policy = (name: string, spec: string): string => `apiVersion: tollgate.dev/v1
kind: GatePolicy
metadata: {name: ${name}}
spec:
${spec.trim().split('\n').map((l) => `  ${l.trim()}`).join('\n')}
`;
const SERVER_ERRORS = '{spans: {match: {kind: server}, bad: {status: error}}}';

const FILES: Record<string, string[]> = {
  'items.yaml': [
    slo('items-latency', 'items', 99, '{spans: {match: {kind: server}, bad: {duration_over: 300ms}}}'),
    policy('items-prod', 'app: items\nenvironment: prod\nslos: [items-latency]\nmin_budget_remaining: 15%'),
  ],
  'catalog.yaml': [
    slo('catalog-availability', 'catalog', 99.9, SERVER_ERRORS),
    policy('catalog-prod', 'app: catalog\nenvironment: prod\nslos: [catalog-availability]\nmin_budget_remaining: 15%'),
  ],
  'checkout.yaml': [
    slo('checkout-availability', 'checkout', 99.9, SERVER_ERRORS),
    policy('checkout-prod', 'app: checkout\nenvironment: prod\nslos: [checkout-availability]\nmin_budget_remaining: 10%'),
  ],
  'mailer.yaml': [slo('mailer-error-logs', 'mailer', 99, '{logs: {match: {severity_at_least: INFO}, bad: {severity_at_least: ERROR}}}', '7d')],
  'orders.yaml': [slo('orders-availability', 'orders', 99.9, SERVER_ERRORS)],
  'zoo.yaml': [slo('zoo-availability', 'zoo', 99, SERVER_ERRORS)],
  'notes.yaml': [
    slo('notes-availability', 'notes', 99.9, SERVER_ERRORS),
    policy('notes-prod', 'app: notes\nenvironment: prod\nslos: [notes-availability]\nmin_budget_remaining: 10%'),
  ],
  'search.yaml': [
    slo('search-availability', 'search', 99.9, SERVER_ERRORS),
    policy('search-prod', 'app: search\nenvironment: prod\nslos: [search-availability]\nmin_budget_remaining: 15%\ncompare: {min_events: 20}'),
  ],
};

let tg: InProcessTollgate;
let sloDir: string;
/** Bodies of the mailer's timeout records, in the order sent (and stamped). */
const timeoutBodies: string[] = [];

/** `n` instants spread evenly over [fromMs, toMs). */
const spreadMs = (n: number, fromMs: number, toMs: number): number[] => Array.from({ length: n }, (_, i) => fromMs + ((toMs - fromMs) * i) / n);

// items: GET /api/items calls inventory (a client span, inventory's server span under it).
type ItemsShape = 'fast' | 'slow-in-inventory' | 'slow-in-own-code' | 'upstream-error';
function itemsRequest(at: Where, startMs: number, shape: ItemsShape): SpanPlan {
  const inventory: Where = { service: 'inventory', configHash: 'inventory-v1', environment: at.environment };
  const stockCall = (offsetMs: number, durationMs: number): SpanPlan => ({
    at, name: 'GET /stock', kind: SpanKind.CLIENT, startMs: startMs + offsetMs, durationMs, attributes: { 'peer.service': 'inventory' },
    children: [{ at: inventory, name: 'GET /stock', kind: SpanKind.SERVER, startMs: startMs + offsetMs + 2, durationMs: durationMs - 10 }],
  });
  const server = (durationMs: number, children: SpanPlan[], error?: SpanPlan['error']): SpanPlan => ({
    at, name: 'GET /api/items', kind: SpanKind.SERVER, startMs, durationMs, attributes: { 'http.request.method': 'GET', 'http.route': '/api/items' }, children, error,
  });
  switch (shape) {
    case 'fast':
      return server(50, [stockCall(5, 20)]);
    case 'slow-in-inventory':
      // 910 of 1,000 ms in the call to inventory.
      return server(1_000, [stockCall(10, 910)]);
    case 'slow-in-own-code':
      // 450 of 500 ms outside its one child.
      return server(500, [{ at, name: 'SELECT items', kind: SpanKind.CLIENT, startMs: startMs + 5, durationMs: 50, attributes: { 'db.system': 'postgresql' } }]);
    case 'upstream-error':
      return server(60, [stockCall(5, 20)], { message: 'upstream timed out after 60 ms', exception: { type: 'UpstreamTimeoutError', message: 'upstream timed out' } });
  }
}

// catalog: two endpoints, each calling pricing; 30 % of the pricing calls fail, which the endpoints absorb.
function catalogRequest(at: Where, startMs: number, i: number, release: 'baseline' | 'release' | 'healthy'): SpanPlan {
  const name = i % 2 === 0 ? 'GET /api/items/{id}' : 'GET /api/items';
  const pricingFails = i % 10 < 3;
  const unavailable = release !== 'healthy' && (i === 7 || i === 507);
  const typeError = release === 'release' && i % 20 === 4;
  const message = "Cannot read properties of undefined (reading 'price')";
  return {
    at, name, kind: SpanKind.SERVER, startMs, durationMs: 40,
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': unavailable ? 503 : typeError ? 500 : 200 },
    error: unavailable ? {} : typeError ? { message, exception: { type: 'TypeError', message } } : undefined,
    children: [{
      at, name: 'GET /prices', kind: SpanKind.CLIENT, startMs: startMs + 5, durationMs: 10, attributes: { 'peer.service': 'pricing' },
      error: pricingFails ? { message: 'pricing timed out', exception: { type: 'PricingTimeoutError', message: 'pricing timed out' } } : undefined,
    }],
  };
}

// checkout: POST /api/checkout calls payments (a client span, payments' server span under it).
function checkoutRequest(at: Where, startMs: number, outcome: 'ok' | 'card-declined' | 'token-expired'): SpanPlan {
  const payments: Where = { service: 'payments', configHash: 'payments-v1', environment: at.environment };
  const declined = outcome === 'card-declined';
  return {
    at, name: 'POST /api/checkout', kind: SpanKind.SERVER, startMs, durationMs: 120,
    attributes: { 'http.request.method': 'POST', 'http.response.status_code': declined ? 502 : outcome === 'token-expired' ? 401 : 200 },
    error: declined
      ? { message: 'payment failed' }
      : outcome === 'token-expired' ? { message: 'token expired', exception: { type: 'OAuthTokenExpiredError', message: 'token expired' } } : undefined,
    children: [{
      at, name: 'POST /charge', kind: SpanKind.CLIENT, startMs: startMs + 10, durationMs: 80, attributes: { 'peer.service': 'payments' },
      error: declined ? { message: 'HTTP 402' } : undefined,
      children: [{
        at: payments, name: 'POST /charge', kind: SpanKind.SERVER, startMs: startMs + 15, durationMs: 60,
        error: declined ? { message: 'card 4242 declined', exception: { type: 'CardDeclinedError', message: 'card 4242 declined' } } : undefined,
      }],
    }],
  };
}

function makeTraces(): TraceMaker {
  const traces = new TraceMaker();
  // items. staging: the baseline is slow on 1 % of requests (in its own code), the release on 20 % (in inventory);
  // both fail 1 % with UpstreamTimeoutError, fast. prod runs the baseline, all fast.
  const itemsStagingV1: Where = { service: 'items', configHash: ITEMS_V1, environment: 'staging' };
  const itemsStagingV2: Where = { ...itemsStagingV1, configHash: ITEMS_V2 };
  spreadMs(1_000, now - 6 * HOUR, now - 4 * HOUR).forEach((t, i) =>
    traces.make(itemsRequest(itemsStagingV1, t, i % 100 === 0 ? 'slow-in-own-code' : i % 100 === 51 ? 'upstream-error' : 'fast')));
  spreadMs(1_000, now - 4 * HOUR + MIN, now - 2 * HOUR).forEach((t, i) =>
    traces.make(itemsRequest(itemsStagingV2, t, i % 5 === 0 ? 'slow-in-inventory' : i % 100 === 51 ? 'upstream-error' : 'fast')));
  spreadMs(500, now - 3 * HOUR, now - HOUR).forEach((t) => traces.make(itemsRequest({ ...itemsStagingV1, environment: 'prod' }, t, 'fast')));

  // catalog. staging: 1,000 requests per release, 2 failing with 503 in each; the release adds 50 TypeErrors. prod: healthy.
  const catalogStaging: Where = { service: 'catalog', configHash: CATALOG_V1, environment: 'staging' };
  spreadMs(1_000, now - 6 * HOUR, now - 4 * HOUR).forEach((t, i) => traces.make(catalogRequest(catalogStaging, t, i, 'baseline')));
  spreadMs(1_000, now - 4 * HOUR + MIN, now - 2 * HOUR).forEach((t, i) => traces.make(catalogRequest({ ...catalogStaging, configHash: CATALOG_V2 }, t, i, 'release')));
  spreadMs(1_000, now - 3 * HOUR, now - HOUR).forEach((t, i) => traces.make(catalogRequest({ ...catalogStaging, environment: 'prod' }, t, i, 'healthy')));

  // checkout in prod: a week ago and three hours ago the first release served cleanly but for 1 % token errors;
  // the second has served the last 50 minutes with 10 % of checkouts failing in payments (and the same 1 % token errors).
  const checkoutProd: Where = { service: 'checkout', configHash: CHECKOUT_V1, environment: 'prod' };
  spreadMs(1_000, now - 7 * DAY - 55 * MIN, now - 7 * DAY - 5 * MIN).forEach((t, i) =>
    traces.make(checkoutRequest(checkoutProd, t, i % 100 === 5 ? 'token-expired' : 'ok')));
  spreadMs(1_000, now - 3 * HOUR, now - 2 * HOUR).forEach((t) => traces.make(checkoutRequest(checkoutProd, t, 'ok')));
  spreadMs(1_000, now - 50 * MIN, now - 2 * MIN).forEach((t, i) =>
    traces.make(checkoutRequest({ ...checkoutProd, configHash: CHECKOUT_V2 }, t, i % 10 === 0 ? 'card-declined' : i % 100 === 5 ? 'token-expired' : 'ok')));

  // orders: calls an SMS provider (not instrumented: its client span names server.address) and redis. Of 200
  // orders, 20 fail on SMS alone, 10 on redis alone, and 10 on both, where the SMS call fails first.
  const orders: Where = { service: 'orders', configHash: 'orders-v1', environment: 'prod' };
  spreadMs(200, now - 2 * HOUR, now - HOUR).forEach((t, i) => {
    const sms = i % 10 === 0 || i % 20 === 15;
    const redis = i % 20 === 5 || i % 20 === 15;
    traces.make({
      at: orders, name: 'POST /orders', kind: SpanKind.SERVER, startMs: t, durationMs: 100, error: sms || redis ? { message: 'order not placed' } : undefined,
      children: [
        { at: orders, name: 'GET', kind: SpanKind.CLIENT, startMs: t + 5, durationMs: 70, attributes: { 'db.system': 'redis' },
          error: redis ? { message: `pool exhausted after ${200 + i} ms` } : undefined },
        { at: orders, name: 'POST /send', kind: SpanKind.CLIENT, startMs: t + 40, durationMs: 20, attributes: { 'server.address': 'sms.example.com', 'http.response.status_code': sms ? 504 : 200 },
          error: sms ? {} : undefined },
      ],
    });
  });

  // zoo: 25 error types, type k failing k times, among 1,000 requests.
  const zoo: Where = { service: 'zoo', configHash: 'zoo-v1', environment: 'prod' };
  const zooErrors = Array.from({ length: 25 }, (_, k) => Array.from({ length: k + 1 }, () => `ZooError${String(k + 1).padStart(2, '0')}`)).flat();
  spreadMs(1_000, now - 2 * HOUR, now - HOUR).forEach((t, i) => {
    const type = zooErrors[i];
    traces.make({
      at: zoo, name: 'GET /animals', kind: SpanKind.SERVER, startMs: t, durationMs: 10,
      error: type === undefined ? undefined : { message: `${type} raised`, exception: { type, message: `${type} raised` } },
    });
  });

  // search: the baseline failed 1 in 1,000 in staging, the release 1 in 20; prod is healthy.
  const searchStaging: Where = { service: 'search', configHash: 'search-v1', environment: 'staging' };
  const searchRequest = (at: Where, t: number, fails: boolean): SpanPlan => ({
    at, name: 'GET /search', kind: SpanKind.SERVER, startMs: t, durationMs: 30, error: fails ? { message: 'index unavailable' } : undefined,
  });
  spreadMs(1_000, now - 6 * HOUR, now - 4 * HOUR).forEach((t, i) => traces.make(searchRequest(searchStaging, t, i === 500)));
  spreadMs(20, now - 4 * HOUR + MIN, now - 2 * HOUR).forEach((t, i) => traces.make(searchRequest({ ...searchStaging, configHash: 'search-v2' }, t, i === 10)));
  spreadMs(1_000, now - 3 * HOUR, now - HOUR).forEach((t) => traces.make(searchRequest({ ...searchStaging, environment: 'prod' }, t, false)));

  // notes: ten days ago, one failure in 500 requests (twice the budget); nothing since.
  spreadMs(500, now - 10 * DAY, now - 10 * DAY + HOUR).forEach((t, i) => traces.make({
    at: { service: 'notes', configHash: 'notes-v1', environment: 'prod' }, name: 'GET /notes', kind: SpanKind.SERVER, startMs: t, durationMs: 10,
    error: i === 100 ? { message: 'lock timeout', exception: { type: 'NotesLockTimeoutError', message: 'lock timeout' } } : undefined,
  }));
  return traces;
}

function mailerLogs(): LogPlan[] {
  const plans: LogPlan[] = [];
  const info = (at: Where, atMs: number, i: number): LogPlan => ({ at, atMs, severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: `sent message ${i} to user ${1000 + i}` });
  const debug = (at: Where, atMs: number): LogPlan => ({ at, atMs, severityNumber: SeverityNumber.DEBUG, severityText: 'DEBUG', body: 'queue polled' });
  const smtp = (at: Where, atMs: number, i: number): LogPlan => ({
    at, atMs, severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: `smtp 451 from mx${i}.example.net: try again later`,
  });
  const v1: Where = { service: 'mailer', configHash: MAILER_V1, environment: 'prod' };
  const v2: Where = { ...v1, configHash: MAILER_V2 };
  // The first release: 400 INFO, 4 smtp errors, 40 DEBUG (below the SLI's match).
  spreadMs(444, now - 5 * HOUR, now - 3 * HOUR).forEach((t, i) => plans.push(i < 400 ? info(v1, t, i) : i < 404 ? smtp(v1, t, i) : debug(v1, t)));
  // Seven and a half days ago the first release logged two more smtp errors (and nothing else).
  plans.push(smtp(v1, now - 7.5 * DAY, 1), smtp(v1, now - 7.5 * DAY + MIN, 2));
  // The second: the same, plus 20 payment provider timeouts whose bodies differ in a duration and an order id.
  spreadMs(464, now - 3 * HOUR + MIN, now - HOUR).forEach((t, i) => {
    if (i < 400) plans.push(info(v2, t, i));
    else if (i < 404) plans.push(smtp(v2, t, i));
    else if (i < 424) {
      const body = `payment provider timeout after ${1_000 + 37 * i} ms for order ${hash(`order-${i}`).slice(0, 32)}`;
      timeoutBodies.push(body);
      plans.push({ at: v2, atMs: t, severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body });
    } else plans.push(debug(v2, t));
  });
  return plans;
}

beforeAll(async () => {
  sloDir = tempDir('tollgate-attribution-');
  mkdirSync(sloDir, { recursive: true });
  for (const [file, docs] of Object.entries(FILES)) writeFileSync(path.join(sloDir, file), docs.join('---\n'));
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  await makeTraces().send(tg.otlpHttpUrl);
  await sendLogs(tg.otlpHttpUrl, mailerLogs());
  const deployed = await fetch(`${tg.apiUrl}/v1/deployments`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app: 'items', environment: 'staging', service: 'items', config_hash: ITEMS_V2, revision: 'r42', time: new Date(now - 4 * HOUR + MIN / 2).toISOString() }),
  });
  expect(deployed.status).toBe(201);
  await tg.engine!.recordNow();
}, 60_000);

afterAll(async () => {
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

interface CauseWire {
  headline: string; kind: string; service: string; operation: string; error_type: string; dependency: string; dependency_operation: string;
  count: number; share: number; budget_share: number | null; time_share: number | null; change: string; baseline_count: number | null;
  config_hashes: string[]; example_trace_ids: string[]; example_log_lines: string[];
}
interface AttributionWire {
  slo: string; sli: string; environment: string | null; config_hash: string | null;
  bad_events: number; total_events: number | null; budget_events: number | null;
  baseline: { kind: string; config_hash?: string; bad_events: number; total_events: number | null } | null;
  causes: CauseWire[];
  other_causes: { causes: number; count: number; share: number } | null;
  release_budgets: Array<{ config_hash: string; bad_events: number; total_events: number; budget_share: number | null }>;
}
interface GateAnswer {
  decision: string; summary: string; reasons: string[];
  checks: Array<{ slo: string; check: string; passed: boolean; detail: string }>;
  evidence: { top_causes: Array<CauseWire & { slo: string }> };
}

async function getJson<T>(route: string): Promise<T> {
  const res = await fetch(`${tg.apiUrl}${route}`);
  expect(res.status, `${route}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

function attribution(sloName: string, params: Record<string, string>): Promise<AttributionWire> {
  return getJson<AttributionWire>(`/v1/slos/${sloName}/attribution?${new URLSearchParams(params).toString()}`);
}

async function gate(app: string, environment: string, service: string, configHash: string): Promise<GateAnswer> {
  const res = await fetch(`${tg.apiUrl}/v1/gate`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app, environment, service, config_hash: configHash, revision: 'r1' }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as GateAnswer;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const short = (h: string): string => h.slice(0, 12);
const sumOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe('a latency regression caused by one slow downstream call', () => {
  it('names the slow operation and where its time went, new in the release, and blames no error-status span', async () => {
    const a = await attribution('items-latency', { config_hash: ITEMS_V2, environment: 'staging', from: iso(now - 7 * HOUR), to: iso(now) });
    expect(a).toMatchObject({ sli: 'latency', bad_events: 200, total_events: 1_000, baseline: { kind: 'release', config_hash: ITEMS_V1, bad_events: 10, total_events: 1_000 } });
    // Every slow event of the release spent its time in inventory: one cause, nothing else.
    expect(a.causes).toHaveLength(1);
    expect(a.causes[0]).toMatchObject({
      kind: 'slow', service: 'items', operation: 'GET /api/items', error_type: '', dependency: 'inventory', dependency_operation: 'GET /stock',
      count: 200, share: 1, change: 'new', baseline_count: 0, config_hashes: [ITEMS_V2],
      headline: 'slow GET /api/items: 91 % of its time in inventory GET /stock',
    });
    expect(a.causes[0]!.time_share).toBeCloseTo(0.91, 12);
    // The UpstreamTimeoutError spans (1 % on both sides) are fast: the latency SLO does not count them.
    expect(a.causes.filter((c) => c.error_type !== '' || c.kind === 'error')).toEqual([]);
    expect(JSON.stringify(a)).not.toContain('UpstreamTimeoutError');
  });

  it("names the baseline's slow events as time in their own code", async () => {
    const a = await attribution('items-latency', { config_hash: ITEMS_V1, environment: 'staging', from: iso(now - 7 * HOUR), to: iso(now), baseline: 'none' });
    expect(a.causes.map((c) => [c.headline, c.count, c.change])).toEqual([['slow GET /api/items: 90 % of its time in its own code', 10, 'no_baseline']]);
  });

  it('denies the release, and the summary names the slow operation and where its time went', async () => {
    const g = await gate('items', 'prod', 'items', ITEMS_V2);
    expect(g.decision).toBe('deny');
    expect(g.summary).toBe(
      `deny: in staging this release is slow on 20.0 % of items-latency events (baseline 1.0 %); top cause slow GET /api/items: 91 % of its time in inventory GET /stock, new in ${short(ITEMS_V2)}`,
    );
    const top = g.evidence.top_causes[0]!;
    expect(top).toMatchObject({ slo: 'items-latency', kind: 'slow', dependency: 'inventory', count: 200, change: 'new' });
    // 200 slow events against a staging budget of 2,000 × 1 % = 20 events.
    expect(g.reasons.at(-1)).toBe(
      'top cause of items-latency\'s bad events: slow GET /api/items: 91 % of its time in inventory GET /stock, 200 times ' +
      `(100 % of them, 1000 % of its error budget); none in its baseline; example trace ${top.example_trace_ids[0]}`,
    );
    expect(g.evidence.top_causes.every((c) => c.kind === 'slow')).toBe(true);
  });
});

describe('a new exception in one endpoint while client spans keep failing at the baseline rate', () => {
  it('ranks the new TypeError first and draws nothing from the client spans', async () => {
    const a = await attribution('catalog-availability', { config_hash: CATALOG_V2, environment: 'staging', from: iso(now - 7 * HOUR), to: iso(now) });
    expect(a).toMatchObject({ sli: 'availability', bad_events: 52, total_events: 1_000, baseline: { kind: 'release', config_hash: CATALOG_V1, bad_events: 2, total_events: 1_000 } });
    expect(a.causes.map((c) => [c.kind, c.headline, c.count, c.change, c.baseline_count])).toEqual([
      ['error', 'TypeError in GET /api/items/{id}', 50, 'new', 0],
      ['error', 'HTTP 503 in GET /api/items', 2, 'steady', 2],
    ]);
    // 300 pricing calls failed under this release's requests: none is a bad event of this SLO.
    expect(JSON.stringify(a.causes)).not.toMatch(/pricing|PricingTimeoutError|GET \/prices/);
  });

  it('denies the release with the TypeError as its top cause', async () => {
    const g = await gate('catalog', 'prod', 'catalog', CATALOG_V2);
    expect(g.summary).toBe(
      `deny: in staging this release fails 5.2 % of catalog-availability events (baseline 0.2 %); top cause TypeError in GET /api/items/{id}, new in ${short(CATALOG_V2)}`,
    );
  });

  it("gives each release's share of the period's budget as its bad events over the period's budget in events, exactly", async () => {
    const a = await attribution('catalog-availability', { config_hash: CATALOG_V2, environment: 'staging', from: iso(now - 7 * HOUR), to: iso(now) });
    // staging's period: 2,000 events, a budget of 0.1 % of them.
    expect(a.budget_events).toBe(2_000 * 0.001);
    expect(a.release_budgets).toEqual([
      { config_hash: CATALOG_V2, bad_events: 52, total_events: 1_000, budget_share: 52 / (2_000 * 0.001), first_seen: iso(Math.floor((now - 4 * HOUR + MIN) / MIN) * MIN), last_seen: expect.any(String) },
      { config_hash: CATALOG_V1, bad_events: 2, total_events: 1_000, budget_share: 2 / (2_000 * 0.001), first_seen: iso(Math.floor((now - 6 * HOUR) / MIN) * MIN), last_seen: expect.any(String) },
    ]);
    expect(a.causes.map((c) => c.budget_share)).toEqual([50 / (2_000 * 0.001), 2 / (2_000 * 0.001)]);
  });

  it('shows the same share and the new cause on the release page', async () => {
    const r = await getJson<{ causes: Array<CauseWire & { slo: string; environment: string }>; budget: Array<{ slo: string; environment: string; period: string; bad_events: number; budget_share: number }> }>(
      `/v1/releases/${CATALOG_V2}`,
    );
    expect(r.budget).toEqual([expect.objectContaining({ slo: 'catalog-availability', environment: 'staging', period: '30d', bad_events: 52, budget_share: 52 / (2_000 * 0.001) })]);
    expect(r.causes.map((c) => [c.slo, c.environment, c.headline, c.change])).toEqual([
      ['catalog-availability', 'staging', 'TypeError in GET /api/items/{id}', 'new'],
      ['catalog-availability', 'staging', 'HTTP 503 in GET /api/items', 'steady'],
    ]);
  });
});

describe("a two-service trace where the callee's failures burn the caller's budget", () => {
  it('attributes the failed checkouts to payments, with the error type from payments\' own span', async () => {
    const a = await attribution('checkout-availability', { environment: 'prod', from: iso(now - HOUR), to: iso(now) });
    expect(a.bad_events).toBe(110);
    // Against the same hour a week earlier (widened to whole hours), when the token errors ran at the same 1 %.
    expect(a.baseline).toMatchObject({ kind: 'range', bad_events: 10, total_events: 1_000 });
    expect(a.causes.map((c) => [c.kind, c.dependency, c.dependency_operation, c.error_type, c.count, c.change])).toEqual([
      ['dependency', 'payments', 'POST /charge', 'CardDeclinedError', 100, 'new'],
      ['error', '', '', 'OAuthTokenExpiredError', 10, 'steady'],
    ]);
    expect(a.causes[0]).toMatchObject({
      operation: 'POST /api/checkout', service: 'checkout', config_hashes: [CHECKOUT_V2],
      headline: 'payments failing (CardDeclinedError in POST /charge) under POST /api/checkout',
    });
  });

  it('denies any change to prod while its budget is spent, leading with the numbers and the cause', async () => {
    const g = await gate('checkout', 'prod', 'checkout', hash('checkout-v3'));
    // Over 30 days: 120 failures in 3,000 events, 40 budgets (−39× left); the last hour: 110 in 1,000, 110×.
    expect(g.summary).toBe(
      "deny: prod has spent checkout-availability's error budget (−39× left, burning 110× over 1h); " +
      `top cause payments failing (CardDeclinedError in POST /charge) under POST /api/checkout, new in ${short(CHECKOUT_V2)}`,
    );
  });
});

describe('dependencies that are not instrumented', () => {
  it("are named by what the failing child span says (server.address, db.system), the first to fail in each event", async () => {
    const a = await attribution('orders-availability', { environment: 'prod', from: iso(now - 3 * HOUR), to: iso(now), baseline: 'none' });
    expect(a.bad_events).toBe(40);
    expect(a.causes.map((c) => [c.headline, c.count, c.share])).toEqual([
      ['sms.example.com failing (HTTP 504 in POST /send) under POST /orders', 30, 0.75],
      ['redis failing (pool exhausted after <n> ms in GET) under POST /orders', 10, 0.25],
    ]);
  });
});

describe('a log SLI', () => {
  it('groups bodies that differ only in ids and numbers into one cause with the normalized body', async () => {
    const a = await attribution('mailer-error-logs', { config_hash: MAILER_V2, from: iso(now - 6 * HOUR), to: iso(now) });
    expect(a).toMatchObject({ sli: 'logs', bad_events: 24, total_events: 424, baseline: { kind: 'release', config_hash: MAILER_V1, bad_events: 4, total_events: 404 } });
    expect(a.causes.map((c) => [c.kind, c.operation, c.error_type, c.count, c.change])).toEqual([
      ['log', 'ERROR', 'payment provider timeout after <n> ms for order <id>', 20, 'new'],
      ['log', 'ERROR', 'smtp <n> from mx<n>.example.net: try again later', 4, 'steady'],
    ]);
    expect(a.causes[0]!.headline).toBe('ERROR payment provider timeout after <n> ms for order <id>');
    expect(a.causes[0]!.example_log_lines).toEqual(timeoutBodies.slice(0, 3));
    expect(a.causes[0]).toMatchObject({ dependency: '', dependency_operation: '', config_hashes: [MAILER_V2] });
  });

  it('counts a record in both the range and the week before it on both sides', async () => {
    // Eight days against the eight days before the last seven: the smtp errors of 7.5 days ago are in both.
    const a = await attribution('mailer-error-logs', { from: iso(now - 8 * DAY), to: iso(now) });
    expect(a).toMatchObject({ bad_events: 30, total_events: 830, baseline: { kind: 'range', bad_events: 2, total_events: 2 } });
    expect(a.causes.map((c) => [c.error_type, c.count, c.baseline_count])).toEqual([
      ['payment provider timeout after <n> ms for order <id>', 20, 0],
      ['smtp <n> from mx<n>.example.net: try again later', 10, 2],
    ]);
  });
});

describe('shares and counts of one answer', () => {
  it('lists twenty causes, folds the rest together, and the shares add up to 1', async () => {
    const a = await attribution('zoo-availability', { from: iso(now - 3 * HOUR), to: iso(now), baseline: 'none' });
    expect(a.bad_events).toBe(325);
    expect(a.causes.map((c) => c.count)).toEqual(Array.from({ length: 20 }, (_, k) => 25 - k));
    expect(a.causes[0]!.headline).toBe('ZooError25 in GET /animals');
    expect(a.other_causes).toEqual({ causes: 5, count: 15, share: 15 / 325 });
    expect(sumOf(a.causes.map((c) => c.share)) + a.other_causes!.share).toBeCloseTo(1, 12);
    expect(sumOf(a.causes.map((c) => c.count)) + a.other_causes!.count).toBe(a.bad_events);
  });

  it("counts exactly the SLO's bad events: as the SLO's own numbers and the stored spans say", async () => {
    const a = await attribution('zoo-availability', { from: iso(now - 3 * HOUR), to: iso(now), baseline: 'none' });
    const status = await getJson<{ windows: Record<string, { total: number; bad: number }> }>('/v1/slos/zoo-availability');
    expect(status.windows['30d']).toMatchObject({ total: 1_000, bad: 325 });
    const [raw] = await tg.store.query<{ n: string }>(
      "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'zoo' AND SpanKind = 'Server' AND StatusCode = 'Error'",
    );
    expect(a.bad_events).toBe(Number(raw!.n));
    expect(a.total_events).toBe(1_000);
    for (const other of ['items-latency', 'catalog-availability', 'checkout-availability']) {
      const b = await attribution(other, { from: iso(now - 6 * HOUR), to: iso(now) });
      expect(sumOf(b.causes.map((c) => c.count)) + (b.other_causes?.count ?? 0)).toBe(b.bad_events);
      expect(sumOf(b.causes.map((c) => c.share)) + (b.other_causes?.share ?? 0)).toBeCloseTo(1, 12);
    }
  });
});

describe('a release too small to compare significantly', () => {
  it('is allowed, and the summary says why instead of "no worse"', async () => {
    const g = await gate('search', 'prod', 'search', 'search-v2');
    expect(g.decision).toBe('allow');
    expect(g.summary).toBe('allow: 5.0 % vs 0.1 % of search-availability events in staging, on 20 events, is not significant yet; prod budgets healthy');
    // One-sided Fisher: 1 − C(1000, 2) / C(1020, 2) = 0.0388… of both failures landing at least once among the release's 20.
    expect(g.checks.find((c) => c.check === 'release_vs_baseline')).toMatchObject({
      passed: true,
      detail: 'in staging this release fails 5.0 % of search-availability events against 0.1 % for its baseline: above 2× but not significant at 0.01 (Fisher exact test, p = 0.039)',
    });
  });
});

describe('reasons count in words', () => {
  it('says "1 time", for the cause and for its baseline', async () => {
    const g = await gate('notes', 'prod', 'notes', 'notes-v2');
    expect(g.decision).toBe('deny');
    // 500 events over the period allow 0.5 bad; 1 is −100 % left. Nothing in the last hour: no burn rate to say.
    expect(g.summary).toBe("deny: prod has spent notes-availability's error budget (−100 % left); top cause NotesLockTimeoutError in GET /notes");
    // The period and the same period a week earlier both hold the failure of ten days ago.
    const top = g.evidence.top_causes[0]!;
    expect(g.reasons.at(-1)).toBe(
      "top cause of notes-availability's bad events: NotesLockTimeoutError in GET /notes, 1 time (100 % of them, 200 % of its error budget); " +
      `1 time in its baseline; example trace ${top.example_trace_ids[0]}`,
    );
  });
});

describe('release markers', () => {
  const v2FirstMinute = Math.floor((now - 4 * HOUR + MIN) / MIN) * MIN;
  const deployedAt = now - 4 * HOUR + MIN / 2;

  it("shows the deploy event and the config_hash's first minute on the SLO's charts", async () => {
    const s = await getJson<{ markers: Array<Record<string, string>> }>('/ui/api/slos/items-latency/series');
    expect(s.markers.filter((m) => m['config_hash'] === ITEMS_V2)).toEqual([
      { kind: 'deploy', time: iso(deployedAt), service: 'items', environment: 'staging', config_hash: ITEMS_V2, app: 'items', revision: 'r42' },
      { kind: 'first_seen', time: iso(v2FirstMinute), service: 'items', environment: 'staging', config_hash: ITEMS_V2, app: '', revision: '' },
    ].sort((x, y) => x.time.localeCompare(y.time)));
  });

  it('answers them as tollgate_release_marker samples through the Prometheus API', async () => {
    const start = Math.floor((now - 5 * HOUR) / 1000);
    const end = Math.floor((now - 3 * HOUR) / 1000);
    const q = new URLSearchParams({ query: `tollgate_release_marker{service="items",config_hash="${ITEMS_V2}"}`, start: String(start), end: String(end), step: '60' });
    const body = await getJson<{ status: string; data: { resultType: string; result: Array<{ metric: Record<string, string>; values: [number, string][] }> } }>(`/api/v1/query_range?${q.toString()}`);
    expect(body.data.resultType).toBe('matrix');
    const byKind = new Map(body.data.result.map((r) => [r.metric['kind'], r]));
    expect([...byKind.keys()].sort()).toEqual(['deploy', 'first_seen']);
    expect(byKind.get('deploy')!.metric).toEqual({
      __name__: 'tollgate_release_marker', kind: 'deploy', service: 'items', environment: 'staging', config_hash: ITEMS_V2, app: 'items', revision: 'r42',
    });
    // A sample is seen at each step within the lookback (5 minutes) after it, as any Prometheus sample.
    const firstStep = (atMs: number) => start + Math.ceil((atMs / 1000 - start) / 60) * 60;
    expect(byKind.get('deploy')!.values[0]).toEqual([firstStep(deployedAt), '1']);
    expect(byKind.get('first_seen')!.values[0]).toEqual([firstStep(v2FirstMinute), '1']);
  });
});
