/**
 * Budget adjustments on stored data (spans made by the OTel SDK, sent by the official OTLP exporter
 * to a real Tollgate on chDB), evaluated by engines with a controlled clock:
 * - an adjustment over an incident, added after the fact, restores the budget at once to what a raw
 *   count of the period without those minutes gives (the incident's old hours start and end inside
 *   hours the ledger holds only as totals, so their minutes are read back from the table);
 * - a weekly adjustment in Europe/Berlin across the March daylight-saving change excludes exactly
 *   the UTC minutes it should: every bad span sits in those minutes, so the budget is whole again.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSloEngine, openSloRegistry, type EvaluatedSlo, type SloEngine, type SloRegistry } from '../../src/engine/index.js';
import { budgetRemaining } from '../../src/slo/math/index.js';
import { planWindows } from '../../src/slo/evaluate/index.js';
import { exportSpans } from '../helpers/exported-spans.js';
import { spread } from '../helpers/spans.js';
import { startInProcess, tempDir, type InProcessTollgate } from '../helpers/tollgate.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The first engine's clock: a whole hour a little in the past. */
const T = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
/** An incident four days before T, from 10:17 to 11:43 of that day's clock hours: partial hours older than the minutes held. */
const INCIDENT_FROM = T - 4 * DAY + 17 * MIN;
const INCIDENT_TO = T - 4 * DAY + HOUR + 43 * MIN;

/** The DST engine's clock: after three Sundays of Berlin 02:00 (two in winter time, one in summer time). */
const DST_NOW = Date.parse('2026-04-06T12:00:00Z');
const DST_FROM = Date.parse('2026-03-21T00:00:00Z');
/** The UTC minutes `every: week, on: [sunday], at: "02:00", for: 2h, timeZone: Europe/Berlin` must exclude. */
const DST_EXPECTED = [['2026-03-22T01:00:00Z', '2026-03-22T03:00:00Z'], ['2026-03-29T01:00:00Z', '2026-03-29T03:00:00Z'], ['2026-04-05T00:00:00Z', '2026-04-05T02:00:00Z']] as const;
const inExpected = (ms: number): boolean => DST_EXPECTED.some(([a, b]) => ms >= Date.parse(a) && ms < Date.parse(b));

const SLOS = `apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: pay-availability, labels: {team: payments}}
spec:
  service: pay
  objective: 99
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
---
apiVersion: tollgate.dev/v1
kind: SLO
metadata: {name: tz-availability}
spec:
  service: tz
  objective: 99.9
  period: 30d
  sli: {spans: {match: {kind: server}, bad: {status: error}}}
`;

const iso = (ms: number): string => new Date(ms).toISOString();
const INCIDENT_ADJUSTMENT = `apiVersion: tollgate.dev/v1
kind: BudgetAdjustment
metadata: {name: pay-incident}
spec:
  slos: {matchLabels: {team: payments}}
  reason: upstream card processor outage
  exclude: {from: "${iso(INCIDENT_FROM)}", to: "${iso(INCIDENT_TO)}"}
`;
const DST_ADJUSTMENT = `apiVersion: tollgate.dev/v1
kind: BudgetAdjustment
metadata: {name: sunday-maintenance}
spec:
  slos: [tz-availability]
  reason: weekly maintenance window
  exclude: {every: week, on: [sunday], at: "02:00", for: 2h, timeZone: Europe/Berlin}
`;

let tg: InProcessTollgate;
let sloDir: string;
let registry: SloRegistry;
let nowMs = T;
const log = pino({ level: 'silent' });
const DECADE = 3_650 * 86_400;
const retention = { tracesSeconds: DECADE, logsSeconds: DECADE, metricsSeconds: DECADE, rollupSeconds: DECADE, historySeconds: DECADE };

beforeAll(async () => {
  sloDir = tempDir('tollgate-adjustments-slos-');
  mkdirSync(sloDir, { recursive: true });
  writeFileSync(path.join(sloDir, 'slos.yaml'), SLOS);
  const empty = tempDir('tollgate-adjustments-empty-');
  mkdirSync(empty, { recursive: true });
  tg = await startInProcess({ TOLLGATE_SLO_DIR: empty, TOLLGATE_EVALUATION_INTERVAL_MS: '3600000' });
  registry = await openSloRegistry({ dir: sloDir, log });
  // pay: 6 days of traffic, 1 % failing; the incident fails half its requests; and a small one an hour ago.
  await exportSpans(tg.otlpHttpUrl, { service: 'pay', configHash: 'pay-1' }, spread(6_000, T - 6 * DAY, T - 5 * MIN, (i) => ({ error: i % 100 === 0 })));
  await exportSpans(tg.otlpHttpUrl, { service: 'pay', configHash: 'pay-1' }, spread(2_000, INCIDENT_FROM, INCIDENT_TO, (i) => ({ error: i % 2 === 0 })));
  // Just outside the incident on both sides: counted, whatever the adjustment does.
  await exportSpans(tg.otlpHttpUrl, { service: 'pay', configHash: 'pay-1' }, spread(60, INCIDENT_FROM - MIN, INCIDENT_FROM - 1, () => ({ error: true })));
  await exportSpans(tg.otlpHttpUrl, { service: 'pay', configHash: 'pay-1' }, spread(60, INCIDENT_TO, INCIDENT_TO + MIN - 1, () => ({ error: true })));
  // tz: a span every minute for 16 days; exactly the minutes the Berlin window must exclude fail.
  const minutes = (DST_NOW - HOUR - DST_FROM) / MIN;
  await exportSpans(tg.otlpHttpUrl, { service: 'tz', configHash: 'tz-1' }, Array.from({ length: minutes }, (_, i) => {
    const startMs = DST_FROM + i * MIN + 30_000;
    return { startMs, error: inExpected(startMs) };
  }));
}, 240_000);

afterAll(async () => {
  registry?.close();
  await tg?.cleanup();
  rmSync(sloDir, { recursive: true, force: true });
});

async function engineAt(ms: number): Promise<SloEngine> {
  nowMs = ms;
  const engine = await createSloEngine({ store: tg.store, registry, log, retention, now: () => nowMs });
  await engine.recordNow({ backfill: true });
  return engine;
}

async function evaluated(engine: SloEngine, name: string): Promise<EvaluatedSlo> {
  const e = await engine.evaluate(name);
  if (e === undefined || !e.ok) throw new Error(`evaluation failed: ${JSON.stringify(e)}`);
  return e.value;
}

/** Server spans of a service in [fromMs, toMs), leaving out [exFromMs, exToMs): a raw count of stored spans. */
async function rawCount(service: string, fromMs: number, toMs: number, exclude: ReadonlyArray<readonly [number, number]>): Promise<{ total: number; bad: number }> {
  const rows = await tg.store.query<{ total: string; bad: string }>(
    `SELECT count() AS total, countIf(StatusCode = 'Error') AS bad FROM otel_traces
     WHERE ServiceName = {service:String} AND SpanKind = 'Server'
       AND Timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND Timestamp < fromUnixTimestamp64Milli({to:Int64})
       AND NOT arrayExists((a, b) -> Timestamp >= fromUnixTimestamp64Milli(a) AND Timestamp < fromUnixTimestamp64Milli(b), {exFrom:Array(Int64)}, {exTo:Array(Int64)})`,
    { service, from: fromMs, to: toMs, exFrom: exclude.map(([a]) => a), exTo: exclude.map(([, b]) => b) },
  );
  return { total: Number(rows[0]!.total), bad: Number(rows[0]!.bad) };
}

describe('budget adjustments', () => {
  it('restore the budget at once when added over an incident, to what a raw count without those minutes gives', async () => {
    const engine = await engineAt(T + 30_000);
    const before = await evaluated(engine, 'pay-availability');
    const plan = planWindows(before.slo, nowMs);
    const periodFromMs = plan.windows.find((w) => w.key === plan.periodKey)!.startSeconds * 1000;
    const endMs = (plan.endMinuteSeconds + 60) * 1000;
    expect(before.status.windows['30d']).toMatchObject(await rawCount('pay', periodFromMs, endMs, []));
    expect(before.adjustments).toEqual([]);
    // The series' view of minutes older than memory holds by the minute (read from the table and kept).
    const incidentMinutes = async (): Promise<{ total: number; bad: number }> => {
      const view = (await engine.reader.ledgersFrom([{ slo: before.slo, fromMinute: INCIDENT_FROM / 1000 - HOUR / 1000 }])).get('pay-availability')!;
      const sum = { total: 0, bad: 0 };
      for (const s of view.series()) {
        const c = s.sum(INCIDENT_FROM / 1000, INCIDENT_TO / 1000 - 60);
        sum.total += c.total;
        sum.bad += c.bad;
      }
      return sum;
    };
    const incidentBefore = await rawCount('pay', INCIDENT_FROM, INCIDENT_TO, []);
    expect(incidentBefore.bad).toBeGreaterThan(900);
    expect(await incidentMinutes()).toEqual(incidentBefore);

    writeFileSync(path.join(sloDir, 'adjustments.yaml'), INCIDENT_ADJUSTMENT);
    await registry.reload();
    // The same engine, nothing recorded again: the next evaluation leaves the minutes out.
    const after = await evaluated(engine, 'pay-availability');
    // So do the old minutes kept for the series since before: the adjustment applies as they are read.
    expect(await incidentMinutes()).toEqual({ total: 0, bad: 0 });
    const withoutIncident = await rawCount('pay', periodFromMs, endMs, [[INCIDENT_FROM, INCIDENT_TO]]);
    expect(withoutIncident.bad).toBeLessThan(before.status.windows['30d']!.bad - 900);
    expect(after.status.windows['30d']).toMatchObject(withoutIncident);
    expect(after.status.errorBudget.remaining).toBe(budgetRemaining({ totalEvents: withoutIncident.total, badEvents: withoutIncident.bad }, 0.01));
    expect(after.status.errorBudget.remaining).toBeGreaterThan(before.status.errorBudget.remaining);
    // The gate reads the same numbers.
    const gateView = engine.reader.windowCounts(after.slo, plan.windows, plan.endMinuteSeconds)!;
    expect(gateView.total['30d']).toEqual({ totalEvents: withoutIncident.total, badEvents: withoutIncident.bad });
    // Listed with its minutes and what it left out.
    const incident = await rawCount('pay', INCIDENT_FROM, INCIDENT_TO, []);
    expect(after.adjustments.map((a) => ({ name: a.adjustment.name, intervals: a.intervals, excluded: a.excluded }))).toEqual([{
      name: 'pay-incident',
      intervals: [{ from: INCIDENT_FROM / 1000, to: INCIDENT_TO / 1000 - 60 }],
      excluded: incident,
    }]);
  });

  it('give the same numbers in a restarted engine, which reads the incident\'s edge minutes back from the table', async () => {
    const restarted = await engineAt(T + 45_000);
    const plan = planWindows((await evaluated(restarted, 'pay-availability')).slo, nowMs);
    const periodFromMs = plan.windows.find((w) => w.key === plan.periodKey)!.startSeconds * 1000;
    const status = (await evaluated(restarted, 'pay-availability')).status;
    for (const w of plan.windows) {
      expect(status.windows[w.key], w.key).toMatchObject(await rawCount('pay', w.startSeconds * 1000, (plan.endMinuteSeconds + 60) * 1000, [[INCIDENT_FROM, INCIDENT_TO]]));
    }
    expect(periodFromMs).toBeLessThan(INCIDENT_FROM);
  });

  it('land a weekly Berlin window across the March daylight-saving change on the right UTC minutes', async () => {
    writeFileSync(path.join(sloDir, 'maintenance.yaml'), DST_ADJUSTMENT);
    await registry.reload();
    const engine = await engineAt(DST_NOW);
    const e = await evaluated(engine, 'tz-availability');
    const [adjustment] = e.adjustments;
    // The period reaches back to 7 March: two more winter Sundays, without data, come first.
    const expected = [['2026-03-08T01:00:00Z', '2026-03-08T03:00:00Z'], ['2026-03-15T01:00:00Z', '2026-03-15T03:00:00Z'], ...DST_EXPECTED];
    expect(adjustment?.intervals.map((i) => [iso(i.from * 1000), iso(i.to * 1000 + MIN)])).toEqual(expected.map(([a, b]) => [iso(Date.parse(a!)), iso(Date.parse(b!))]));
    // Every failing span was in those minutes: none is left, and the budget is whole.
    const all = await rawCount('tz', DST_FROM, DST_NOW, []);
    expect(all.bad).toBe(360);
    expect(adjustment?.excluded).toEqual({ total: 360, bad: 360 });
    expect(e.status.windows['30d']).toMatchObject({ total: all.total - 360, bad: 0 });
    expect(e.status.errorBudget.remaining).toBe(1);
  });
});
