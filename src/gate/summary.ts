/**
 * @module gate/summary
 * The words of a verdict: one sentence per check (its `detail`, also used as a reason), a short headline per
 * failed check, and the one-line summary that starts with the decision. Pure string building; `decide` chooses
 * which facts to say.
 */
import { changeWords } from '../attribution/index.js';
import {
  formatCompactFactor, formatCount, formatDate, formatDateTime, formatFactor, formatFractionPercent, formatPValue, formatRatioPercent, plural, shortHash,
} from './format.js';
import type { GateSettings } from './settings.js';
import type { Cause, CheckKind, Comparison, ComparisonNumbers, Override, ReleaseRecord, SloHealth } from './types.js';

/** "policy needs" or "defaults need": whose threshold it is matters when someone wants to change it. */
const source = (s: GateSettings, verb: 'need' | 'allow'): string =>
  s.policyName === null ? `defaults ${verb}` : `policy ${verb === 'need' ? 'needs' : 'allows'}`;

export function budgetText(h: SloHealth, minFraction: number, s: GateSettings): string {
  const needs = minFraction > 0 ? `${source(s, 'need')} ${formatFractionPercent(minFraction)}` : `${source(s, 'need')} some`;
  if (h.budgetRemaining < 0) {
    return `${h.slo} has overspent its error budget by ${formatFractionPercent(-h.budgetRemaining)} (${needs} left)`;
  }
  return `${h.slo} has ${formatFractionPercent(h.budgetRemaining)} of its error budget left (${needs})`;
}

export function burnRateText(h: SloHealth, maxBurnRate: number, s: GateSettings): string {
  const allows = `${source(s, 'allow')} up to ${formatFactor(maxBurnRate)}`;
  if (h.burnRate === null) return `${h.slo} had no traffic over ${h.burnWindow}, so no burn rate (${allows})`;
  return `${h.slo} burns its error budget at ${formatFactor(h.burnRate)} over ${h.burnWindow} (${allows})`;
}

export function pageAlertDetail(h: SloHealth): string {
  const n = h.pageAlertsFiring.length;
  if (n === 0) return `${h.slo} has no page alert firing`;
  return `${h.slo} is paging: ${plural(n, 'page alert')} firing (${h.pageAlertsFiring.join(', ')})`;
}

/**
 * The headline of an SLO that fails in the target environment, from its failed checks, the
 * worst first, with the numbers that matter:
 *   "prod has spent checkout-availability's error budget (−152× left, burning 164× over 1h)"
 *   "prod has spent cart-availability's error budget (−50 % left, not burning over 1h)"
 *   "checkout-availability is paging in prod (burning 20× over 1h, 62 % of its budget left)"
 *   "prod burns checkout-availability's error budget at 14× over 1h (policy allows up to 10×)"
 *   "prod has 3.2 % of checkout-availability's error budget left (policy needs 10 %)"
 */
export function healthHeadline(h: SloHealth, environment: string, failed: ReadonlySet<CheckKind>, s: GateSettings): string {
  const burning = h.burnRate === null ? '' : h.burnRate === 0 ? `not burning over ${h.burnWindow}` : `burning ${formatCompactFactor(h.burnRate)} over ${h.burnWindow}`;
  if (failed.has('budget_remaining') && h.budgetRemaining <= 0) {
    return `${environment} has spent ${h.slo}'s error budget (${budgetLeft(h.budgetRemaining)} left${burning === '' ? '' : `, ${burning}`})`;
  }
  if (failed.has('page_alert')) {
    const budget = h.budgetRemaining <= 0 ? 'budget spent' : `${formatFractionPercent(h.budgetRemaining)} of its budget left`;
    return `${h.slo} is paging in ${environment} (${burning === '' ? '' : `${burning}, `}${budget})`;
  }
  if (failed.has('burn_rate') && h.burnRate !== null) {
    return `${environment} burns ${h.slo}'s error budget at ${formatCompactFactor(h.burnRate)} over ${h.burnWindow} ` +
      `(${source(s, 'allow')} up to ${formatFactor(s.maxBurnRate ?? 0)})`;
  }
  return `${environment} has ${formatFractionPercent(h.budgetRemaining)} of ${h.slo}'s error budget left ` +
    `(${source(s, 'need')} ${formatFractionPercent(s.minBudgetRemainingFraction ?? 0)})`;
}

/** What is left of a budget: "−50 %" of it, or "−152×" once it is ten budgets or more overspent. */
const budgetLeft = (remaining: number): string =>
  remaining <= -10 ? `−${formatCompactFactor(-remaining)}` : remaining < 0 ? `−${formatFractionPercent(-remaining)}` : formatFractionPercent(remaining);

/** "fails 5.0 % of checkout-availability events" or "is slow on 12.0 % of checkout-latency events". */
const releaseShare = (r: ReleaseRecord, ratio: number): string =>
  `${r.sloKind === 'latency' ? 'is slow on' : 'fails'} ${formatRatioPercent(ratio)} of ${r.slo} events`;

export function releaseDetail(r: ReleaseRecord, c: Comparison, s: GateSettings): string {
  if (c.kind === 'insufficient_data') return `in ${r.environment} (${r.slo}) ${c.reason}`;
  return (
    `in ${r.environment} this release ${releaseShare(r, c.releaseRatio)} against ${formatRatioPercent(c.baselineRatio)} ` +
    `for its baseline: ${verdictOfComparison(c, s)} (${c.test}, ${formatPValue(c.pValue)})`
  );
}

function verdictOfComparison(c: ComparisonNumbers & { kind: 'worse' | 'not_worse' }, s: GateSettings): string {
  const limit = formatFactor(s.compare.maxRatioIncrease);
  if (c.kind === 'worse') return `more than ${limit} and significant at ${s.compare.significance}`;
  if (!c.exceedsMaxIncrease) return `within ${limit}`;
  return `above ${limit} but not significant at ${s.compare.significance}`;
}

export const noBaselineDetail = (r: ReleaseRecord): string => `in ${r.environment} (${r.slo}) this release has no baseline to compare with`;

/** "in staging this release fails 5.0 % of checkout-availability events (baseline 0.1 %)". */
export const releaseHeadline = (r: ReleaseRecord, c: ComparisonNumbers): string =>
  `in ${r.environment} this release ${releaseShare(r, c.releaseRatio)} (baseline ${formatRatioPercent(c.baselineRatio)})`;

/**
 * Why a compared release passes, never "no worse" when its numbers are worse:
 *   "this release is no worse than its baseline in staging (0.1 % vs 0.2 % of search-latency events)"
 *   "5.0 % vs 0.1 % of checkout-availability events in staging, on 20 events, is not significant yet"
 *   "1.5 % vs 1.0 % of checkout-availability events in staging is within the defaults' 2×"
 */
export function releaseOkHeadline(r: ReleaseRecord, c: ComparisonNumbers, s: GateSettings): string {
  const numbers = `${formatRatioPercent(c.releaseRatio)} vs ${formatRatioPercent(c.baselineRatio)} of ${r.slo} events`;
  if (c.releaseRatio <= c.baselineRatio) return `this release is no worse than its baseline in ${r.environment} (${numbers})`;
  if (c.exceedsMaxIncrease) return `${numbers} in ${r.environment}, on ${formatCount(r.releaseTotal)} events, is not significant yet`;
  return `${numbers} in ${r.environment} is within ${s.policyName === null ? "the defaults'" : "the policy's"} ${formatFactor(s.compare.maxRatioIncrease)}`;
}

/** For the summary: "top cause TypeError in GET /api/items/{id}, new in 3f9a2c1d4e5b". */
export const causeHeadline = (cause: Cause): string => `top cause ${cause.headline}${changeWords(cause)}`;

/** For the reasons: the cause with its numbers and an example to open. */
export function causeDetail(cause: Cause): string {
  const example = cause.exampleTraceIds[0];
  const budget = cause.budgetShare === null ? '' : `, ${formatFractionPercent(cause.budgetShare)} of its error budget`;
  const baseline = cause.baselineCount === null ? '' : cause.baselineCount === 0 ? '; none in its baseline' : `; ${plural(cause.baselineCount, 'time')} in its baseline`;
  return (
    `top cause of ${cause.slo}'s bad events: ${cause.headline}, ${plural(cause.count, 'time')} ` +
    `(${formatFractionPercent(cause.share)} of them${budget})${baseline}${example === undefined ? '' : `; example trace ${example}`}`
  );
}

export const noPolicyReason = (app: string, environment: string, s: GateSettings): string =>
  `no gate policy matched ${app} in ${environment}; defaults applied: the error budget must not be spent, no page alert ` +
  `may fire, a release fails its comparison above ${formatFactor(s.compare.maxRatioIncrease)} its baseline at ` +
  `p < ${s.compare.significance} with ${formatCount(s.compare.minEvents)} events each, and no data means ${s.noData}`;

/** The summary's last part when no policy matched; the first reason says which defaults. */
export const NO_POLICY_NOTE = 'no gate policy matched; defaults applied';

export const overrideHeadline = (o: Override): string =>
  `break-glass override by ${o.who} until ${formatDateTime(o.expiresAtMs)}: ${o.reason}`;

export const overrideReason = (o: Override): string =>
  `break-glass override ${o.id} by ${o.who}, valid until ${formatDateTime(o.expiresAtMs)}` +
  `${o.configHash === '*' ? ' for any config' : ''}: ${o.reason}`;

export interface RollbackFacts {
  configHash: string;
  environment: string;
  lastHealthyAtMs: number;
}

export const rollbackHeadline = (r: RollbackFacts): string =>
  `rollback to ${shortHash(r.configHash)}, which ran healthy in ${r.environment} until ${formatDate(r.lastHealthyAtMs)}`;

// SRE Workbook, "Example Error Budget Policy": changes halt while the budget is spent, fixes do not.
export const rollbackReason = (r: RollbackFacts): string =>
  `this config (${r.configHash}) ran healthy in ${r.environment} until ${formatDateTime(r.lastHealthyAtMs)}: ` +
  'deploying it again is a rollback, and an error-budget policy halts changes, not fixes';

export const rollbackDeniedReason = (r: RollbackFacts): string =>
  `this is a rollback to a config that ran healthy in ${r.environment} until ${formatDate(r.lastHealthyAtMs)}, ` +
  'but a rollback goes through only when its own traffic is no worse than its baseline';

/** What is missing when there is no data: the target's SLOs and the release's own traffic. */
export function missingTargetData(health: SloHealth[], environment: string): string {
  if (health.length === 0) return `the policy selects no SLOs in ${environment}`;
  return `no events yet in ${environment} for ${health.map((h) => h.slo).join(', ')}`;
}

export const MISSING_RELEASE_DATA = 'this release has not served traffic anywhere yet';

export const noDataRule = (s: GateSettings): string =>
  `${s.policyName === null ? 'the defaults say' : `policy ${s.policyName} says`} no_data: ${s.noData}`;

export const noDataHeadline = (environment: string): string => `no traffic yet, for this release or in ${environment}`;

export const dryRunReason = (s: GateSettings): string =>
  `dry run: policy ${s.policyName ?? '(defaults)'} records this decision but does not block the release`;

/** The one line: the decision, then the most important fact. */
export const summaryLine = (decision: 'allow' | 'deny' | 'wait', ...parts: string[]): string => `${decision}: ${parts.join('; ')}`;
