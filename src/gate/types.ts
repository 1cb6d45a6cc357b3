/**
 * @module gate/types
 * What the release gate's decision takes and returns. Everything is plain data: the I/O shell gathers the
 * evidence (SLO state, per-`config_hash` counts, top errors, overrides) and the clock reading, `decide` answers.
 */
import type { AttributedCause } from '../attribution/index.js';
import type { CompareSettings, GatePolicy } from '../slo/spec/index.js';

export type { CompareSettings, GatePolicy };

/** What Argo CD's PreSync hook asks: may this exact configuration go to this environment? */
export interface GateRequest {
  app: string;
  environment: string;
  services: string[];
  /** The hash of the rendered config the pods will run (resource attribute `config_hash`). */
  configHash: string;
  revision: string | null;
}

/** One SLO of the target environment, as the engine sees it now. */
export interface SloHealth {
  slo: string;
  service: string;
  /** 1 untouched, 0 spent, negative when overspent (`slo/math` budgetRemaining). */
  budgetRemaining: number;
  /** Over the policy's burn-rate window; null without traffic in that window (unknown, not zero). */
  burnRate: number | null;
  /** That window as SLO files write it, e.g. `1h`. */
  burnWindow: string;
  /** Keys of page alerts firing now, e.g. `checkout-availability/page/5m/1h`. */
  pageAlertsFiring: string[];
  /** Events over the SLO's period; 0 means the SLO has seen no traffic. */
  totalEvents: number;
}

/** Where this `config_hash` already served traffic (another environment or a canary), beside its baseline. */
export interface ReleaseRecord {
  environment: string;
  service: string;
  slo: string;
  /** Availability counts failed events as bad, latency counts slow ones; the comparison is the same. */
  sloKind: 'availability' | 'latency';
  releaseBad: number;
  releaseTotal: number;
  /** The config that served before this one there; null when there was none. */
  baselineConfigHash: string | null;
  baselineBad: number;
  baselineTotal: number;
}

/**
 * A cause of a failed check's bad events, from attribution (the SLO's own bad events, ranked
 * against the release's baseline or the week before), with the SLO it burned.
 */
export type Cause = AttributedCause & { slo: string };

/** An audited, time-boxed break-glass override. */
export interface Override {
  id: string;
  who: string;
  reason: string;
  expiresAtMs: number;
  /** One config hash, or `*` for any. */
  configHash: string;
}

export interface GateInput {
  request: GateRequest;
  /** null: no policy matched the app and environment; `GATE_DEFAULTS` apply and the verdict says so. */
  policy: GatePolicy | null;
  nowMs: number;
  /** The target environment's SLOs that the policy selects. */
  targetHealth: SloHealth[];
  releaseRecords: ReleaseRecord[];
  /** Set when this config_hash ran healthy in the target environment before: deploying it again is a rollback. */
  rollback: { configHash: string; environment: string; lastHealthyAtMs: number } | null;
  /**
   * Causes of the failed checks' bad events, ranked by attribution (new and grown first), the
   * summary's check first; gathered by the shell only for a deny.
   */
  causes: Cause[];
  /** Break-glass overrides; `decide` itself ignores expired ones and those for other config hashes. */
  overrides: Override[];
}

export type CheckKind = 'budget_remaining' | 'burn_rate' | 'page_alert' | 'release_vs_baseline';

/**
 * One check and its numbers. `value`/`threshold` by kind: budget_remaining — fraction left / policy minimum;
 * burn_rate — burn rate / maximum; page_alert — alerts firing / 0; release_vs_baseline — the release's bad
 * ratio / baseline ratio × maxRatioIncrease (null where there are no events to divide by).
 */
export interface Check {
  slo: string;
  check: CheckKind;
  value: number | null;
  threshold: number | null;
  passed: boolean;
  detail: string;
}

/**
 * Why an allow was given. `wouldHaveBeen` is what the gate would have answered without the allowance
 * (override, rollback, dry run); absent when that was allow as well.
 */
export type AllowBasis = 'checks_passed' | 'rollback' | 'override' | 'no_data' | 'dry_run';

export type GateVerdict =
  | {
    decision: 'allow'; summary: string; reasons: string[]; checks: Check[]; basis: AllowBasis; wouldHaveBeen?: 'deny' | 'wait';
    /** With basis `override`: the one that opened the gate. Several may be valid; the audit trail names this one. */
    overrideId?: string;
  }
  | { decision: 'deny'; summary: string; reasons: string[]; checks: Check[]; topCauses: Cause[] }
  | { decision: 'wait'; summary: string; reasons: string[]; checks: Check[]; retryAfterSeconds: number };

/** Bad and total events of a release and its baseline over the same window. */
export interface ErrorCounts {
  releaseBad: number;
  releaseTotal: number;
  baselineBad: number;
  baselineTotal: number;
}

import type { StatTest } from '../slo/math/index.js';

export type { StatTest };

/** The numbers behind a comparison that had enough events on both sides. */
export interface ComparisonNumbers {
  releaseRatio: number;
  baselineRatio: number;
  /** releaseRatio / baselineRatio; Infinity when only the baseline had no bad events, 1 when neither had. */
  ratioIncrease: number;
  /** releaseRatio > baselineRatio × maxRatioIncrease. */
  exceedsMaxIncrease: boolean;
  /** One-sided: the chance of a difference at least this large if the release were no worse. */
  pValue: number;
  test: StatTest;
}

export type Comparison =
  | { kind: 'insufficient_data'; reason: string }
  | ({ kind: 'worse' } & ComparisonNumbers)
  | ({ kind: 'not_worse' } & ComparisonNumbers);
