/**
 * The replay's arithmetic against the engine's own tests, minute by minute: for every minute of a
 * period, `evaluateAlert` on windows summed straight from the records. The fast path (floating
 * point away from the threshold) must give the same episodes, including ratios exactly at it.
 */
import { describe, expect, it } from 'vitest';
import { MinuteData, replaySlo, ruleFires } from '../../src/backtest/index.js';
import { budgetRemaining, evaluateAlert, type AlertWindow } from '../../src/slo/math/index.js';
import { planWindows, windowStartSeconds, type MinuteInterval } from '../../src/slo/evaluate/index.js';
import type { SloDefinition } from '../../src/slo/spec/index.js';

const HOUR = 3_600;
const NOW_MS = Date.parse('2026-12-04T12:00:30Z');
const END = Math.floor(NOW_MS / 60_000) * 60;

const slo = (objectivePercent: number, days = 7): SloDefinition => ({
  name: 'api', labels: {}, service: 'api', description: null, objectivePercent, period: { kind: 'rolling', days },
  sli: { kind: 'spans', match: { spanKind: 'server', name: null, environment: null, attributes: {} }, bad: { kind: 'status-error' } },
  budgeting: { kind: 'occurrences' }, alerting: { minEvents: 10, customWindows: null }, dependsOn: [],
  source: { file: 'api.yaml', line: 1, column: 1 }, origin: { spec: 'tollgate.dev/v1', shortName: 'api' },
});

/** Ten days of minutes: 20 events each, with bursts of failures of several sizes (some exactly at thresholds). */
function records(): { minutes: number[]; totals: number[]; bads: number[] } {
  const minutes: number[] = [];
  const totals: number[] = [];
  const bads: number[] = [];
  for (let m = END - 10 * 24 * HOUR; m <= END; m += 60) {
    const h = Math.floor((END - m) / HOUR);
    const inMinute = (m / 60) % 60;
    minutes.push(m);
    totals.push(20);
    bads.push(h === 30 && inMinute < 25 ? 4 : h === 80 && inMinute < 50 ? 1 : h === 5 ? (inMinute % 3 === 0 ? 2 : 0) : h === 150 ? 20 : 0);
  }
  return { minutes, totals, bads };
}

/** Episodes the slow way: evaluateAlert at every minute on sums of the records. */
function bruteForce(s: SloDefinition, recs: ReturnType<typeof records>, excluded: readonly MinuteInterval[]): Array<[string, number, number | null]> {
  const plan = planWindows(s, NOW_MS);
  const periodStart = plan.windows.find((w) => w.key === plan.periodKey)!.startSeconds;
  const isExcluded = (m: number) => excluded.some((x) => m >= x.from && m <= x.to);
  // Plain running sums over every minute of the records (one per minute, in order).
  const first = recs.minutes[0]!;
  const cumT = [0];
  const cumB = [0];
  recs.minutes.forEach((m, i) => {
    cumT.push(cumT.at(-1)! + (isExcluded(m) ? 0 : recs.totals[i]!));
    cumB.push(cumB.at(-1)! + (isExcluded(m) ? 0 : recs.bads[i]!));
  });
  const sum = (a: number, b: number) => {
    const lo = Math.max(0, (a - first) / 60);
    const hi = (b - first) / 60 + 1;
    return { totalEvents: cumT[hi]! - cumT[lo]!, badEvents: cumB[hi]! - cumB[lo]! };
  };
  const out: Array<[string, number, number | null]> = [];
  const budget = 1 - s.objectivePercent / 100;
  for (const rule of plan.alertRules) {
    let start: number | null = null;
    for (let m = periodStart; m <= END; m += 60) {
      const firing = evaluateAlert(rule, sum(windowStartSeconds(m, rule.shortWindowSeconds), m), sum(windowStartSeconds(m, rule.longWindowSeconds), m), { budgetFraction: Number(budget.toPrecision(12)), minEvents: 10 }).firing;
      if (firing && start === null) start = m;
      if (!firing && start !== null) {
        out.push([`${rule.severity} ${rule.shortWindowSeconds}/${rule.longWindowSeconds}`, start * 1000, m * 1000]);
        start = null;
      }
    }
    if (start !== null) out.push([`${rule.severity} ${rule.shortWindowSeconds}/${rule.longWindowSeconds}`, start * 1000, null]);
  }
  return out.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
}

describe('replaying alerts over a period', () => {
  it.each<[string, number, MinuteInterval[]]>([
    ['99 %', 99, []],
    ['99.9 %', 99.9, []],
    ['99.5 %', 99.5, []],
    ['99.9 % with a burst excluded', 99.9, [{ from: END - 31 * HOUR, to: END - 29 * HOUR - 60 }]],
  ])('fires the same episodes as the engine\'s test at every minute: %s', (_name, objective, excluded) => {
    const s = slo(objective);
    const recs = records();
    const data = MinuteData.of([{ environment: 'prod', configHash: 'c1', ...recs }], excluded);
    const got = replaySlo(s, data, NOW_MS, excluded).alerts;
    const rules = new Map(planWindows(s, NOW_MS).alertRules.map((r) => [`${r.shortWindowSeconds}/${r.longWindowSeconds}`, r]));
    const asTuples = got.map((a): [string, number, number | null] => {
      const [short, long] = a.windows.split('/').map((w) => (w.endsWith('d') ? Number(w.slice(0, -1)) * 86_400 : w.endsWith('h') ? Number(w.slice(0, -1)) * 3_600 : Number(w.slice(0, -1)) * 60));
      expect(rules.has(`${short}/${long}`)).toBe(true);
      return [`${a.severity} ${short}/${long}`, a.startMs, a.endMs];
    }).sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    expect(asTuples).toEqual(bruteForce(s, recs, excluded));
    expect(got.length).toBeGreaterThan(0);
  });

  it('counts the period and its budget as the engine does, leaving excluded minutes out', () => {
    const s = slo(99, 7);
    const recs = records();
    const excluded = [{ from: END - 31 * HOUR, to: END - 29 * HOUR - 60 }];
    const n = replaySlo(s, MinuteData.of([{ environment: 'prod', configHash: 'c1', ...recs }], excluded), NOW_MS, excluded);
    const periodStart = planWindows(s, NOW_MS).windows.find((w) => w.key === '7d')!.startSeconds;
    let total = 0;
    let bad = 0;
    recs.minutes.forEach((m, i) => {
      if (m >= periodStart && !(m >= excluded[0]!.from && m <= excluded[0]!.to)) {
        total += recs.totals[i]!;
        bad += recs.bads[i]!;
      }
    });
    expect(n).toMatchObject({ period: '7d', total, bad, excludedMinutes: 120, budgetRemaining: budgetRemaining({ totalEvents: total, badEvents: bad }, 0.01) });
    expect(n.budgetRemaining).toBeCloseTo(1 - bad / total / 0.01, 12);
  });

  it.each<[string, number, number, boolean]>([
    ['well above', 300, 300, true],
    ['exactly at the threshold (not above)', 144, 144, false],
    ['one window below', 30, 1, false],
  ])('decides a rule like evaluateAlert: %s', (_name, shortBad, longBad, expected) => {
    const rule: AlertWindow = { severity: 'page', shortWindowSeconds: 300, longWindowSeconds: 3_600, burnFactor: 14.4, budgetConsumedFraction: 0.02, meaning: '' };
    const short = { totalEvents: 10_000, badEvents: shortBad };
    const long = { totalEvents: 10_000, badEvents: longBad };
    expect(ruleFires(rule, short, long, 0.001, 10)).toBe(expected);
    expect(evaluateAlert(rule, short, long, { budgetFraction: 0.001, minEvents: 10 }).firing).toBe(expected);
  });
});
