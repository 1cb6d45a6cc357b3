/**
 * @module slo/math
 * Multi-window, multi-burn-rate alert windows: Google SRE Workbook ch. 5 ("Alerting on SLOs", table 5-8),
 * in Sloth's form where each row is a share of the period's budget burnt within the long window, so the burn
 * factor follows the period: `budgetConsumedFraction × period / longWindow` (14.4 at 30d, 13.44 at 28d).
 */
import { decimalFromNumber, decimalToString, divideRatios, multiplyRatios, ratioFromNumber, ratioToNumber, shiftDecimal } from './decimal.js';
import { formatWindow } from './duration.js';
import { fail, ok, type Result } from './result.js';

export type Severity = 'page' | 'ticket';

export interface AlertWindowSpec {
  severity: Severity;
  shortWindowSeconds: number;
  longWindowSeconds: number;
  /** The share of the whole period's budget (0-1) that, burnt within the long window, should alert. */
  budgetConsumedFraction: number;
}

export interface AlertWindow extends AlertWindowSpec {
  /** How many times faster than "exactly spend the budget by the period's end" both windows must burn. */
  burnFactor: number;
  /** e.g. "page: 2% of the budget burnt within 1h" (Pyrra labels its rows the same way). */
  meaning: string;
}

const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;

/** The Workbook's recommended rows; the short window is 1/12 of the long one. */
export const SRE_WORKBOOK_WINDOWS: readonly AlertWindowSpec[] = [
  { severity: 'page', shortWindowSeconds: 5 * MINUTE, longWindowSeconds: HOUR, budgetConsumedFraction: 0.02 },
  { severity: 'page', shortWindowSeconds: 30 * MINUTE, longWindowSeconds: 6 * HOUR, budgetConsumedFraction: 0.05 },
  { severity: 'ticket', shortWindowSeconds: 2 * HOUR, longWindowSeconds: DAY, budgetConsumedFraction: 0.1 },
  { severity: 'ticket', shortWindowSeconds: 6 * HOUR, longWindowSeconds: 3 * DAY, budgetConsumedFraction: 0.1 },
];

/**
 * The alert rows for a period of `periodSeconds` (for a calendar period, pass the current period's length).
 * Fails when a row is malformed or its long window does not fit in the period (the defaults need 3 days).
 */
export function alertWindows(
  periodSeconds: number,
  specs: readonly AlertWindowSpec[] = SRE_WORKBOOK_WINDOWS,
): Result<AlertWindow[]> {
  if (!isPositive(periodSeconds)) return fail(`period of ${periodSeconds} seconds must be a positive number`);
  const rows: AlertWindow[] = [];
  for (const [i, spec] of specs.entries()) {
    const problem = specProblem(spec, periodSeconds);
    if (problem !== undefined) return fail(`alert window ${i + 1} (${spec.severity}): ${problem}`);
    rows.push({ ...spec, burnFactor: burnFactor(spec, periodSeconds), meaning: meaning(spec) });
  }
  return ok(rows);
}

/**
 * In exact rationals with one rounding at the end, so each factor is the double its decimal literal is:
 * 0.05 × (28d / 6h) in floating point is 5.6000000000000005, here 5.6.
 */
function burnFactor(spec: AlertWindowSpec, periodSeconds: number): number {
  const consumedOverPeriod = multiplyRatios(ratioFromNumber(spec.budgetConsumedFraction), ratioFromNumber(periodSeconds));
  return ratioToNumber(divideRatios(consumedOverPeriod, ratioFromNumber(spec.longWindowSeconds)));
}

function meaning(spec: AlertWindowSpec): string {
  const percent = decimalToString(shiftDecimal(decimalFromNumber(spec.budgetConsumedFraction), 2));
  return `${spec.severity}: ${percent}% of the budget burnt within ${formatWindow(spec.longWindowSeconds)}`;
}

function specProblem(spec: AlertWindowSpec, periodSeconds: number): string | undefined {
  const { shortWindowSeconds: short, longWindowSeconds: long, budgetConsumedFraction: consumed } = spec;
  if (spec.severity !== 'page' && spec.severity !== 'ticket') return `severity must be page or ticket`;
  if (!isPositive(short) || !isPositive(long)) return `windows must be positive numbers of seconds`;
  if (short >= long) return `short window ${formatWindow(short)} must be shorter than long window ${formatWindow(long)}`;
  if (long > periodSeconds) {
    return `long window ${formatWindow(long)} must not be longer than the period ${formatWindow(periodSeconds)}`;
  }
  if (!isPositive(consumed) || consumed > 1) return `budgetConsumedFraction ${consumed} must be above 0 and at most 1`;
  return undefined;
}

const isPositive = (x: number): boolean => Number.isFinite(x) && x > 0;
