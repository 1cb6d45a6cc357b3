/**
 * Functions over a range vector, one window of one series at a time, ported from Prometheus 2.42
 * promql/functions.go. A window is a slice [lo, hi) of the series' sorted samples, so the evaluator
 * never copies samples per step.
 */
import { kahanCompensation as comp } from './go-math.js';
import { quantile } from './quantile.js';

export interface Window {
  t: Float64Array;
  v: Float64Array;
  lo: number;
  /** exclusive; hi - lo >= 1 */
  hi: number;
}

export interface WindowContext {
  /** The evaluation timestamp of this step. */
  evalMs: number;
  /** The window's bounds, both inclusive: [rangeStartMs, rangeEndMs]. */
  rangeStartMs: number;
  rangeEndMs: number;
  rangeMs: number;
  /** The step's values of the call's scalar arguments, by argument position. */
  scalarArgs: readonly number[];
}

/** Returns the step's value, or undefined when the function yields nothing for this window. */
export type RangeFunction = (w: Window, ctx: WindowContext) => number | undefined;

/**
 * extrapolatedRate: the increase over the window, corrected for counter resets, extrapolated to
 * the window's edges when the first/last sample is close to them (within 1.1 average intervals),
 * otherwise by half an interval, and never below zero for counters.
 */
function extrapolatedRate(w: Window, ctx: WindowContext, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return undefined;
  const first = v[lo] as number;
  const last = v[hi - 1] as number;
  let result = last - first;
  if (isCounter) {
    let prev = first;
    for (let i = lo + 1; i < hi; i++) {
      const cur = v[i] as number;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  const firstT = t[lo] as number;
  const lastT = t[hi - 1] as number;
  let durationToStart = (firstT - ctx.rangeStartMs) / 1000;
  const durationToEnd = (ctx.rangeEndMs - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  if (isCounter && result > 0 && first >= 0) {
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= ctx.rangeMs / 1000;
  return result * factor;
}

/** irate/idelta: the last two samples only. */
function instantValue(w: Window, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  const last = v[hi - 1] as number;
  const previous = v[hi - 2] as number;
  const result = isRate && last < previous ? last : last - previous; // a drop is a counter reset
  const intervalMs = (t[hi - 1] as number) - (t[hi - 2] as number);
  if (intervalMs === 0) return undefined;
  return isRate ? result / (intervalMs / 1000) : result;
}

/** Least squares with Kahan sums, x in seconds relative to interceptMs (Prometheus issue #2674). */
function linearRegression(w: Window, interceptMs: number): [number, number] {
  const { t, v, lo, hi } = w;
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = v[lo] as number;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = v[i] as number;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = ((t[i] as number) - interceptMs) / 1e3;
    let s = sumX + x;
    cX += comp(sumX, x, s);
    sumX = s;
    s = sumY + y;
    cY += comp(sumY, y, s);
    sumY = s;
    const xy = x * y;
    s = sumXY + xy;
    cXY += comp(sumXY, xy, s);
    sumXY = s;
    const x2 = x * x;
    s = sumX2 + x2;
    cX2 += comp(sumX2, x2, s);
    sumX2 = s;
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

function avgOverTime(w: Window): number {
  let mean = 0;
  let count = 0;
  let c = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i] as number;
    count++;
    if (mean === Infinity || mean === -Infinity) {
      // Inf - Inf would turn a correct infinite mean into NaN.
      if ((x === Infinity || x === -Infinity) && mean > 0 === x > 0) continue;
      if (Number.isFinite(x)) continue;
    }
    const inc = x / count - mean / count;
    const next = mean + inc;
    c += comp(mean, inc, next);
    mean = next;
  }
  return mean === Infinity || mean === -Infinity ? mean : mean + c;
}

function sumOverTime(w: Window): number {
  let sum = 0;
  let c = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i] as number;
    const next = sum + x;
    c += comp(sum, x, next);
    sum = next;
  }
  return sum === Infinity || sum === -Infinity ? sum : sum + c;
}

function varianceOverTime(w: Window): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i] as number;
    count++;
    const delta = x - (mean + cMean);
    const incMean = delta / count;
    const nextMean = mean + incMean;
    cMean += comp(mean, incMean, nextMean);
    mean = nextMean;
    const incAux = delta * (x - (mean + cMean));
    const nextAux = aux + incAux;
    cAux += comp(aux, incAux, nextAux);
    aux = nextAux;
  }
  return (aux + cAux) / count;
}

function maxOverTime(w: Window): number {
  let max = w.v[w.lo] as number;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i] as number;
    if (x > max || Number.isNaN(max)) max = x;
  }
  return max;
}

function minOverTime(w: Window): number {
  let min = w.v[w.lo] as number;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i] as number;
    if (x < min || Number.isNaN(min)) min = x;
  }
  return min;
}

function resets(w: Window): number {
  let n = 0;
  let prev = w.v[w.lo] as number;
  for (let i = w.lo + 1; i < w.hi; i++) {
    const cur = w.v[i] as number;
    if (cur < prev) n++;
    prev = cur;
  }
  return n;
}

function changes(w: Window): number {
  let n = 0;
  let prev = w.v[w.lo] as number;
  for (let i = w.lo + 1; i < w.hi; i++) {
    const cur = w.v[i] as number;
    if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) n++;
    prev = cur;
  }
  return n;
}

export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFunction> = new Map<string, RangeFunction>([
  ['rate', (w, ctx) => extrapolatedRate(w, ctx, true, true)],
  ['increase', (w, ctx) => extrapolatedRate(w, ctx, true, false)],
  ['delta', (w, ctx) => extrapolatedRate(w, ctx, false, false)],
  ['irate', (w) => instantValue(w, true)],
  ['idelta', (w) => instantValue(w, false)],
  ['deriv', (w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.t[w.lo] as number)[0])],
  [
    'predict_linear',
    (w, ctx) => {
      if (w.hi - w.lo < 2) return undefined;
      const [slope, intercept] = linearRegression(w, ctx.evalMs);
      return slope * (ctx.scalarArgs[1] as number) + intercept;
    },
  ],
  ['avg_over_time', avgOverTime],
  ['sum_over_time', sumOverTime],
  ['count_over_time', (w) => w.hi - w.lo],
  ['last_over_time', (w) => w.v[w.hi - 1] as number],
  ['max_over_time', maxOverTime],
  ['min_over_time', minOverTime],
  [
    'quantile_over_time',
    (w, ctx) => {
      const values: number[] = [];
      for (let i = w.lo; i < w.hi; i++) values.push(w.v[i] as number);
      return quantile(ctx.scalarArgs[0] as number, values);
    },
  ],
  ['stddev_over_time', (w) => Math.sqrt(varianceOverTime(w))],
  ['stdvar_over_time', varianceOverTime],
  ['present_over_time', () => 1],
  ['absent_over_time', () => 1],
  ['resets', resets],
  ['changes', changes],
]);
