/**
 * @module slo/evaluate/alert-instances
 * An evaluated SLO's alert rules as the alerts module's `AlertInstance`s (pure).
 */
import type { AlertInstance } from '../../alerts/index.js';
import type { SloDefinition } from '../spec/index.js';
import type { AlertStep, SloStatus } from './status.js';

export function alertInstances({ slo, status, steps }: { slo: SloDefinition; status: SloStatus; steps: readonly AlertStep[] }): AlertInstance[] {
  return steps.map((step) => ({
    slo: slo.name,
    service: slo.service,
    sloShortName: slo.origin.shortName,
    sloLabels: slo.labels,
    severity: step.rule.severity,
    shortWindow: step.status.shortWindow,
    longWindow: step.status.longWindow,
    burnFactor: step.rule.burnFactor,
    objective: status.objective,
    state: step.state.state,
    sinceMs: step.state.state === 'firing' ? step.state.sinceMs : null,
    shortBurnRate: step.status.shortBurnRate,
    longBurnRate: step.status.longBurnRate,
    reason: step.status.reason,
  }));
}
