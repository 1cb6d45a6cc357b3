/**
 * @module backtest/replay
 * An SLO's last period replayed on its recorded minutes (pure): the period's events, error ratio and
 * budget remaining as `/v1/slos` computes them at the replay instant, and every alert that would
 * have fired during the period.
 *
 * Alerts are evaluated at every minute of the period, each rule over its two windows ending with
 * that minute, as the engine evaluates them (windows of whole minutes; no `for:` delay). An
 * episode is a run of minutes with the rule's condition holding; it starts at the first such
 * minute and ends at the first minute without it. The firing test is the engine's own
 * (`evaluateAlert`, exact decimals), called only near its threshold: a month of minutes is 43,200
 * evaluations per rule, and a floating-point ratio farther than a billionth from the threshold
 * cannot be on the other side of it.
 */
import { budgetRemaining, errorRatio, evaluateAlert, formatWindow, type AlertWindow, type WindowCounts } from '../slo/math/index.js';
import { budgetOf, clipIntervals, ledgerCounts, MINUTE_EXACT_WINDOW_SECONDS, planWindows, sloEnvironment, windowStartSeconds, type MinuteInterval } from '../slo/evaluate/index.js';
import type { SloDefinition } from '../slo/spec/index.js';
import type { MinuteData } from './minute-data.js';
import type { AlertEpisode, PeriodNumbers } from './types.js';

/** The first minute the replay of `slo` at `nowMs` reads: its period's start, less its longest alert window. */
export function replayFrom(slo: SloDefinition, nowMs: number): number {
  const plan = planWindows(slo, nowMs);
  const periodStart = plan.windows.find((w) => w.key === plan.periodKey)!.startSeconds;
  const longest = Math.max(0, ...plan.alertRules.map((r) => r.longWindowSeconds));
  return Math.min(periodStart, windowStartSeconds(periodStart, Math.max(60, longest)));
}

export function replaySlo(slo: SloDefinition, data: MinuteData, nowMs: number, excluded: readonly MinuteInterval[]): PeriodNumbers {
  const plan = planWindows(slo, nowMs);
  const period = plan.windows.find((w) => w.key === plan.periodKey)!;
  const end = plan.endMinuteSeconds;
  const environment = sloEnvironment(slo);
  const budget = budgetOf(slo);
  const c = ledgerCounts(data, [period], end, environment, slo.budgeting).total[period.key] ?? { totalEvents: 0, badEvents: 0 };
  const alerts = slo.budgeting.kind === 'occurrences'
    ? replayOccurrenceAlerts(slo, data, plan.alertRules, period.startSeconds, end, budget)
    : replaySliceAlerts(slo, data, plan.alertRules, period.startSeconds, end, budget);
  return {
    period: plan.periodKey,
    fromMs: period.startSeconds * 1000,
    toMs: (end + 60) * 1000,
    total: c.totalEvents,
    bad: c.badEvents,
    errorRatio: errorRatio(c),
    budgetRemaining: budgetRemaining(c, budget),
    alerts,
    excludedMinutes: clipIntervals(excluded, period.startSeconds, end).reduce((n, i) => n + (i.to - i.from) / 60 + 1, 0),
    note: null,
  };
}

/** Whether a rule fires on these two windows: the engine's exact test, asked only when floating point is too close to tell. */
export function ruleFires(rule: AlertWindow, short: WindowCounts, long: WindowCounts, budgetFraction: number, minEvents: number): boolean {
  if (short.totalEvents === 0 || long.totalEvents === 0 || short.totalEvents < minEvents || long.totalEvents < minEvents) return false;
  const threshold = rule.burnFactor * budgetFraction;
  const margin = threshold * 1e-9;
  const rs = short.badEvents / short.totalEvents;
  const rl = long.badEvents / long.totalEvents;
  if (rs < threshold - margin || rl < threshold - margin) return false;
  if (rs > threshold + margin && rl > threshold + margin) return true;
  return evaluateAlert(rule, short, long, { budgetFraction, minEvents }).firing;
}

/** Episodes from a per-minute firing test over [fromMinute, toMinute]. */
function episodes(rule: AlertWindow, fromMinute: number, toMinute: number, isFiring: (m: number) => boolean): AlertEpisode[] {
  const out: AlertEpisode[] = [];
  const windows = `${formatWindow(rule.shortWindowSeconds)}/${formatWindow(rule.longWindowSeconds)}`;
  let start: number | null = null;
  for (let m = fromMinute; m <= toMinute; m += 60) {
    const firing = isFiring(m);
    if (firing && start === null) start = m;
    if (!firing && start !== null) {
      out.push({ severity: rule.severity, windows, startMs: start * 1000, endMs: m * 1000, durationSeconds: m - start });
      start = null;
    }
  }
  if (start !== null) out.push({ severity: rule.severity, windows, startMs: start * 1000, endMs: null, durationSeconds: toMinute + 60 - start });
  return out;
}

/**
 * Occurrence SLOs: every window is a difference of running totals, so each minute of each rule is a
 * few array reads. The loop is written out (hot: 43,200 minutes × 4 rules per SLO and side); windows
 * up to three days start a fixed number of minutes back, longer ones at a whole hour (windows.ts).
 */
function replayOccurrenceAlerts(slo: SloDefinition, data: MinuteData, rules: readonly AlertWindow[], periodStart: number, end: number, budget: number): AlertEpisode[] {
  if (rules.length === 0) return [];
  const from = Math.min(periodStart, ...rules.map((r) => windowStartSeconds(periodStart, r.longWindowSeconds)));
  const { total, bad } = data.runningTotals(from, end, sloEnvironment(slo));
  const minEvents = slo.alerting.minEvents;
  const out: AlertEpisode[] = [];
  for (const rule of rules) {
    const threshold = rule.burnFactor * budget;
    const margin = threshold * 1e-9;
    const lowerBound = threshold - margin;
    const upperBound = threshold + margin;
    /** Index into the running totals of a window's first minute, for the window of `seconds` ending with minute index i. */
    const startIndex = (seconds: number): ((i: number) => number) => {
      if (seconds <= MINUTE_EXACT_WINDOW_SECONDS) {
        const back = seconds / 60 - 1;
        return (i) => Math.max(0, i - back);
      }
      return (i) => Math.max(0, (windowStartSeconds(from + i * 60, seconds) - from) / 60);
    };
    const shortStart = startIndex(rule.shortWindowSeconds);
    const longStart = startIndex(rule.longWindowSeconds);
    const windows = `${formatWindow(rule.shortWindowSeconds)}/${formatWindow(rule.longWindowSeconds)}`;
    let start: number | null = null;
    const last = (end - from) / 60;
    for (let i = (periodStart - from) / 60; i <= last; i++) {
      const ss = shortStart(i);
      const ls = longStart(i);
      const st = total[i + 1]! - total[ss]!;
      const sb = bad[i + 1]! - bad[ss]!;
      const lt = total[i + 1]! - total[ls]!;
      const lb = bad[i + 1]! - bad[ls]!;
      let firing = false;
      if (sb > 0 && st > 0 && lt > 0 && st >= minEvents && lt >= minEvents) {
        const rs = sb / st;
        const rl = lb / lt;
        if (rs >= lowerBound && rl >= lowerBound) {
          firing = rs > upperBound && rl > upperBound
            ? true
            : evaluateAlert(rule, { totalEvents: st, badEvents: sb }, { totalEvents: lt, badEvents: lb }, { budgetFraction: budget, minEvents }).firing;
        }
      }
      const m = from + i * 60;
      if (firing && start === null) start = m;
      if (!firing && start !== null) {
        out.push({ severity: rule.severity, windows, startMs: start * 1000, endMs: m * 1000, durationSeconds: m - start });
        start = null;
      }
    }
    if (start !== null) out.push({ severity: rule.severity, windows, startMs: start * 1000, endMs: null, durationSeconds: end + 60 - start });
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

/** Timeslice SLOs judge each window's slices (slo/sli countSlices): the engine's own arithmetic at every minute. */
function replaySliceAlerts(slo: SloDefinition, data: MinuteData, rules: readonly AlertWindow[], periodStart: number, end: number, budget: number): AlertEpisode[] {
  const out: AlertEpisode[] = [];
  const environment = sloEnvironment(slo);
  for (const rule of rules) {
    out.push(...episodes(rule, periodStart, end, (m) => {
      const windows = [
        { key: 'short', startSeconds: windowStartSeconds(m, rule.shortWindowSeconds) },
        { key: 'long', startSeconds: windowStartSeconds(m, rule.longWindowSeconds) },
      ];
      const c = ledgerCounts(data, windows, m, environment, slo.budgeting).total;
      return ruleFires(rule, c['short']!, c['long']!, budget, slo.alerting.minEvents);
    }));
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}
