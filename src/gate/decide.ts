/**
 * @module gate/decide
 * The release gate's verdict from plain evidence. Rules, in order:
 * 1. a valid override for this config (or `*`) allows;
 * 2. the target's SLOs: budget left, burn rate, page alerts (a rollback is not held back by these);
 * 3. where this config already ran, its bad ratio against its baseline's (`compareErrorRatios`);
 * 4. any failed check denies; the summary leads with the first failed check (the release's own
 *    evidence, then what is paging, then budgets, then burn rates) in plain words with its numbers
 *    (for a target SLO, every failed check of that SLO in one phrase), then the top cause of that
 *    check's SLO as attribution ranked it (new and grown causes first), then how many other checks failed;
 * 5. with no data anywhere, the policy's `no_data` answers;
 * 6. otherwise allow, saying why a release whose numbers are worse than its baseline still passes;
 * 7. a dry-run policy answers allow and says what it would have answered.
 */
import { compareErrorRatios } from './compare.js';
import { gateSettings, WAIT_RETRY_AFTER_SECONDS, type GateSettings } from './settings.js';
import {
  budgetText, burnRateText, causeDetail, causeHeadline, dryRunReason, healthHeadline, MISSING_RELEASE_DATA, missingTargetData,
  NO_POLICY_NOTE, noBaselineDetail, noDataHeadline, noDataRule, noPolicyReason, overrideHeadline, overrideReason, pageAlertDetail,
  releaseDetail, releaseHeadline, releaseOkHeadline, rollbackDeniedReason, rollbackHeadline, rollbackReason, summaryLine,
} from './summary.js';
import { plural } from './format.js';
import type { Check, CheckKind, Comparison, GateInput, GateVerdict, Override, ReleaseRecord, SloHealth } from './types.js';

/** At most this many causes go with a deny: enough to see a pattern, few enough to read. */
export const MAX_TOP_CAUSES = 5;

/** Which failed check the summary names first: the release's own evidence, then what is on fire, then budgets. */
const SUMMARY_ORDER: readonly CheckKind[] = ['release_vs_baseline', 'page_alert', 'budget_remaining', 'burn_rate'];

/** A check with the words the summary would use for it, and how bad it is among checks of its kind. */
interface Finding {
  check: Check;
  headline: string;
  /** Within a kind, the highest comes first: the lowest budget, the fastest burn. */
  severity: number;
  /** Set for release checks: the record and its comparison (null: no baseline to compare with). */
  release?: { record: ReleaseRecord; comparison: Comparison | null };
  /** Set for target checks: the SLO's health there. */
  health?: SloHealth;
}

export function decide(input: GateInput): GateVerdict {
  const settings = gateSettings(input.policy);
  const verdict = withPolicyNote(decideEnforced(input, settings), input, settings);
  return settings.isDryRun ? asDryRun(verdict, settings) : verdict;
}

function decideEnforced(input: GateInput, settings: GateSettings): GateVerdict {
  const findings = evaluate(input, settings);
  const override = pickOverride(input.overrides, input.request.configHash, input.nowMs);
  const onChecks = input.rollback === null ? judge(input, settings, findings) : judgeRollback(input, settings, findings, input.rollback);
  if (override === null) return onChecks;
  // The checks still run under an override: the stored decision shows what was overridden.
  return {
    decision: 'allow',
    basis: 'override',
    overrideId: override.id,
    summary: summaryLine('allow', overrideHeadline(override)),
    reasons: [overrideReason(override), ...(onChecks.decision === 'allow' ? [] : [`without the override: ${onChecks.summary}`])],
    checks: onChecks.checks,
    ...wouldHaveBeen(onChecks),
  };
}

/** Rules 4 to 6. */
function judge(input: GateInput, settings: GateSettings, findings: Finding[]): GateVerdict {
  const checks = findings.map((f) => f.check);
  const failed = sortForSummary(findings.filter((f) => !f.check.passed));
  const first = failed[0];
  const topCauses = input.causes.slice(0, MAX_TOP_CAUSES);
  if (first !== undefined) {
    // A target SLO's failed checks are said together, in one phrase with their numbers.
    const together = first.health === undefined ? [first] : failed.filter((f) => f.health !== undefined && f.check.slo === first.check.slo);
    const headline = first.health === undefined
      ? first.headline
      : healthHeadline(first.health, input.request.environment, new Set(together.map((f) => f.check.check)), settings);
    const parts = [headline];
    const topCause = input.causes.find((c) => c.slo === first.check.slo);
    if (topCause !== undefined) parts.push(causeHeadline(topCause));
    const others = failed.length - together.length;
    if (others > 0) parts.push(`${plural(others, 'more check')} failed`);
    return {
      decision: 'deny',
      summary: summaryLine('deny', ...parts),
      reasons: [...failed.map((f) => f.check.detail), ...(topCause === undefined ? [] : [causeDetail(topCause)])],
      checks,
      topCauses,
    };
  }

  const releases = findings.flatMap((f) => (f.release === undefined ? [] : [{ ...f.release, detail: f.check.detail }]));
  const compared = releases.flatMap(({ record, comparison }) =>
    comparison !== null && comparison.kind !== 'insufficient_data' ? [{ record, comparison }] : [],
  );
  const uncomparedDetails = releases.filter((r) => r.comparison === null || r.comparison.kind === 'insufficient_data').map((r) => r.detail);
  const { environment } = input.request;
  const hasTargetTraffic = input.targetHealth.some((h) => h.totalEvents > 0);

  if (!hasTargetTraffic && compared.length === 0) {
    const headline = noDataHeadline(environment);
    const reasons = [
      missingTargetData(input.targetHealth, environment),
      ...(uncomparedDetails.length === 0 ? [MISSING_RELEASE_DATA] : uncomparedDetails),
      noDataRule(settings),
    ];
    switch (settings.noData) {
      case 'allow':
        return {
          decision: 'allow',
          basis: 'no_data',
          summary: summaryLine('allow', headline, `${whose(settings)} allows without data`),
          reasons,
          checks,
        };
      case 'deny':
        return {
          decision: 'deny',
          summary: summaryLine('deny', headline, `${whose(settings)} denies without data`),
          reasons,
          checks,
          topCauses,
        };
      case 'wait':
        return {
          decision: 'wait',
          summary: summaryLine('wait', headline, `retry in ${WAIT_RETRY_AFTER_SECONDS} s`),
          reasons,
          checks,
          retryAfterSeconds: WAIT_RETRY_AFTER_SECONDS,
        };
      default:
        return assertNever(settings.noData);
    }
  }

  const firstCompared = compared[0];
  const releasePart =
    firstCompared !== undefined
      ? releaseOkHeadline(firstCompared.record, firstCompared.comparison, settings)
      : releases.length > 0
        ? 'not enough traffic yet for this release to compare'
        : 'no traffic yet for this release';
  const healthPart =
    input.targetHealth.length === 0
      ? `no SLOs selected in ${environment}`
      : hasTargetTraffic
        ? `${environment} budgets healthy`
        : `no traffic in ${environment} yet`;
  return {
    decision: 'allow',
    basis: 'checks_passed',
    summary: summaryLine('allow', releasePart, healthPart),
    reasons: [checks.length === 0 ? 'nothing to check' : `all ${plural(checks.length, 'check')} passed`, ...uncomparedDetails],
    checks,
  };
}

/**
 * A rollback to a config that ran healthy here is a fix: spent budgets, burn and page alerts do not hold it
 * back, nor does missing data. Its own traffic still counts: if it is significantly worse than its baseline
 * somewhere (a dependency changed since it last ran, say), rolling back would not help, so the gate denies.
 */
function judgeRollback(
  input: GateInput,
  settings: GateSettings,
  findings: Finding[],
  rollback: NonNullable<GateInput['rollback']>,
): GateVerdict {
  const onChecks = judge(input, settings, findings);
  const releaseFailed = findings.some((f) => f.check.check === 'release_vs_baseline' && !f.check.passed);
  if (releaseFailed && onChecks.decision === 'deny') return { ...onChecks, reasons: [...onChecks.reasons, rollbackDeniedReason(rollback)] };
  const waived = sortForSummary(findings.filter((f) => !f.check.passed));
  const parts = [rollbackHeadline(rollback)];
  if (waived.length > 0) parts.push(`${plural(waived.length, 'failed health check')} waived`);
  return {
    decision: 'allow',
    basis: 'rollback',
    summary: summaryLine('allow', ...parts),
    reasons: [
      rollbackReason(rollback),
      ...(waived.length > 0 ? waived.map((f) => `waived for the rollback: ${f.check.detail}`) : onChecks.reasons),
    ],
    checks: onChecks.checks,
    ...wouldHaveBeen(onChecks),
  };
}

/** Rules 2 and 3: every check, in a stable order (each target SLO's checks, then each release record). */
function evaluate(input: GateInput, settings: GateSettings): Finding[] {
  const findings: Finding[] = [];
  const { environment } = input.request;
  for (const h of input.targetHealth) {
    const min = settings.minBudgetRemainingFraction;
    if (min !== null) {
      const text = budgetText(h, min, settings);
      // A spent budget never passes, even against a minimum of 0: nothing left is no budget for a change.
      const passed = h.budgetRemaining >= min && h.budgetRemaining > 0;
      findings.push({
        check: { slo: h.slo, check: 'budget_remaining', value: h.budgetRemaining, threshold: min, passed, detail: text },
        headline: text,
        severity: -h.budgetRemaining,
        health: h,
      });
    }
    const max = settings.maxBurnRate;
    if (max !== null) {
      const text = burnRateText(h, max, settings);
      // No traffic in the window is an unknown burn rate, and unknown cannot exceed a threshold.
      const passed = h.burnRate === null || h.burnRate <= max;
      findings.push({
        check: { slo: h.slo, check: 'burn_rate', value: h.burnRate, threshold: max, passed, detail: text },
        headline: text,
        severity: h.burnRate ?? 0,
        health: h,
      });
    }
    const firing = h.pageAlertsFiring.length;
    findings.push({
      check: { slo: h.slo, check: 'page_alert', value: firing, threshold: 0, passed: firing === 0, detail: pageAlertDetail(h) },
      headline: pageAlertDetail(h),
      severity: 0,
      health: h,
    });
  }

  for (const record of input.releaseRecords) {
    const comparison = record.baselineConfigHash === null ? null : compareErrorRatios(record, settings.compare);
    findings.push(releaseFinding(record, comparison, settings));
  }
  return findings;
}

function releaseFinding(record: ReleaseRecord, comparison: Comparison | null, settings: GateSettings): Finding {
  const value = record.releaseTotal > 0 ? record.releaseBad / record.releaseTotal : null;
  const threshold = record.baselineTotal > 0 ? (record.baselineBad / record.baselineTotal) * settings.compare.maxRatioIncrease : null;
  const base = { slo: record.slo, check: 'release_vs_baseline' as const, value, threshold };
  // Without a comparison there is no limit to show: a ratio above a threshold that "passed" would only confuse.
  if (comparison === null || comparison.kind === 'insufficient_data') {
    const detail = comparison === null ? noBaselineDetail(record) : releaseDetail(record, comparison, settings);
    return { check: { ...base, threshold: null, passed: true, detail }, headline: detail, severity: 0, release: { record, comparison } };
  }
  return {
    check: { ...base, passed: comparison.kind !== 'worse', detail: releaseDetail(record, comparison, settings) },
    headline: releaseHeadline(record, comparison),
    severity: 0,
    release: { record, comparison },
  };
}

/** By the summary's kind order; within a kind the most severe first, then input order (the sort is stable). */
function sortForSummary(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => SUMMARY_ORDER.indexOf(a.check.check) - SUMMARY_ORDER.indexOf(b.check.check) || b.severity - a.severity,
  );
}

/**
 * The shell passes only valid, matching overrides; the check is repeated here because it is cheap and an
 * expired break-glass must never open the gate. An override for this exact config wins over `*`, then the
 * one that lasts longest.
 */
function pickOverride(overrides: Override[], configHash: string, nowMs: number): Override | null {
  const valid = overrides.filter((o) => o.expiresAtMs > nowMs && (o.configHash === configHash || o.configHash === '*'));
  valid.sort((a, b) => Number(b.configHash === configHash) - Number(a.configHash === configHash) || b.expiresAtMs - a.expiresAtMs);
  return valid[0] ?? null;
}

function wouldHaveBeen(v: GateVerdict): { wouldHaveBeen?: 'deny' | 'wait' } {
  return v.decision === 'allow' ? {} : { wouldHaveBeen: v.decision };
}

const whose = (s: GateSettings): string => (s.policyName === null ? 'the defaults' : 'policy');

/** Without a policy, the summary and the first reason say so: a deny from defaults is not a team's decision. */
function withPolicyNote(v: GateVerdict, input: GateInput, settings: GateSettings): GateVerdict {
  if (settings.policyName !== null) return v;
  const reason = noPolicyReason(input.request.app, input.request.environment, settings);
  return { ...v, summary: `${v.summary}; ${NO_POLICY_NOTE}`, reasons: [reason, ...v.reasons] };
}

/** Rule 7: the verdict as computed, answered as allow. "dry run: would deny: …" reads as what it is. */
function asDryRun(v: GateVerdict, settings: GateSettings): GateVerdict {
  const summary = v.decision === 'allow' ? `dry run: ${v.summary}` : `dry run: would ${v.summary}`;
  return {
    decision: 'allow',
    basis: 'dry_run',
    summary,
    reasons: [dryRunReason(settings), ...v.reasons],
    checks: v.checks,
    ...wouldHaveBeen(v),
  };
}

function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
