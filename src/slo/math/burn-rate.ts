/**
 * @module slo/math
 * Error ratio and burn rate over one window of event counts. A burn rate of 1 spends the budget exactly by the
 * end of the period; 14.4 spends 2% of a 30-day budget in an hour.
 * Counts may be fractional (Prometheus `increase()` extrapolates); they are read as exact decimals either way.
 */
import { divideRatios, ratioFromNumber, ratioToNumber, type Ratio } from './decimal.js';

export interface WindowCounts {
  totalEvents: number;
  /** At most `totalEvents`. */
  badEvents: number;
}

/** bad / total, or `null` when there were no events: no traffic means "unknown", not "no errors". */
export function errorRatio(w: WindowCounts): number | null {
  // Hot path (the SLO series ask for every minute of a month): whole counts are exact doubles, and one
  // IEEE division of them is the correctly rounded quotient, the same double the exact path gives.
  if (Number.isSafeInteger(w.totalEvents) && Number.isSafeInteger(w.badEvents)) return w.totalEvents === 0 ? null : w.badEvents / w.totalEvents;
  const r = exactErrorRatio(w);
  return r === null ? null : ratioToNumber(r);
}

/** errorRatio / budgetFraction, or `null` when there were no events. 144 bad of 10000 at 0.001 is exactly 14.4. */
export function burnRate(w: WindowCounts, budgetFraction: number): number | null {
  const r = exactBurnRate(w, budgetRatio(budgetFraction));
  return r === null ? null : ratioToNumber(r);
}

export function exactErrorRatio(w: WindowCounts): Ratio | null {
  if (w.totalEvents === 0) return null;
  return divideRatios(ratioFromNumber(w.badEvents), ratioFromNumber(w.totalEvents));
}

export function exactBurnRate(w: WindowCounts, budget: Ratio): Ratio | null {
  const r = exactErrorRatio(w);
  return r === null ? null : divideRatios(r, budget);
}

/**
 * The budget as an exact ratio, read as the decimal that was written (0.001 → 1/1000).
 * @throws RangeError outside (0, 1]: budgets come from `errorBudgetFraction`, so this is a programming error.
 */
export function budgetRatio(budgetFraction: number): Ratio {
  if (!Number.isFinite(budgetFraction) || budgetFraction <= 0 || budgetFraction > 1) {
    throw new RangeError(`budgetFraction ${budgetFraction} must be above 0 and at most 1 (use errorBudgetFraction)`);
  }
  return ratioFromNumber(budgetFraction);
}
