/**
 * Recorded SLO minutes with a controlled clock, on real stored spans (official OTLP JSON over a
 * real socket, real chDB): late data inside the re-record horizon is counted at the next settle,
 * older late data at the next reconcile; a restarted engine serves the same numbers from the table
 * within seconds; an edited SLO is recorded back over its period; and every number equals a raw
 * scan of the same minutes.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSloEngine, openSloRegistry, type SloEngine, type SloRegistry } from '../../src/engine/index.js';
import { planWindows } from '../../src/slo/evaluate/index.js';
import { sliQuery, type WindowCounts } from '../../src/slo/sli/index.js';
import { sendSpans, spread } from '../helpers/spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** The engine's clock starts here: a whole minute, a few hours ago (data is sent around it). */
const T = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;

const SLO = (bad: string, match = '{kind: server}') => `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: api-availability}
spec:
  service: api
  objective: 99
  period: 30d
  sli: {spans: {match: ${match}, bad: ${bad}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: api-eu}
spec:
  service: api
  objective: 99
  period: 30d
  sli: {spans: {match: {kind: server, attributes: {app.region: eu}}, bad: {status: error}}}
`;

let tg: InProcessTollgate;
let sloDir: string;
let registry: SloRegistry;
let nowMs = T;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  sloDir = tempDir('tollgate-recording-slos-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'api.yaml'), SLO('{status: error}'));
  // The running Tollgate records nothing (its SLO directory is empty): only the engines under test do.
  const empty = tempDir('tollgate-recording-empty-');
  mkdirSync(empty, { recursive: true });
  tg = await startInProcess({ TOLLGATE_SLO_DIR: empty, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  registry = await openSloRegistry({ dir: sloDir, log });
  // Ten minutes 20 days before T, and the two hours up to T's minute: 100 spans a minute, 1 % failing, a fifth in eu.
  const attrs = (i: number) => ({ error: i % 100 === 0, attributes: { 'app.region': i % 5 === 0 ? 'eu' : 'us' } });
  await sendSpans(tg.otlpHttpUrl, { service: 'api', configHash: 'cfg-1' }, spread(1_000, T - 20 * 24 * HOUR, T - 20 * 24 * HOUR + 10 * MIN - 1, attrs));
  await sendSpans(tg.otlpHttpUrl, { service: 'api', configHash: 'cfg-2' }, spread(12_100, T - 2 * HOUR, T + MIN - 1, attrs));
}, 120_000);

afterAll(async () => {
  registry?.close();
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

/** The running Tollgate keeps data for ten years (test/helpers/tollgate.ts): so do the engines, or they would not backfill it. */
const DECADE = 3_650 * 86_400;
const retention = { tracesSeconds: DECADE, logsSeconds: DECADE, metricsSeconds: DECADE, rollupSeconds: DECADE, historySeconds: DECADE };
const newEngine = (): Promise<SloEngine> => createSloEngine({ store: tg.store, registry, log, retention, now: () => nowMs });

async function engineAt(): Promise<SloEngine> {
  const engine = await newEngine();
  await engine.recordNow({ backfill: true });
  return engine;
}

async function windowsOf(engine: SloEngine, name: string): Promise<Record<string, { total: number; bad: number }>> {
  const e = await engine.evaluate(name);
  if (e === undefined || !e.ok) throw new Error(`evaluation failed: ${JSON.stringify(e)}`);
  return Object.fromEntries(Object.entries(e.value.status.windows).map(([k, w]) => [k, { total: w.total, bad: w.bad }]));
}

/** The same windows counted by scanning raw spans. */
async function rawWindows(name: string): Promise<Record<string, { total: number; bad: number }>> {
  const slo = registry.current().slos.find((s) => s.name === name)!;
  const plan = planWindows(slo, nowMs);
  const query = sliQuery({ slo, windows: plan.windows, endMinuteSeconds: plan.endMinuteSeconds, scan: 'raw' });
  const counts = query.read(await tg.store.query<Record<string, unknown>>(query.sql, query.params)).total;
  return Object.fromEntries(Object.entries(counts).map(([k, c]: [string, WindowCounts]) => [k, { total: c.totalEvents, bad: c.badEvents }]));
}

describe('recorded minutes', () => {
  let first: SloEngine;

  it('record back over the period on first sight and equal raw scans in every window', async () => {
    nowMs = T + 30_000;
    first = await engineAt();
    for (const name of ['api-availability', 'api-eu']) expect(await windowsOf(first, name)).toEqual(await rawWindows(name));
    expect((await windowsOf(first, 'api-availability'))['30d']).toEqual({ total: 13_100, bad: 131 });
    const recording = (await first.evaluate('api-availability'))!;
    expect(recording.ok && recording.value.recording).toMatchObject({ state: 'live', progress: 1 });
  });

  it('count late spans inside the re-record horizon at the next settle', async () => {
    const before = (await windowsOf(first, 'api-availability'))['5m']!;
    // Two minutes late, after T's minutes were recorded.
    await sendSpans(tg.otlpHttpUrl, { service: 'api', configHash: 'cfg-2' }, spread(500, T - 2 * MIN, T - 2 * MIN + 59_000, () => ({ error: true })));
    nowMs = T + 45_000;
    await first.recordNow();
    expect((await windowsOf(first, 'api-availability'))['5m']).toEqual({ total: before.total + 500, bad: before.bad + 500 });
    expect(await windowsOf(first, 'api-availability')).toEqual(await rawWindows('api-availability'));
  });

  it('count older late spans at the next reconcile, and count them as late', async () => {
    // Half an hour late: past the re-record horizon, so the next settle does not read that minute again.
    await sendSpans(tg.otlpHttpUrl, { service: 'api', configHash: 'cfg-2' }, spread(300, T - 30 * MIN, T - 30 * MIN + 59_000, () => ({ error: true })));
    nowMs = T + 55_000;
    const before = (await windowsOf(first, 'api-availability'))['1h']!;
    await first.recordNow();
    expect((await windowsOf(first, 'api-availability'))['1h']).toEqual(before);
    expect(await first.reconcileNow()).toBe(300);
    expect((await windowsOf(first, 'api-availability'))['1h']).toEqual({ total: before.total + 300, bad: before.bad + 300 });
    expect(await windowsOf(first, 'api-availability')).toEqual(await rawWindows('api-availability'));
  });

  it('serve the same numbers after a restart, read back from the table within seconds', async () => {
    const before = await windowsOf(first, 'api-availability');
    const started = performance.now();
    const restarted = await newEngine();
    await restarted.recordNow();
    expect(await windowsOf(restarted, 'api-availability')).toEqual(before);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('record an edited SLO back over its period under a new version, and equal raw scans', async () => {
    writeFileSync(path.join(sloDir, 'api.yaml'), SLO('{status: error}', '{kind: server, attributes: {app.region: us}}'));
    await registry.reload();
    nowMs = T + 65_000;
    const engine = await newEngine();
    await engine.recordNow();
    const backfilling = (await engine.evaluate('api-availability'))!;
    expect(backfilling.ok && backfilling.value.recording?.state).toBe('backfilling');
    await engine.recordNow({ backfill: true });
    const after = await windowsOf(engine, 'api-availability');
    expect(after).toEqual(await rawWindows('api-availability'));
    expect(after['30d']!.total).toBe(10_480); // four fifths of 13,100, and none of the late spans (no region)
  });
});
