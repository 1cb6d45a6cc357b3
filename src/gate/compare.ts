/**
 * @module gate/compare
 * Is a release's bad-event ratio worse than its baseline's? Two conditions, both required: the ratio is above
 * `maxRatioIncrease` × the baseline's (an effect big enough to matter) and a one-sided test says the increase is
 * not chance (p < `significance`). The test is the pooled two-proportion z-test when every expected cell count
 * is at least 5 (the usual rule for the normal approximation), otherwise Fisher's exact test.
 */
import type { CompareSettings } from '../slo/spec/index.js';
import { greaterProportionTest } from '../slo/math/index.js';
import { formatCount } from './format.js';
import type { Comparison, ErrorCounts } from './types.js';

export function compareErrorRatios(counts: ErrorCounts, settings: CompareSettings): Comparison {
  checkCounts(counts);
  const { releaseBad, releaseTotal, baselineBad, baselineTotal } = counts;
  if (releaseTotal < settings.minEvents || baselineTotal < settings.minEvents) {
    return {
      kind: 'insufficient_data',
      reason:
        `this release has served ${formatCount(releaseTotal)} events and its baseline ${formatCount(baselineTotal)}; ` +
        `at least ${formatCount(settings.minEvents)} each are needed to compare`,
    };
  }
  const releaseRatio = releaseBad / releaseTotal;
  const baselineRatio = baselineBad / baselineTotal;
  // A baseline without bad events makes any bad event an infinite increase; the test decides whether it is real.
  const ratioIncrease = baselineRatio > 0 ? releaseRatio / baselineRatio : releaseRatio > 0 ? Infinity : 1;
  const exceedsMaxIncrease = releaseRatio > baselineRatio * settings.maxRatioIncrease;
  const { test, pValue } = greaterProportionTest({ bad: releaseBad, total: releaseTotal }, { bad: baselineBad, total: baselineTotal });
  const isWorse = exceedsMaxIncrease && pValue < settings.significance;
  return { kind: isWorse ? 'worse' : 'not_worse', releaseRatio, baselineRatio, ratioIncrease, exceedsMaxIncrease, test, pValue };
}

function checkCounts(c: ErrorCounts): void {
  const ok = (bad: number, total: number): boolean => Number.isFinite(bad) && Number.isFinite(total) && bad >= 0 && bad <= total;
  if (!ok(c.releaseBad, c.releaseTotal) || !ok(c.baselineBad, c.baselineTotal)) {
    // Counts come from the store's own aggregation; inconsistent ones are a bug there, not user input.
    throw new RangeError(`counts must be finite with 0 <= bad <= total, got ${JSON.stringify(c)}`);
  }
}
