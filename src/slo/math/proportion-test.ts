/**
 * @module slo/math/proportion-test
 * Is one bad-event ratio greater than another beyond chance? One-sided tests of two proportions:
 * the gate compares a release with its baseline, attribution a cause with the same cause in its
 * baseline. Plain numbers in and out.
 */
import { logChoose, normalCdf } from './special-functions.js';

export type StatTest = 'two-proportion z-test' | 'Fisher exact test';

/** Bad events of total events; counts may be fractional (metric SLIs), Fisher's test rounds them. */
export interface Proportion {
  bad: number;
  total: number;
}

/** Below this expected count in any cell the z-test's normal approximation is not trusted (Cochran's rule). */
const MIN_EXPECTED_CELL = 5;

/**
 * The one-sided test of "the first side's bad ratio is greater than the second's", chosen by
 * expected counts: the pooled two-proportion z-test when every expected cell count is at least 5
 * (the usual rule for the normal approximation), otherwise Fisher's exact test.
 */
export function greaterProportionTest(
  { bad: releaseBad, total: releaseTotal }: Proportion,
  { bad: baselineBad, total: baselineTotal }: Proportion,
): { test: StatTest; pValue: number } {
  const total = releaseTotal + baselineTotal;
  const bad = releaseBad + baselineBad;
  const good = total - bad;
  const smallestExpected = (Math.min(releaseTotal, baselineTotal) * Math.min(bad, good)) / total;
  if (smallestExpected >= MIN_EXPECTED_CELL) {
    return { test: 'two-proportion z-test', pValue: twoProportionZTest(releaseBad, releaseTotal, baselineBad, baselineTotal).pValue };
  }
  // Fisher's test counts whole events; metric SLIs can report extrapolated, fractional counts.
  const a = Math.round(releaseBad);
  const c = Math.round(baselineBad);
  return {
    test: 'Fisher exact test',
    pValue: fisherExactGreater(a, Math.round(releaseTotal) - a, c, Math.round(baselineTotal) - c),
  };
}

/**
 * Pooled two-proportion z-test, one-sided (H1: p1 > p2): z = (p1 − p2) / √(p̂(1 − p̂)(1/n1 + 1/n2)),
 * p̂ = (x1 + x2)/(n1 + n2), p-value = 1 − Φ(z). Needs 0 < p̂ < 1 (otherwise the standard error is 0).
 */
export function twoProportionZTest(bad1: number, total1: number, bad2: number, total2: number): { z: number; pValue: number } {
  const pooled = (bad1 + bad2) / (total1 + total2);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / total1 + 1 / total2));
  if (!(standardError > 0)) {
    throw new RangeError(`the z-test needs bad and good events on both sides together, got ${bad1 + bad2} of ${total1 + total2}`);
  }
  const z = (bad1 / total1 - bad2 / total2) / standardError;
  return { z, pValue: normalCdf(-z) };
}

/**
 * Fisher's exact test, one-sided (H1: the first row's share of column 1 is greater), for the table
 *   [[a, b],   release:  bad, good
 *    [c, d]]   baseline: bad, good
 * p = P(X >= a) where X, the first row's bad count given all margins, is hypergeometric.
 *
 * Terms are built in log space: the first from log factorials (ln C via log-gamma), the next ones by the ratio
 * of neighbouring terms, and summed relative to the first so that 10^6 events neither overflow nor underflow.
 * The shorter tail is summed: for a at or below the mean, p = 1 − P(X <= a − 1). Against mpmath the result is
 * good to about 1e-12 relative at thousands of events and 5e-10 at 10^6 (ln Γ(2·10^6) ≈ 2.7e7 is only held to
 * ~1e-9 absolute): far below any significance level a policy would set.
 */
export function fisherExactGreater(a: number, b: number, c: number, d: number): number {
  for (const n of [a, b, c, d]) {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`Fisher's exact test needs whole counts >= 0, got [[${a}, ${b}], [${c}, ${d}]]`);
    }
  }
  const rowTotal = a + b;
  const badTotal = a + c;
  const goodTotal = b + d;
  const total = rowTotal + c + d;
  const lowest = Math.max(0, rowTotal - goodTotal);
  const highest = Math.min(rowTotal, badTotal);
  if (a <= lowest) return 1;
  const logPmf = (k: number): number => logChoose(badTotal, k) + logChoose(goodTotal, rowTotal - k) - logChoose(total, rowTotal);
  // P(X = k + 1) / P(X = k) and its inverse, from the binomial coefficients.
  const up = (k: number): number => ((badTotal - k) * (rowTotal - k)) / ((k + 1) * (goodTotal - rowTotal + k + 1));
  const down = (k: number): number => (k * (goodTotal - rowTotal + k)) / ((badTotal - k + 1) * (rowTotal - k + 1));

  const mean = (rowTotal * badTotal) / total;
  if (a > mean) return Math.min(1, tailSum(logPmf(a), a, highest, up, 1));
  return Math.max(0, 1 - Math.min(1, tailSum(logPmf(a - 1), a - 1, lowest, down, -1)));
}

/** Σ P(X = k) from `start` towards `end`, given ln P(X = start) and the ratio of each term to the next. */
function tailSum(logFirst: number, start: number, end: number, ratio: (k: number) => number, step: 1 | -1): number {
  let sum = 1; // in units of the first term
  let logTerm = 0;
  for (let k = start; k !== end; k += step) {
    const r = ratio(k);
    logTerm += Math.log(r);
    const term = Math.exp(logTerm);
    sum += term;
    // Past the mode the terms only shrink; once one adds nothing to a double, the rest cannot either.
    if (r < 1 && term < sum * 1e-17) break;
  }
  return Math.exp(logFirst + Math.log(sum));
}
