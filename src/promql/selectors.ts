/**
 * Reading a selector's samples at evaluation times (engine.go vectorSelectorSingle,
 * matrixSelector): the latest sample in [t - lookback, t] for an instant selector, the samples in
 * [t - range, t] — both ends inclusive in Prometheus 2.x — for a range selector, where t is the
 * step time minus the offset, or the `@` time minus the offset.
 */
import type { VectorSelector } from './ast.js';
import { execution } from './errors.js';
import { dropMetricName } from './labels.js';
import { gridTime, VectorBuilder, type Grid, type Limits, type RangeSeries, type StepSeries, type VectorValue } from './values.js';

/**
 * Calls `found(step, index)` for every step at which the series has a sample within the lookback.
 * Steps move forward, so one index walks the samples once; an `@` time is found by binary search.
 */
function forEachLatest(
  t: Float64Array,
  offsetMs: number,
  atMs: number | undefined,
  g: Grid,
  lookbackMs: number,
  found: (step: number, index: number) => void,
): void {
  let j = -1; // the latest sample at or before the reference time
  for (let i = 0; i < g.steps; i++) {
    const ref = (atMs ?? gridTime(g, i)) - offsetMs;
    if (atMs !== undefined) j = upperBound(t, ref) - 1;
    else while (j + 1 < t.length && (t[j + 1] as number) <= ref) j++;
    if (j >= 0 && (t[j] as number) >= ref - lookbackMs) found(i, j);
  }
}

export function instantSelector(
  series: readonly RangeSeries[],
  vs: VectorSelector,
  atMs: number | undefined,
  g: Grid,
  lookbackMs: number,
  limits: Limits,
): VectorValue {
  const out: StepSeries[] = [];
  let points = 0;
  for (const s of series) {
    limits.checkTime();
    const values = new Float64Array(g.steps);
    const present = new Uint8Array(g.steps);
    let count = 0;
    forEachLatest(s.timestampsMs, vs.offsetMs, atMs, g, lookbackMs, (step, j) => {
      values[step] = s.values[j] as number;
      present[step] = 1;
      count++;
    });
    if (count > 0) {
      out.push({ labels: s.labels, values, present });
      points += count;
    }
  }
  limits.addPoints(points);
  return { kind: 'vector', series: out, points };
}

/** timestamp(selector) reports the sample's own time, not the step's. */
export function timestampOfSelector(
  series: readonly RangeSeries[],
  vs: VectorSelector,
  atMs: number | undefined,
  g: Grid,
  lookbackMs: number,
  limits: Limits,
): VectorValue {
  const b = new VectorBuilder(g.steps, limits);
  for (const s of series) {
    let idx = -1;
    forEachLatest(s.timestampsMs, vs.offsetMs, atMs, g, lookbackMs, (step, j) => {
      if (idx < 0) idx = b.indexFor(dropMetricName(s.labels));
      b.set(idx, step, (s.timestampsMs[j] as number) / 1000);
    });
  }
  return b.finish();
}

/** A top-level range vector in an instant query: the raw samples of each series' window. */
export function windowsAt(series: readonly RangeSeries[], timeMs: number, offsetMs: number, rangeMs: number, g: Grid): RangeSeries[] {
  if (g.steps !== 1) throw execution('cannot do range evaluation of matrix selector');
  const end = timeMs - offsetMs;
  const start = end - rangeMs;
  const out: RangeSeries[] = [];
  for (const s of series) {
    const lo = lowerBound(s.timestampsMs, start);
    const hi = upperBound(s.timestampsMs, end);
    if (hi > lo) out.push({ labels: s.labels, timestampsMs: s.timestampsMs.subarray(lo, hi), values: s.values.subarray(lo, hi) });
  }
  return out;
}

/** First index with t[i] >= x. */
export function lowerBound(t: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((t[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with t[i] > x. */
export function upperBound(t: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((t[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
