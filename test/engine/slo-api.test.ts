/**
 * The SLO API over real stored spans and logs: exact counts per window, the budget, alerts by the
 * Workbook rules, the split by release, and the rollup agreeing exactly with raw scans.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';
import { sendSpans, spread } from '../helpers/spans.js';

const SLOS = `
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: checkout-availability}
spec:
  service: checkout
  objective: 99.9
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: checkout-latency}
spec:
  service: checkout
  objective: 99
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {duration_over: 300ms}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: checkout-latency-raw}
spec:
  service: checkout
  objective: 99
  period: 30d
  sli: {spans: {match: {kind: server, attributes: {app.region: eu}}, bad: {duration_over: 300ms}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: checkout-5xx}
spec:
  service: checkout
  objective: 99.9
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {http_status: 5xx}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: checkout-5xx-raw}
spec:
  service: checkout
  objective: 99.9
  period: 30d
  sli: {spans: {match: {kind: server, attributes: {app.region: eu}}, bad: {http_status: [500, 501, 502, 503, 504, 505, 506, 507, 508, 509, 510, 511]}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: frontend-logs}
spec:
  service: frontend
  objective: 99.5
  period: 7d
  sli: {logs: {bad: {severity_at_least: ERROR}}}
`;

const MIN = 60_000;
let tg: InProcessTollgate;
let sloDir: string;
let minuteStart: number;

interface WindowJson { total: number; bad: number; error_ratio: number | null; burn_rate: number | null }
interface SloJson {
  windows: Record<string, WindowJson>;
  error_budget: { remaining: number; consumed: number; exhausted_in_seconds: number | null };
  alerts: Array<{ severity: string; state: string; short_window: string; long_window: string; burn_factor: number }>;
  releases: Array<{ config_hash: string; total: number; bad: number; error_ratio: number | null }>;
  sli_source: string;
}
const getSlo = async (name: string): Promise<SloJson> => (await (await fetch(`${tg.apiUrl}/v1/slos/${name}`)).json()) as SloJson;

beforeAll(async () => {
  sloDir = tempDir('tollgate-slos-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'checkout.yaml'), SLOS);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  const now = Date.now();
  minuteStart = Math.floor(now / MIN) * MIN;
  const region = { 'app.region': 'eu' };
  // New release: 10,000 spans in the 2nd-4th minutes before this one, 50 errors (5xx), durations
  // 50 ms except every 10th at 450 ms and every 7th at exactly 300 ms (not slower than 300 ms).
  await sendSpans(tg.otlpHttpUrl, { service: 'checkout', configHash: 'cfg-new', environment: 'prod' },
    spread(10_000, minuteStart - 3 * MIN, minuteStart - 1 * MIN, (i) => ({
      error: i % 200 === 0, httpStatus: i % 200 === 0 ? 503 : 200, attributes: region,
      durationMs: i % 10 === 0 ? 450 : i % 7 === 0 ? 300 : 50,
    })));
  // Old release three hours ago: 4,000 spans, 400 errors (502).
  await sendSpans(tg.otlpHttpUrl, { service: 'checkout', configHash: 'cfg-old', environment: 'prod' },
    spread(4_000, now - 3 * 60 * MIN, now - 3 * 60 * MIN + 10 * MIN, (i) => ({ error: i % 10 === 0, httpStatus: i % 10 === 0 ? 502 : 200, attributes: region })));
  // Old release ten days ago: 20,000 clean spans; and client spans, which no SLO counts.
  await sendSpans(tg.otlpHttpUrl, { service: 'checkout', configHash: 'cfg-old', environment: 'prod' },
    spread(20_000, now - 10 * 24 * 60 * MIN, now - 10 * 24 * 60 * MIN + 60 * MIN, () => ({ attributes: region, httpStatus: 200 })));
  await sendSpans(tg.otlpHttpUrl, { service: 'checkout', configHash: 'cfg-new' }, spread(500, now - 2 * MIN, now - MIN, () => ({ kind: 3, error: true })));
});
afterAll(async () => {
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

describe('GET /v1/slos/{name}', () => {
  it('counts events per window exactly, event-weighted', async () => {
    const s = await getSlo('checkout-availability');
    // 5m..1h hold only the new release's 10,000 spans; 6h..3d add the 4,000 from three hours ago;
    // 30d adds the 20,000 from ten days ago. Client spans are not server spans.
    expect(s.windows['5m']).toEqual({ total: 10_000, bad: 50, error_ratio: 0.005, burn_rate: 5 });
    expect(s.windows['1h']).toEqual(s.windows['5m']);
    expect(s.windows['2h']).toEqual(s.windows['5m']);
    // Burn rates are exact ratios rounded once: 450/14000 ÷ 0.001 is 450/14, not two float divisions.
    expect(s.windows['6h']).toEqual({ total: 14_000, bad: 450, error_ratio: 450 / 14_000, burn_rate: 450 / 14 });
    expect(s.windows['3d']).toEqual(s.windows['6h']);
    expect(s.windows['30d']).toEqual({ total: 34_000, bad: 450, error_ratio: 450 / 34_000, burn_rate: 450 / 34 });
    expect(s.sli_source).toBe('span-rollup');
  });

  it('gives the budget over the period: 1 − error ratio / (1 − objective), negative when overspent', async () => {
    const s = await getSlo('checkout-availability');
    expect(s.error_budget.consumed).toBeCloseTo(450 / 34_000 / 0.001, 12);
    expect(s.error_budget.remaining).toBeCloseTo(1 - 450 / 34_000 / 0.001, 12);
    expect(s.error_budget.exhausted_in_seconds).toBe(0);
  });

  it('fires the ticket alerts whose both windows burn above their factor, and no page', async () => {
    const s = await getSlo('checkout-availability');
    const state = Object.fromEntries(s.alerts.map((a) => [`${a.short_window}/${a.long_window}`, [a.state, a.burn_factor]]));
    // 5m/1h: burn 5 < 14.4; 30m/6h: 30m burns 5 < 6; 2h/1d: 5 and 32.1 > 3; 6h/3d: 32.1 > 1.
    expect(state).toEqual({ '5m/1h': ['inactive', 14.4], '30m/6h': ['inactive', 6], '2h/1d': ['firing', 3], '6h/3d': ['firing', 1] });
  });

  it('splits the period by release', async () => {
    const s = await getSlo('checkout-availability');
    expect(s.releases).toEqual([
      { config_hash: 'cfg-old', total: 24_000, bad: 400, error_ratio: 400 / 24_000 },
      { config_hash: 'cfg-new', total: 10_000, bad: 50, error_ratio: 0.005 },
    ]);
  });

  it('answers a latency SLO from the rollup exactly as a raw scan does', async () => {
    const rollup = await getSlo('checkout-latency');
    const raw = await getSlo('checkout-latency-raw');
    expect(rollup.sli_source).toBe('span-rollup');
    expect(raw.sli_source).toBe('raw-spans');
    // Every 10th of the new release's spans took 450 ms; the 300 ms ones are not slower than 300 ms.
    expect(rollup.windows['5m']).toMatchObject({ total: 10_000, bad: 1_000 });
    expect(raw.windows).toEqual(rollup.windows);
    expect(raw.releases).toEqual(rollup.releases);
  });

  it('answers an HTTP status SLO from the rollup exactly as a raw scan does', async () => {
    const rollup = await getSlo('checkout-5xx');
    const raw = await getSlo('checkout-5xx-raw');
    expect(rollup.windows['30d']).toMatchObject({ total: 34_000, bad: 450 });
    expect(raw.windows).toEqual(rollup.windows);
  });

  it('answers 404 for an unknown SLO', async () => {
    const res = await fetch(`${tg.apiUrl}/v1/slos/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no SLO named "nope"' });
  });

  it('reflects spans acknowledged just before the call', async () => {
    await sendSpans(tg.otlpHttpUrl, { service: 'frontend' }, []);
    const before = (await getSlo('checkout-availability')).windows['5m']!.total;
    await sendSpans(tg.otlpHttpUrl, { service: 'checkout', configHash: 'cfg-new' }, spread(7, Date.now() - 30_000, Date.now() - 20_000));
    expect((await getSlo('checkout-availability')).windows['5m']!.total).toBe(before + 7);
  });
});

describe('log SLIs', () => {
  it('counts log records at or above the bad severity', async () => {
    const now = Date.now();
    const records = Array.from({ length: 40 }, (_, i) => ({
      timeUnixNano: String(BigInt(now - 60_000 + i * 100) * 1_000_000n),
      severityNumber: i % 8 === 0 ? 17 : i % 8 === 1 ? 21 : 9,
      severityText: 'x',
      body: { stringValue: `line ${i}` },
    }));
    const res = await fetch(`${tg.otlpHttpUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'frontend' } }] }, scopeLogs: [{ logRecords: records }] }] }),
    });
    expect(res.status).toBe(200);
    const s = await getSlo('frontend-logs');
    // ERROR (17) and FATAL (21) are both at least ERROR: 2 of every 8 records.
    expect(s.windows['5m']).toEqual({ total: 40, bad: 10, error_ratio: 0.25, burn_rate: 50 });
    expect(s.sli_source).toBe('raw-logs');
  });
});

describe('GET /v1/slos', () => {
  it('lists every SLO with its budget and firing alerts', async () => {
    const body = (await (await fetch(`${tg.apiUrl}/v1/slos`)).json()) as { slos: Array<{ name: string; alerts_firing: number; error_budget: { remaining: number } }>; problems: string[] };
    expect(body.slos.map((s) => s.name).sort()).toEqual(
      ['checkout-5xx', 'checkout-5xx-raw', 'checkout-availability', 'checkout-latency', 'checkout-latency-raw', 'frontend-logs'],
    );
    expect(body.slos.find((s) => s.name === 'checkout-availability')).toMatchObject({ alerts_firing: 2 });
    expect(body.problems).toEqual([]);
  });

  it('reports a file that stops validating and keeps its last good version loaded', async () => {
    writeFileSync(path.join(sloDir, 'checkout.yaml'), SLOS.replace('objective: 99.9\n  period: 30d\n  sli: {spans: {match: {kind: server}, bad: {status: error}}}', 'objective: 100\n  period: 30d\n  sli: {spans: {match: {kind: server}, bad: {status: error}}}'));
    writeFileSync(path.join(sloDir, 'extra.yaml'), SLOS.split('---')[0]!.replace('checkout-availability', 'payments-availability').replace('service: checkout', 'service: payments'));
    await tg.slos!.reload();
    const body = (await (await fetch(`${tg.apiUrl}/v1/slos`)).json()) as { slos: Array<{ name: string; error?: string }>; problems: string[] };
    expect(body.problems).toHaveLength(1);
    expect(body.problems[0]).toMatch(/checkout\.yaml:7:14: objective must be between 0 and 100 \(exclusive\), got 100/);
    expect(body.slos.map((s) => s.name)).toContain('payments-availability');
    const kept = body.slos.find((s) => s.name === 'checkout-availability');
    expect(kept?.error).toMatch(/does not validate; serving its last good version/);
    expect((await getSlo('checkout-availability')).windows['5m']!.total).toBeGreaterThanOrEqual(10_000);
  });

  it('picks up a changed file within seconds without a reload call', async () => {
    writeFileSync(path.join(sloDir, 'checkout.yaml'), SLOS);
    const deadline = Date.now() + 5_000;
    let problems: string[] = ['pending'];
    while (Date.now() < deadline && problems.length > 0) {
      await new Promise((r) => setTimeout(r, 200));
      problems = ((await (await fetch(`${tg.apiUrl}/v1/slos`)).json()) as { problems: string[] }).problems;
    }
    expect(problems).toEqual([]);
  });
});
