/**
 * @module slo/math
 * From an objective in percent (99.9) to the fractions the rest of the math uses, computed in decimal so that
 * 99.9 gives a budget of exactly 0.001 rather than 0.0009999999999999432.
 */
import { decimalFromNumber, decimalToNumber, shiftDecimal, subtractDecimals, type Decimal } from './decimal.js';
import { fail, ok, type Result } from './result.js';

const HUNDRED: Decimal = { units: 100n, scale: 0 };

/** The share of events allowed to be bad: 99.9 → 0.001, 99.95 → 0.0005, 95 → 0.05. */
export function errorBudgetFraction(objectivePercent: number): Result<number> {
  const checked = checkObjective(objectivePercent);
  if (!checked.ok) return checked;
  return ok(decimalToNumber(shiftDecimal(subtractDecimals(HUNDRED, checked.value), -2)));
}

/** The objective as a ratio: 99.9 → 0.999, the same double as the literal. */
export function objectiveRatio(objectivePercent: number): Result<number> {
  const checked = checkObjective(objectivePercent);
  if (!checked.ok) return checked;
  return ok(decimalToNumber(shiftDecimal(checked.value, -2)));
}

function checkObjective(objectivePercent: number): Result<Decimal> {
  // 0 would make every event bad and 100 would leave no budget to burn: burn rates divide by the budget.
  if (!Number.isFinite(objectivePercent) || objectivePercent <= 0 || objectivePercent >= 100) {
    return fail(`objective ${objectivePercent} is not a percentage above 0 and below 100 (e.g. 99.9)`);
  }
  return ok(decimalFromNumber(objectivePercent));
}
