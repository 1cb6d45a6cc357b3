/**
 * @module slo/spec/gate-policy-from-wire
 * A checked `kind: GatePolicy` document to the domain `GatePolicy`: renames, units, defaults. Cannot fail.
 */
import type { CompareSettings, GatePolicy } from './model.js';
import type { SourcePos } from './problem.js';
import type { WireGatePolicy } from './wire-gate-policy.js';

export const GATE_POLICY_DEFAULTS = {
  /** Burn rate is judged over the last hour unless `burn_rate_window` says otherwise. */
  burnRateWindowSeconds: 3_600,
  compare: { maxRatioIncrease: 2, minEvents: 100, significance: 0.01 } satisfies CompareSettings,
  noData: 'allow',
  isDryRun: false,
} as const;

export function gatePolicyFromWire(wire: WireGatePolicy, source: SourcePos): GatePolicy {
  const { spec } = wire;
  const defaults = GATE_POLICY_DEFAULTS;
  return {
    name: wire.metadata.name,
    labels: wire.metadata.labels ?? {},
    app: spec.app,
    environment: spec.environment,
    slos: Array.isArray(spec.slos) ? { kind: 'names', names: spec.slos } : { kind: 'selector', matchLabels: spec.slos.matchLabels },
    minBudgetRemainingFraction: spec.min_budget_remaining ?? null,
    maxBurnRate: spec.max_burn_rate ?? null,
    burnRateWindowSeconds: spec.burn_rate_window ?? defaults.burnRateWindowSeconds,
    // Comparison is on unless configured otherwise: an absent block means the defaults, not "off".
    compare: {
      maxRatioIncrease: spec.compare?.max_ratio_increase ?? defaults.compare.maxRatioIncrease,
      minEvents: spec.compare?.min_events ?? defaults.compare.minEvents,
      significance: spec.compare?.significance ?? defaults.compare.significance,
    },
    noData: spec.no_data ?? defaults.noData,
    isDryRun: spec.dry_run ?? defaults.isDryRun,
    source,
  };
}
