/**
 * @module gate/settings
 * The thresholds a decision uses: the matching policy's, or the defaults when no policy matched.
 */
import type { CompareSettings, GatePolicy } from '../slo/spec/index.js';

export interface GateSettings {
  /** null: no policy matched, these are `GATE_DEFAULTS`. */
  policyName: string | null;
  /** null: not checked. A spent budget (0 or less left) fails whenever the budget is checked. */
  minBudgetRemainingFraction: number | null;
  /** null: not checked. */
  maxBurnRate: number | null;
  compare: CompareSettings;
  noData: 'allow' | 'deny' | 'wait';
  isDryRun: boolean;
}

/**
 * Without a policy the gate still applies the SRE Workbook's error-budget policy: no change while the budget
 * is spent or a page alert fires. Burn rates are not judged (a good threshold depends on the SLO). The
 * comparison uses the same defaults as a policy that leaves out `compare` (slo/spec GATE_POLICY_DEFAULTS),
 * and a service nobody has sent traffic to yet is let through, as a policy without `no_data` would.
 */
export const GATE_DEFAULTS = {
  minBudgetRemainingFraction: 0,
  maxBurnRate: null,
  compare: { maxRatioIncrease: 2, minEvents: 100, significance: 0.01 },
  noData: 'allow',
  isDryRun: false,
} as const satisfies Omit<GateSettings, 'policyName'>;

/** How long Argo CD should wait before asking again when the policy says `no_data: wait`. */
export const WAIT_RETRY_AFTER_SECONDS = 60;

export function gateSettings(policy: GatePolicy | null): GateSettings {
  if (policy === null) return { policyName: null, ...GATE_DEFAULTS, compare: { ...GATE_DEFAULTS.compare } };
  return {
    policyName: policy.name,
    minBudgetRemainingFraction: policy.minBudgetRemainingFraction,
    maxBurnRate: policy.maxBurnRate,
    compare: policy.compare,
    noData: policy.noData,
    isDryRun: policy.isDryRun,
  };
}
