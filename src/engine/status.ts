/**
 * @module engine/status
 * One SLO's numbers at an instant, from its window counts: error ratios and burn rates per window,
 * the budget over the period, each alert rule's verdict and state, and the split by release.
 * Pure: the previous alert states come in, the transitions go out for the engine to record.
 */
import {
  budgetConsumed, budgetRemaining, burnRate, errorBudgetFraction, errorRatio, evaluateAlert, formatWindow, nextAlertState,
  objectiveRatio, secondsUntilExhausted, type AlertState, type AlertTransition, type AlertWindow,
} from '../slo/math/index.js';
import type { SliCounts, WindowCounts } from '../slo/sli/query.js';
import type { SloDefinition } from '../slo/spec/index.js';
import type { WindowPlan } from './plan.js';

export interface WindowNumbers {
  total: number;
  bad: number;
  /** null: no events in the window (unknown, not zero). */
  error_ratio: number | null;
  burn_rate: number | null;
}

export interface AlertStatus {
  key: string;
  severity: 'page' | 'ticket';
  state: 'firing' | 'inactive';
  short_window: string;
  long_window: string;
  burn_factor: number;
  /** ISO time the alert started firing; null while inactive. */
  since: string | null;
  short_burn_rate: number | null;
  long_burn_rate: number | null;
  meaning: string;
  reason: string;
}

export interface SloStatus {
  name: string;
  service: string;
  description: string | null;
  labels: Record<string, string>;
  objective: number;
  error_budget_fraction: number;
  period: string;
  evaluated_at: string;
  sli_source: string;
  windows: Record<string, WindowNumbers>;
  error_budget: { remaining: number; consumed: number; exhausted_in_seconds: number | null };
  alerts: AlertStatus[];
  releases: Array<{ config_hash: string; total: number; bad: number; error_ratio: number | null }>;
  alert_problem?: string;
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

export function sloStatus(
  slo: SloDefinition,
  plan: WindowPlan,
  counts: SliCounts,
  previous: ReadonlyMap<string, AlertState>,
  nowMs: number,
  sliSource: string,
): { status: SloStatus; steps: AlertStep[] } {
  const budget = errorBudgetFraction(slo.objectivePercent);
  const objective = objectiveRatio(slo.objectivePercent);
  if (!budget.ok || !objective.ok) throw new Error(`SLO ${slo.name}: ${budget.ok ? '' : budget.message}`);
  const budgetFraction = budget.value;
  const at = (key: string): WindowCounts => counts.total[key] ?? { totalEvents: 0, badEvents: 0 };

  const windows: Record<string, WindowNumbers> = {};
  for (const w of plan.windows) windows[w.key] = numbers(at(w.key), budgetFraction);

  const period = at(plan.periodKey);
  const remaining = budgetRemaining(period, budgetFraction);
  const currentBurn = windows[EXHAUSTION_WINDOW]?.burn_rate ?? null;

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
        short_window: shortKey,
        long_window: longKey,
        burn_factor: rule.burnFactor,
        since: step.state.state === 'firing' ? new Date(step.state.sinceMs).toISOString() : null,
        short_burn_rate: evaluation.shortBurnRate,
        long_burn_rate: evaluation.longBurnRate,
        meaning: rule.meaning,
        reason: evaluation.reason,
      },
    };
  });

  const releases = [...counts.byRelease.entries()]
    .map(([configHash, byWindow]) => {
      const c = byWindow[plan.periodKey] ?? { totalEvents: 0, badEvents: 0 };
      return { config_hash: configHash, total: c.totalEvents, bad: c.badEvents, error_ratio: errorRatio(c) };
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
      error_budget_fraction: budgetFraction,
      period: plan.periodKey,
      evaluated_at: new Date(nowMs).toISOString(),
      sli_source: sliSource,
      windows,
      error_budget: {
        remaining,
        consumed: budgetConsumed(period, budgetFraction),
        exhausted_in_seconds: secondsUntilExhausted({ remainingFraction: remaining, burnRate: currentBurn, periodSeconds: plan.periodSeconds }),
      },
      alerts: steps.map((s) => s.status),
      releases,
      ...(plan.alertProblem === null ? {} : { alert_problem: plan.alertProblem }),
    },
    steps,
  };
}

function numbers(c: WindowCounts, budgetFraction: number): WindowNumbers {
  return { total: c.totalEvents, bad: c.badEvents, error_ratio: errorRatio(c), burn_rate: burnRate(c, budgetFraction) };
}
