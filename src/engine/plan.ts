/**
 * @module engine/plan
 * Which windows an SLO is evaluated over at an instant: every alert window and the period itself,
 * as whole minutes ending with the current minute (see slo/sli/query.ts). Pure.
 */
import { alertWindows, formatWindow, periodBounds, SRE_WORKBOOK_WINDOWS, type AlertWindow } from '../slo/math/index.js';
import type { EvaluationWindow } from '../slo/sli/query.js';
import type { SloDefinition } from '../slo/spec/index.js';

export interface WindowPlan {
  windows: EvaluationWindow[];
  endMinuteSeconds: number;
  /** Key of the period window in `windows` ('30d', '28d', 'month', 'week'). */
  periodKey: string;
  /** The period's length: a rolling period's, or the current calendar month's or week's. */
  periodSeconds: number;
  alertRules: AlertWindow[];
  /** Why an SLO has no alert rules (a period shorter than its slowest window), if so. */
  alertProblem: string | null;
}

export function planWindows(slo: SloDefinition, nowMs: number): WindowPlan {
  const endMinuteSeconds = Math.floor(nowMs / 60_000) * 60;
  let periodKey: string;
  let periodSeconds: number;
  let periodStartSeconds: number;
  if (slo.period.kind === 'rolling') {
    periodSeconds = slo.period.days * 86_400;
    periodKey = `${slo.period.days}d`;
    periodStartSeconds = endMinuteSeconds + 60 - periodSeconds;
  } else {
    const bounds = periodBounds({ kind: 'calendar', calendar: slo.period.calendar, timeZone: slo.period.timeZone }, nowMs);
    periodSeconds = (bounds.endMs - bounds.startMs) / 1000;
    periodKey = slo.period.calendar;
    periodStartSeconds = Math.floor(bounds.startMs / 60_000) * 60;
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
      windows.set(key, { key, startSeconds: endMinuteSeconds + 60 - seconds });
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
