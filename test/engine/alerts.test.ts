/**
 * Alert state over time with a controlled clock: a page fires on the evaluation where both
 * windows burn above 14.4×, resolves once the short window recovers, every transition is stored,
 * what is firing survives a restart, and low traffic cannot fire.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSloEngine, openSloRegistry, type EvaluatedSlo, type SloRegistry } from '../../src/engine/index.js';
import { sendSpans, spread } from '../helpers/spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const MIN = 60_000;
const T = Date.UTC(2026, 0, 10, 12, 0, 0); // the evaluation instant of phase 1
const SLOS = `
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: api-availability}
spec:
  service: api
  objective: 99.9
  period: 30d
  sli: {spans: {bad: {status: error}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: api-availability-guarded}
spec:
  service: api
  objective: 99.9
  period: 30d
  sli: {spans: {bad: {status: error}}}
  alerting: {min_events: 100000}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: api-minutes}
spec:
  service: api
  objective: 90
  period: 30d
  budgeting: timeslices
  timeslice: {window: 1m, target: 0.99}
  sli: {spans: {bad: {status: error}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: api-half-minutes}
spec:
  service: api
  objective: 90
  period: 30d
  budgeting: timeslices
  timeslice: {window: 30s, target: 0.97}
  sli: {spans: {bad: {status: error}}}
`;

let tg: InProcessTollgate;
let sloDir: string;
let registry: SloRegistry;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  sloDir = tempDir('tollgate-alert-slos-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'api.yaml'), SLOS);
  tg = await startInProcess({ TOLLGATE_SLO_DIR: sloDir, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  registry = await openSloRegistry({ dir: sloDir, log });
  // Phase 1: ten minutes up to T at 1,000 spans a minute, 2 % failing: burn rate 20 in every window.
  await sendSpans(tg.otlpHttpUrl, { service: 'api' }, spread(10_000, T - 9 * MIN, T + MIN - 1, (i) => ({ error: i % 50 === 0 })));
  // Phase 2: the ten minutes after it, clean.
  await sendSpans(tg.otlpHttpUrl, { service: 'api' }, spread(10_000, T + MIN, T + 11 * MIN, () => ({})));
});
afterAll(async () => {
  registry?.close();
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

async function evaluateAt(nowMs: number, name = 'api-availability'): Promise<EvaluatedSlo> {
  // A new engine each time, as after a restart: its minutes are recorded back from the store.
  const engine = await createSloEngine({ store: tg.store, registry, log, now: () => nowMs });
  await engine.recordNow({ backfill: true });
  const result = await engine.evaluate(name);
  if (result === undefined || !result.ok) throw new Error(`evaluation failed: ${JSON.stringify(result)}`);
  return result.value;
}

const page = (e: EvaluatedSlo) => e.status.alerts.find((a) => a.shortWindow === '5m')!;
const events = () =>
  tg.store.query<{ Transition: string; at: string }>(
    `SELECT Transition, toUnixTimestamp64Milli(EventTime) AS at FROM tollgate_alert_events WHERE AlertKey = 'api-availability/page/5m/1h' ORDER BY EventTime`,
  );

describe('a fast burn', () => {
  it('fires the page alert on the first evaluation where both windows exceed 14.4×, and stores it', async () => {
    const e = await evaluateAt(T + 30_000);
    expect(e.status.windows['5m']).toEqual({ total: 5_000, bad: 100, errorRatio: 0.02, burnRate: 20 });
    expect(e.status.windows['1h']).toEqual({ total: 10_000, bad: 200, errorRatio: 0.02, burnRate: 20 });
    expect(page(e)).toMatchObject({ state: 'firing', burnFactor: 14.4, sinceMs: T + 30_000, shortBurnRate: 20, longBurnRate: 20 });
    expect(await events()).toEqual([{ Transition: 'fired', at: String(T + 30_000) }]);
  });

  it('keeps firing after a restart without a second "fired" event, since the original time', async () => {
    const e = await evaluateAt(T + 50_000); // a new engine: its state comes from the stored events
    expect(page(e)).toMatchObject({ state: 'firing', sinceMs: T + 30_000 });
    expect(await events()).toHaveLength(1);
  });

  it('resolves once the short window recovers, and stores that', async () => {
    // At T+10m the 5m window (T+6m..T+10m) holds only clean spans; the 1h window still burns at 10.
    const e = await evaluateAt(T + 10 * MIN + 30_000);
    expect(e.status.windows['5m']).toMatchObject({ bad: 0 });
    expect(page(e)).toMatchObject({ state: 'inactive', sinceMs: null });
    expect((await events()).map((r) => r.Transition)).toEqual(['fired', 'resolved']);
  });

  it('never fires when a window has fewer events than min_events', async () => {
    const e = await evaluateAt(T + 30_000, 'api-availability-guarded');
    expect(e.status.alerts.every((a) => a.state === 'inactive')).toBe(true);
    expect(page(e).reason).toMatch(/100000/);
  });
});

describe('timeslice budgeting', () => {
  it('counts a window in slices, a slice failing when its good ratio is under the target', async () => {
    // At T+30s the windows end with minute T. Every minute of phase 1 (T-9m..T) has 1,000 spans
    // and 20 errors: 98 % good, under 99 %, so each is a bad slice; older minutes have no events
    // and count as good slices. The 30d window starts at the first whole hour inside it (T is
    // 12:00, so 13:00 thirty days before): 30 days less 59 minutes of slices.
    const e = await evaluateAt(T + 30_000, 'api-minutes');
    expect(e.status.sliSource).toBe('span-rollup');
    expect(e.status.windows['5m']).toMatchObject({ total: 5, bad: 5 });
    expect(e.status.windows['1h']).toMatchObject({ total: 60, bad: 10 });
    expect(e.status.windows['30d']).toMatchObject({ total: 43_141, bad: 10 });
    // 10 bad of 43,141 one-minute slices against a 10 % budget.
    expect(e.status.errorBudget.consumed).toBeCloseTo(10 / 43_141 / 0.1, 12);
  });

  it('slices by 30 s from raw spans when the slice is not whole minutes, good when ≥ target', async () => {
    // 500 spans and 10 errors every 30 s in phase 1: 98 % good, above 97 %: no bad slice.
    const e = await evaluateAt(T + 30_000, 'api-half-minutes');
    expect(e.status.sliSource).toBe('raw-spans');
    expect(e.status.windows['5m']).toMatchObject({ total: 10, bad: 0 });
    expect(e.status.windows['1h']).toMatchObject({ total: 120, bad: 0 });
  });
});
