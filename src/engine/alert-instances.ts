/**
 * @module engine/alert-instances
 * An evaluated SLO's alert rules as the alerts module's `AlertInstance`s (pure).
 */
import type { AlertInstance } from '../alerts/index.js';
import type { EvaluatedSlo } from './engine.js';

export function alertInstances(e: EvaluatedSlo): AlertInstance[] {
  return e.steps.map((step) => ({
    slo: e.slo.name,
    service: e.slo.service,
    sloShortName: e.slo.origin.shortName,
    sloLabels: e.slo.labels,
    severity: step.rule.severity,
    shortWindow: step.status.short_window,
    longWindow: step.status.long_window,
    burnFactor: step.rule.burnFactor,
    objective: e.status.objective,
    state: step.state.state,
    sinceMs: step.state.state === 'firing' ? step.state.sinceMs : null,
    shortBurnRate: step.status.short_burn_rate,
    longBurnRate: step.status.long_burn_rate,
    reason: step.status.reason,
  }));
}
