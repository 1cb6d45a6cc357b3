/**
 * @module slo/math
 * How much of the error budget a period's events have spent, and how long the rest lasts at a given burn rate
 * (SRE Workbook ch. 5, tables 5-4 and 5-6). Arithmetic is exact with one rounding, so 30d / 1000 is 2592 s.
 */
import { decimalFromNumber, divideRatios, multiplyRatios, ratio, ratioFromNumber, ratioToNumber, subtractRatios } from './decimal.js';
import { budgetRatio, exactBurnRate, type WindowCounts } from './burn-rate.js';

const ONE = ratio(1n, 1n);

/** errorRatio / budgetFraction over the period: 1 means all spent. 0 when there was no traffic (nothing spent). */
export function budgetConsumed(periodCounts: WindowCounts, budgetFraction: number): number {
  const consumed = exactBurnRate(periodCounts, budgetRatio(budgetFraction));
  return consumed === null ? 0 : ratioToNumber(consumed);
}

/**
 * 1 − budgetConsumed: 1 untouched, 0 spent, negative when overspent (−0.5 is half a budget over).
 * 1 when there was no traffic: an SLO nobody used has not spent its budget.
 */
export function budgetRemaining(periodCounts: WindowCounts, budgetFraction: number): number {
  const fast = budgetRemainingOfWholeCounts(periodCounts, budgetFraction);
  if (fast !== undefined) return fast;
  const consumed = exactBurnRate(periodCounts, budgetRatio(budgetFraction));
  return consumed === null ? 1 : ratioToNumber(subtractRatios(ONE, consumed));
}

export interface ExhaustionInput {
  /** From `budgetRemaining`; at or below 0 the budget is already gone. */
  remainingFraction: number;
  burnRate: number | null;
  periodSeconds: number;
}

/**
 * At the current burn rate, seconds until the remaining budget is gone: remaining × period / burnRate.
 * `null` when the budget is not burning (burn rate ≤ 0 or unknown); 0 when it is already exhausted.
 */
export function secondsUntilExhausted({ remainingFraction, burnRate, periodSeconds }: ExhaustionInput): number | null {
  if (remainingFraction <= 0) return 0;
  if (burnRate === null || burnRate <= 0) return null;
  const remainingBudgetSeconds = multiplyRatios(ratioFromNumber(remainingFraction), ratioFromNumber(periodSeconds));
  return ratioToNumber(divideRatios(remainingBudgetSeconds, ratioFromNumber(burnRate)));
}

/** Seconds for a burn rate to spend a whole, untouched budget: period / burnRate; `null` when not burning. */
export function timeToExhaustFullBudgetSeconds(burnRate: number, periodSeconds: number): number | null {
  return secondsUntilExhausted({ remainingFraction: 1, burnRate, periodSeconds });
}

/** The share of the period's budget that `burnRate` sustained for `durationSeconds` spends: 14.4 for 1h of 30d is 0.02. */
export function budgetConsumedByBurn(burnRate: number, durationSeconds: number, periodSeconds: number): number {
  const spent = multiplyRatios(ratioFromNumber(burnRate), ratioFromNumber(durationSeconds));
  return ratioToNumber(divideRatios(spent, ratioFromNumber(periodSeconds)));
}

const budgetDecimals = new Map<number, { units: number; scale: number }>();

/**
 * Hot path (the SLO series ask for every minute of a month). With whole counts and a budget of
 * u·10^-s, the remaining budget is exactly (total·u − bad·10^s) / (total·u); while both sides stay
 * below 2^53 they are exact doubles, and one division gives the correctly rounded value, the same
 * double as the exact path. undefined when that does not hold.
 */
function budgetRemainingOfWholeCounts(c: WindowCounts, budgetFraction: number): number | undefined {
  if (!Number.isSafeInteger(c.totalEvents) || !Number.isSafeInteger(c.badEvents) || c.totalEvents <= 0) return undefined;
  let d = budgetDecimals.get(budgetFraction);
  if (d === undefined) {
    if (!Number.isFinite(budgetFraction) || budgetFraction <= 0 || budgetFraction > 1) return undefined;
    const exact = decimalFromNumber(budgetFraction);
    d = { units: Number(exact.units), scale: exact.scale };
    budgetDecimals.set(budgetFraction, d);
  }
  const denominator = c.totalEvents * d.units;
  const spent = c.badEvents * 10 ** d.scale;
  if (!Number.isSafeInteger(denominator) || !Number.isSafeInteger(spent) || d.scale > 22) return undefined;
  return (denominator - spent) / denominator;
}
