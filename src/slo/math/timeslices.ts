/**
 * @module slo/math
 * Timeslice budgeting (OpenSLO `budgetingMethod: Timeslices`): the period is cut into slices (say one a minute),
 * a slice is good when its good ratio reaches the slice target, and the SLO counts slices instead of events.
 * The result has the shape of event counts, so burn rate and budget math apply unchanged.
 */
import { compareRatios, divideRatios, ratioFromNumber, subtractRatios } from './decimal.js';
import type { WindowCounts } from './burn-rate.js';

/**
 * A slice without events counts as good: a quiet minute broke no promise, and counting it bad would page
 * low-traffic services at night. Compared exactly, so 95 good of 100 meets a target of 0.95.
 * @throws RangeError for a target outside (0, 1].
 */
export function timesliceCounts(slices: readonly WindowCounts[], sliceTargetRatio: number): WindowCounts {
  if (!Number.isFinite(sliceTargetRatio) || sliceTargetRatio <= 0 || sliceTargetRatio > 1) {
    throw new RangeError(`slice target ${sliceTargetRatio} must be above 0 and at most 1 (e.g. 0.95)`);
  }
  const target = ratioFromNumber(sliceTargetRatio);
  let badSlices = 0;
  for (const s of slices) {
    if (s.totalEvents === 0) continue;
    const total = ratioFromNumber(s.totalEvents);
    const goodRatio = divideRatios(subtractRatios(total, ratioFromNumber(s.badEvents)), total);
    if (compareRatios(goodRatio, target) < 0) badSlices += 1;
  }
  return { totalEvents: slices.length, badEvents: badSlices };
}
