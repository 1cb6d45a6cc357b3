/**
 * @module slo/evaluate/status
 * One SLO's numbers at an instant, from its window counts: error ratios and burn rates per window,
 * the budget over the period, each alert rule's verdict and state, and the split by release.
 * Pure: the previous alert states come in, the transitions go out for the engine to record.
 * Domain types in camelCase; the API makes its snake_case wire shape at the edge.
 */
import {
  budgetConsumed, budgetRemaining, burnRate, errorBudgetFraction, errorRatio, evaluateAlert, formatWindow, nextAlertState,
  objectiveRatio, secondsUntilExhausted, type AlertState, type AlertTransition, type AlertWindow,
} from '../math/index.js';
import type { SliCounts, WindowCounts } from '../sli/query.js';
import type { SloDefinition } from '../spec/index.js';
import type { WindowPlan } from './windows.js';

export interface WindowNumbers {
  total: number;
  bad: number;
  /** null: no events in the window (unknown, not zero). */
  errorRatio: number | null;
  burnRate: number | null;
}

export interface AlertStatus {
  key: string;
  severity: 'page' | 'ticket';
  state: 'firing' | 'inactive';
  shortWindow: string;
  longWindow: string;
  burnFactor: number;
  /** When the alert started firing; null while inactive. */
  sinceMs: number | null;
  shortBurnRate: number | null;
  longBurnRate: number | null;
  meaning: string;
  reason: string;
}

export interface ReleaseNumbers {
  configHash: string;
  total: number;
  bad: number;
  errorRatio: number | null;
}

export interface SloStatus {
  name: string;
  service: string;
  description: string | null;
  labels: Record<string, string>;
  objective: number;
  errorBudgetFraction: number;
  period: string;
  evaluatedAtMs: number;
  sliSource: string;
  windows: Record<string, WindowNumbers>;
  errorBudget: { remaining: number; consumed: number; exhaustedInSeconds: number | null };
  alerts: AlertStatus[];
  /** The period split by config_hash, busiest first. */
  releases: ReleaseNumbers[];
  alertProblem: string | null;
}

export interface AlertStep {
  key: string;
  rule: AlertWindow;
  state: AlertState;
  transition: AlertTransition;
  status: AlertStatus;
}

/** The window whose burn rate predicts exhaustion: 1h, the fast page alert's long window. */
const EXHAUSTION_WINDOW = '1h';

export const alertKey = (slo: string, rule: Pick<AlertWindow, 'severity' | 'shortWindowSeconds' | 'longWindowSeconds'>): string =>
  `${slo}/${rule.severity}/${formatWindow(rule.shortWindowSeconds)}/${formatWindow(rule.longWindowSeconds)}`;

/** The SLO's budget as a fraction (1 − objective, exact); a loaded SLO always has a valid objective. */
export function budgetOf(slo: SloDefinition): number {
  const budget = errorBudgetFraction(slo.objectivePercent);
  if (!budget.ok) throw new Error(`SLO ${slo.name}: ${budget.message}`);
  return budget.value;
}

export function sloStatus(
  slo: SloDefinition,
  plan: WindowPlan,
  counts: SliCounts,
  previous: ReadonlyMap<string, AlertState>,
  nowMs: number,
  sliSource: string,
): { status: SloStatus; steps: AlertStep[] } {
  const budgetFraction = budgetOf(slo);
  const objective = objectiveRatio(slo.objectivePercent);
  if (!objective.ok) throw new Error(`SLO ${slo.name}: ${objective.message}`);
  const at = (key: string): WindowCounts => counts.total[key] ?? { totalEvents: 0, badEvents: 0 };

  const windows: Record<string, WindowNumbers> = {};
  for (const w of plan.windows) windows[w.key] = windowNumbers(at(w.key), budgetFraction);

  const period = at(plan.periodKey);
  const remaining = budgetRemaining(period, budgetFraction);
  const currentBurn = windows[EXHAUSTION_WINDOW]?.burnRate ?? null;

  const steps: AlertStep[] = plan.alertRules.map((rule) => {
    const key = alertKey(slo.name, rule);
    const shortKey = formatWindow(rule.shortWindowSeconds);
    const longKey = formatWindow(rule.longWindowSeconds);
    const evaluation = evaluateAlert(rule, at(shortKey), at(longKey), { budgetFraction, minEvents: slo.alerting.minEvents });
    const step = nextAlertState(previous.get(key) ?? { state: 'inactive' }, evaluation.firing, nowMs);
    return {
      key,
      rule,
      state: step.state,
      transition: step.transition,
      status: {
        key,
        severity: rule.severity,
        state: step.state.state,
        shortWindow: shortKey,
        longWindow: longKey,
        burnFactor: rule.burnFactor,
        sinceMs: step.state.state === 'firing' ? step.state.sinceMs : null,
        shortBurnRate: evaluation.shortBurnRate,
        longBurnRate: evaluation.longBurnRate,
        meaning: rule.meaning,
        reason: evaluation.reason,
      },
    };
  });

  const releases = [...counts.byRelease.entries()]
    .map(([configHash, byWindow]) => {
      const c = byWindow[plan.periodKey] ?? { totalEvents: 0, badEvents: 0 };
      return { configHash, total: c.totalEvents, bad: c.badEvents, errorRatio: errorRatio(c) };
    })
    .filter((r) => r.total > 0)
    .sort((a, b) => b.total - a.total);

  return {
    status: {
      name: slo.name,
      service: slo.service,
      description: slo.description,
      labels: slo.labels,
      objective: objective.value,
      errorBudgetFraction: budgetFraction,
      period: plan.periodKey,
      evaluatedAtMs: nowMs,
      sliSource,
      windows,
      errorBudget: {
        remaining,
        consumed: budgetConsumed(period, budgetFraction),
        exhaustedInSeconds: secondsUntilExhausted({ remainingFraction: remaining, burnRate: currentBurn, periodSeconds: plan.periodSeconds }),
      },
      alerts: steps.map((s) => s.status),
      releases,
      alertProblem: plan.alertProblem,
    },
    steps,
  };
}

export function windowNumbers(c: WindowCounts, budgetFraction: number): WindowNumbers {
  return { total: c.totalEvents, bad: c.badEvents, errorRatio: errorRatio(c), burnRate: burnRate(c, budgetFraction) };
}
