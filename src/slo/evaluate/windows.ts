/**
 * @module slo/evaluate/windows
 * Which windows an SLO is evaluated over at an instant: every alert window and the period itself.
 * Pure.
 *
 * A window ends with the current minute (the one holding the evaluation instant, partial) and is
 * whole minutes: "5m" is this minute and the four before it. Windows of up to three days, which
 * is every default alert window, are exact to the minute. Longer ones (the period, a long custom
 * window) start at the first whole hour inside them: 30d at 14:37 counts from 15:00 thirty days
 * ago, so it is between 59 minutes and a minute shorter than its name. That is what lets every
 * SLO number be arithmetic on recorded minutes for the last three days and recorded hours beyond
 * (engine/, slo/evaluate/ledger.ts), and a raw scan over the same bounds gives the same counts.
 */
import { alertWindows, formatWindow, periodBounds, SRE_WORKBOOK_WINDOWS, type AlertWindow } from '../math/index.js';
import type { EvaluationWindow } from '../sli/query.js';
import type { SloDefinition } from '../spec/index.js';

/** Windows up to this long are whole minutes; longer ones start at a whole hour. */
export const MINUTE_EXACT_WINDOW_SECONDS = 3 * 86_400;

const HOUR = 3_600;

export interface WindowPlan {
  windows: EvaluationWindow[];
  /** Unix seconds of the last minute in every window (a multiple of 60). */
  endMinuteSeconds: number;
  /** Key of the period window in `windows` ('30d', '28d', 'month', 'week'). */
  periodKey: string;
  /** The period's length: a rolling period's, or the current calendar month's or week's. */
  periodSeconds: number;
  alertRules: AlertWindow[];
  /** Why an SLO has no alert rules (a period shorter than its slowest window), if so. */
  alertProblem: string | null;
}

/**
 * The first minute of a window of `seconds` ending with minute `endMinuteSeconds`: whole minutes up
 * to three days, the first whole hour inside the window beyond.
 */
export function windowStartSeconds(endMinuteSeconds: number, seconds: number): number {
  return alignedStart(endMinuteSeconds + 60 - seconds, seconds);
}

/** A nominal first minute, moved to the next whole hour when the window is longer than three days. */
export function alignedStart(nominalStartSeconds: number, lengthSeconds: number): number {
  return lengthSeconds > MINUTE_EXACT_WINDOW_SECONDS ? Math.ceil(nominalStartSeconds / HOUR) * HOUR : nominalStartSeconds;
}

export const endMinuteOf = (nowMs: number): number => Math.floor(nowMs / 60_000) * 60;

export function planWindows(slo: SloDefinition, nowMs: number): WindowPlan {
  const endMinuteSeconds = endMinuteOf(nowMs);
  let periodKey: string;
  let periodSeconds: number;
  let periodStartSeconds: number;
  if (slo.period.kind === 'rolling') {
    periodSeconds = slo.period.days * 86_400;
    periodKey = `${slo.period.days}d`;
    periodStartSeconds = windowStartSeconds(endMinuteSeconds, periodSeconds);
  } else {
    const bounds = periodBounds({ kind: 'calendar', calendar: slo.period.calendar, timeZone: slo.period.timeZone }, nowMs);
    periodSeconds = (bounds.endMs - bounds.startMs) / 1000;
    periodKey = slo.period.calendar;
    // A month starts at a whole hour except in zones offset by half hours: those start at the next one too.
    periodStartSeconds = alignedStart(Math.floor(bounds.startMs / 60_000) * 60, periodSeconds);
  }
  const specs = slo.alerting.customWindows?.map((w) => ({
    severity: w.severity,
    shortWindowSeconds: w.shortWindowSeconds,
    longWindowSeconds: w.longWindowSeconds,
    budgetConsumedFraction: w.budgetPercent / 100,
  })) ?? SRE_WORKBOOK_WINDOWS;
  const rules = alertWindows(periodSeconds, specs);

  const windows = new Map<string, EvaluationWindow>();
  for (const rule of rules.ok ? rules.value : []) {
    for (const seconds of [rule.shortWindowSeconds, rule.longWindowSeconds]) {
      const key = formatWindow(seconds);
      windows.set(key, { key, startSeconds: windowStartSeconds(endMinuteSeconds, seconds) });
    }
  }
  windows.set(periodKey, { key: periodKey, startSeconds: periodStartSeconds });
  return {
    windows: [...windows.values()].sort((a, b) => b.startSeconds - a.startSeconds),
    endMinuteSeconds,
    periodKey,
    periodSeconds,
    alertRules: rules.ok ? rules.value : [],
    alertProblem: rules.ok ? null : rules.message,
  };
}

/** A plan's windows plus one more of `seconds` (e.g. a gate policy's burn-rate window), keyed as SLO files write it. */
export function withWindow(plan: WindowPlan, seconds: number): { plan: WindowPlan; key: string } {
  const key = formatWindow(seconds);
  if (plan.windows.some((w) => w.key === key)) return { plan, key };
  return { plan: { ...plan, windows: [...plan.windows, { key, startSeconds: windowStartSeconds(plan.endMinuteSeconds, seconds) }] }, key };
}
