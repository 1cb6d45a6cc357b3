/**
 * A SeriesSource over series held in memory: the reference implementation of the seam (tests,
 * derived series). It honours matchers and the time window exactly as a store must.
 */
import { matchesAll } from './matchers.js';
import { lowerBound, upperBound } from './selectors.js';
import type { SelectRequest, Series, SeriesSource } from './source.js';

export interface MemorySource extends SeriesSource {
  /** Every request received, in order: lets tests check what was pushed down. */
  readonly requests: readonly SelectRequest[];
}

export function createMemorySource(series: readonly Series[]): MemorySource {
  const requests: SelectRequest[] = [];
  const stored = series.map((s) => ({
    labels: s.labels,
    timestampsMs: Float64Array.from(s.timestampsMs),
    values: Float64Array.from(s.values),
  }));
  return {
    requests,
    async select(req, signal) {
      signal?.throwIfAborted();
      requests.push(req);
      const out: Series[] = [];
      for (const s of stored) {
        if (!matchesAll(s.labels, req.matchers)) continue;
        const lo = lowerBound(s.timestampsMs, req.startMs);
        const hi = upperBound(s.timestampsMs, req.endMs);
        if (hi > lo) out.push({ labels: { ...s.labels }, timestampsMs: s.timestampsMs.subarray(lo, hi), values: s.values.subarray(lo, hi) });
      }
      return out;
    },
  };
}
