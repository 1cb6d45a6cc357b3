/**
 * The HTTP side of budget adjustments and backtests on a real in-process Tollgate with tokens:
 * POST /v1/backtest needs scope read, refuses what it cannot read with a JSON error, and answers
 * the report as JSON or Markdown; GET /v1/slos/{name} lists the adjustments over the period with
 * the events they leave out; the SLO page's chart data carries them as bands.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/index.js';
import type { ReportWire } from '../../src/backtest/index.js';
import { exportSpans } from '../helpers/exported-spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const MIN = 60_000;
const NOW = Math.floor(Date.now() / MIN) * MIN;
const OUTAGE_FROM = NOW - 90 * MIN;
const OUTAGE_TO = NOW - 60 * MIN;
const READ = 'read-token-1';
const INGEST = 'ingest-token-1';
const TOKENS = JSON.stringify({ tokens: [
  { name: 'reader', sha256: hashToken(READ), scopes: ['read'] },
  { name: 'collector', sha256: hashToken(INGEST), scopes: ['ingest'] },
] });
const SLO = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: cart-availability}
spec:
  service: cart
  objective: 99
  period: 7d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
`;
const ADJUSTMENT = `apiVersion: tollgate.dev/v1
kind: BudgetAdjustment
metadata: {name: cart-outage}
spec:
  slos: [cart-availability]
  reason: payment provider outage
  exclude: {from: "${new Date(OUTAGE_FROM).toISOString()}", to: "${new Date(OUTAGE_TO).toISOString()}"}
`;

let tg: InProcessTollgate;
let sloDir: string;
const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

beforeAll(async () => {
  sloDir = tempDir('tollgate-backtest-routes-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'cart.yaml'), `${SLO}---\n${ADJUSTMENT}`);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_TOKENS: TOKENS, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  // Two hours of traffic; every request of the outage's half hour fails.
  await exportSpans(`${tg.otlpHttpUrl}`, { service: 'cart', configHash: 'cart-1' }, Array.from({ length: 120 }, (_, i) => {
    const startMs = NOW - 120 * MIN + i * MIN + 1_000;
    return { startMs, error: startMs >= OUTAGE_FROM && startMs < OUTAGE_TO };
  }), { headers: { authorization: `Bearer ${INGEST}` } });
  await tg.engine!.recordNow({ backfill: true });
}, 120_000);

afterAll(async () => {
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

const files = (extra = '') => ({ label: 'x', files: [{ path: 'cart.yaml', text: `${SLO}${extra}` }] });
const post = (body: unknown, token = READ, query = '') =>
  fetch(`${tg.apiUrl}/v1/backtest${query}`, { method: 'POST', headers: auth(token), body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('POST /v1/backtest', () => {
  it('needs a token with scope read', async () => {
    expect((await fetch(`${tg.apiUrl}/v1/backtest`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await post({ base: files(), head: files() }, INGEST)).status).toBe(403);
  });

  it.each<[string, string | object, number, RegExp]>([
    ['a body that is not JSON', '{', 400, /^body must be JSON/],
    ['a body of another shape', { base: files() }, 400, /^head: /],
    ['a file over the SLO directory limit', { base: files(), head: { label: 'h', files: [{ path: 'big.yaml', text: 'x'.repeat(1024 * 1024 + 1) }] } }, 413, /big\.yaml is larger than 1048576 bytes/],
  ])('answers %s with a JSON error', async (_name, body, status, message) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('backtests the adjustment\'s removal: the outage counts again and the budget falls', async () => {
    const res = await post({ base: { label: 'main', files: [{ path: 'cart.yaml', text: `${SLO}---\n${ADJUSTMENT}` }] }, head: { label: 'pr', files: [{ path: 'cart.yaml', text: SLO }] } });
    expect(res.status).toBe(200);
    const report = (await res.json()) as ReportWire;
    expect(report.adjustments).toEqual([expect.objectContaining({ name: 'cart-outage', change: 'removed', slos: ['cart-availability'] })]);
    const [slo] = report.slos;
    expect(slo).toMatchObject({ name: 'cart-availability', change: 'affected', because: ['cart-outage'] });
    expect(slo!.before).toMatchObject({ total: 90, bad: 0, budget_remaining: 1, excluded_minutes: 30 });
    expect(slo!.after).toMatchObject({ total: 120, bad: 30, excluded_minutes: 0 });
    expect(slo!.after!.budget_remaining).toBeCloseTo(1 - 0.25 / 0.01, 10);
    const markdown = await (await post({ base: { label: 'main', files: [{ path: 'cart.yaml', text: `${SLO}---\n${ADJUSTMENT}` }] }, head: { label: 'pr', files: [{ path: 'cart.yaml', text: SLO }] } }, READ, '?format=markdown')).text();
    expect(markdown).toContain('| `cart-availability` | via cart-outage | 100.00 % → -2400.00 % |');
  });
});

describe('budget adjustments over HTTP', () => {
  it('are listed in /v1/slos/{name} with their minutes and the events they leave out', async () => {
    const res = await fetch(`${tg.apiUrl}/v1/slos/cart-availability`, { headers: auth(READ) });
    const body = (await res.json()) as { windows: Record<string, { total: number; bad: number }>; error_budget: { remaining: number }; adjustments: unknown[] };
    expect(body.windows['7d']).toMatchObject({ total: 90, bad: 0 });
    expect(body.error_budget.remaining).toBe(1);
    expect(body.adjustments).toEqual([{
      name: 'cart-outage', reason: 'payment provider outage',
      exclude: `from ${new Date(OUTAGE_FROM).toISOString()} to ${new Date(OUTAGE_TO).toISOString()}`,
      source: `${path.join(sloDir, 'cart.yaml')}:12:18`,
      intervals: [{ from: new Date(OUTAGE_FROM).toISOString(), to: new Date(OUTAGE_TO).toISOString() }],
      excluded_events: { total: 30, bad: 30 },
    }]);
  });

  it('leave the Sloth-named series too', async () => {
    const query = encodeURIComponent('slo:period_error_budget_remaining:ratio{sloth_slo="cart-availability"}');
    const body = (await (await fetch(`${tg.apiUrl}/api/v1/query?query=${query}`, { headers: auth(READ) })).json()) as { data: { result: Array<{ value: [number, string] }> } };
    expect(body.data.result.map((r) => r.value[1])).toEqual(['1']);
    const ratio = encodeURIComponent('slo:sli_error:ratio_rate1h{sloth_slo="cart-availability"}');
    const hour = (await (await fetch(`${tg.apiUrl}/api/v1/query?query=${ratio}&time=${(OUTAGE_TO - MIN) / 1000}`, { headers: auth(READ) })).json()) as { data: { result: Array<{ value: [number, string] }> } };
    expect(hour.data.result.map((r) => r.value[1])).toEqual(['0']);
  });

  it('are bands on the SLO page\'s charts', async () => {
    const body = (await (await fetch(`${tg.apiUrl}/ui/api/slos/cart-availability/series`, { headers: auth(READ) })).json()) as { excluded: unknown[] };
    expect(body.excluded).toEqual([{ from: OUTAGE_FROM / 1000, to: OUTAGE_TO / 1000, name: 'cart-outage', reason: 'payment provider outage' }]);
  });
});
