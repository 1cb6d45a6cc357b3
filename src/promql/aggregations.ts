/**
 * Aggregation operators, step by step, ported from Prometheus 2.42 (engine.go aggregation()).
 * Groups are fixed per input series (by/without), so keys are computed once; only count_values
 * derives its groups from the values.
 */
import type { AggregateExpr } from './ast.js';
import { execution } from './errors.js';
import { formatFloatF } from './format.js';
import { isValidLabelName, labelsKey, METRIC_NAME, onlyLabels, setLabel, withoutLabels, type Labels } from './labels.js';
import { quantile } from './quantile.js';
import { VectorBuilder, type Grid, type Limits, type StepSeries, type VectorValue } from './values.js';

/** The parameter per step: k or φ as numbers, the label name for count_values. */
export type AggregateParam = { kind: 'scalar'; values: Float64Array } | { kind: 'string'; value: string } | undefined;

const MAX_INT64 = 9223372036854774784; // the largest float64 below 2^63, Prometheus' convertibleToInt64 bound

export function groupLabelsOf(l: Labels, grouping: readonly string[], without: boolean): Labels {
  if (without) return withoutLabels(l, [...grouping, METRIC_NAME]);
  return grouping.length === 0 ? {} : onlyLabels(l, grouping);
}

export function aggregate(e: AggregateExpr, input: VectorValue, param: AggregateParam, grid: Grid, limits: Limits): VectorValue {
  switch (e.op) {
    case 'topk':
    case 'bottomk':
      return topBottomK(e, input.series, param, grid, limits);
    case 'count_values':
      return countValues(e, input.series, param, grid, limits);
    default:
      return simpleAggregate(e, input.series, param, grid, limits);
  }
}

interface Groups {
  /** group index per input series */
  of: Int32Array;
  labels: Labels[];
}

function groupSeries(series: StepSeries[], e: AggregateExpr): Groups {
  const of = new Int32Array(series.length);
  const labels: Labels[] = [];
  const index = new Map<string, number>();
  series.forEach((s, si) => {
    const l = groupLabelsOf(s.labels, e.grouping, e.without);
    const key = labelsKey(l);
    let g = index.get(key);
    if (g === undefined) {
      g = labels.length;
      index.set(key, g);
      labels.push(l);
    }
    of[si] = g;
  });
  return { of, labels };
}

function simpleAggregate(e: AggregateExpr, series: StepSeries[], param: AggregateParam, grid: Grid, limits: Limits): VectorValue {
  const { of, labels } = groupSeries(series, e);
  const n = labels.length;
  const value = new Float64Array(n);
  const mean = new Float64Array(n);
  const count = new Float64Array(n);
  const seenAt = new Int32Array(n).fill(-1);
  const members: number[][] = e.op === 'quantile' ? labels.map(() => []) : [];
  const outIdx = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const b = new VectorBuilder(grid.steps, limits);

  for (let step = 0; step < grid.steps; step++) {
    limits.checkTime();
    order.length = 0;
    for (let si = 0; si < series.length; si++) {
      const s = series[si] as StepSeries;
      if (s.present[step] !== 1) continue;
      const g = of[si] as number;
      const x = s.values[step] as number;
      if (seenAt[g] !== step) {
        // The first element of a group initialises it (Prometheus' newAgg).
        seenAt[g] = step;
        order.push(g);
        value[g] = e.op === 'stddev' || e.op === 'stdvar' ? 0 : e.op === 'group' ? 1 : x;
        mean[g] = x;
        count[g] = 1;
        if (e.op === 'quantile') (members[g] as number[]).length = 0;
        if (e.op === 'quantile') (members[g] as number[]).push(x);
        continue;
      }
      switch (e.op) {
        case 'sum':
          value[g] = (value[g] as number) + x;
          break;
        case 'avg': {
          const c = (count[g] as number) + 1;
          count[g] = c;
          const m = mean[g] as number;
          if (m === Infinity || m === -Infinity) {
            // Inf - Inf would turn a correct infinite mean into NaN.
            if ((x === Infinity || x === -Infinity) && m > 0 === x > 0) break;
            if (Number.isFinite(x)) break;
          }
          // Both sides divided by the count to avoid overflowing float64.
          mean[g] = m + (x / c - m / c);
          break;
        }
        case 'max':
          if ((value[g] as number) < x || Number.isNaN(value[g] as number)) value[g] = x;
          break;
        case 'min':
          if ((value[g] as number) > x || Number.isNaN(value[g] as number)) value[g] = x;
          break;
        case 'count':
        case 'group':
          count[g] = (count[g] as number) + 1;
          break;
        case 'stddev':
        case 'stdvar': {
          const c = (count[g] as number) + 1;
          count[g] = c;
          const delta = x - (mean[g] as number);
          mean[g] = (mean[g] as number) + delta / c;
          value[g] = (value[g] as number) + delta * (x - (mean[g] as number));
          break;
        }
        case 'quantile':
          (members[g] as number[]).push(x);
          break;
        default:
          throw execution(`unexpected aggregation ${e.op}`);
      }
    }
    const q = param?.kind === 'scalar' ? (param.values[step] as number) : NaN;
    for (const g of order) {
      let out: number;
      switch (e.op) {
        case 'avg':
          out = mean[g] as number;
          break;
        case 'count':
          out = count[g] as number;
          break;
        case 'stdvar':
          out = (value[g] as number) / (count[g] as number);
          break;
        case 'stddev':
          out = Math.sqrt((value[g] as number) / (count[g] as number));
          break;
        case 'quantile':
          out = quantile(q, members[g] as number[]);
          break;
        default:
          out = value[g] as number;
      }
      if ((outIdx[g] as number) < 0) outIdx[g] = b.indexFor(labels[g] as Labels);
      b.set(outIdx[g] as number, step, out);
    }
  }
  return b.finish();
}

/**
 * topk/bottomk keep the chosen elements with all their labels. The selection replays Prometheus'
 * container/heap operations, so which element wins among equal values matches as well.
 */
function topBottomK(e: AggregateExpr, series: StepSeries[], param: AggregateParam, grid: Grid, limits: Limits): VectorValue {
  const { of, labels } = groupSeries(series, e);
  const top = e.op === 'topk';
  const b = new VectorBuilder(grid.steps, limits);
  const outIdx = new Int32Array(series.length).fill(-1);
  const heaps: number[][] = labels.map(() => []);
  const seenAt = new Int32Array(labels.length).fill(-1);
  const order: number[] = [];
  for (let step = 0; step < grid.steps; step++) {
    limits.checkTime();
    const f = param?.kind === 'scalar' ? (param.values[step] as number) : NaN;
    if (!(f <= MAX_INT64 && f >= -MAX_INT64)) throw execution(`Scalar value ${formatFloatF(f)} overflows int64`);
    const k = Math.trunc(f);
    if (k < 1) continue;
    const val = (si: number): number => (series[si] as StepSeries).values[step] as number;
    // Prometheus' heap order: vectorByValueHeap for topk (min on top), reversed for bottomk.
    const less = (i: number, j: number): boolean => {
      const a = val(i);
      return Number.isNaN(a) || (top ? a < val(j) : a > val(j));
    };
    order.length = 0;
    for (let si = 0; si < series.length; si++) {
      if ((series[si] as StepSeries).present[step] !== 1) continue;
      const g = of[si] as number;
      const heap = heaps[g] as number[];
      if (seenAt[g] !== step) {
        seenAt[g] = step;
        order.push(g);
        heap.length = 0;
        heap.push(si);
        continue;
      }
      const head = heap[0] as number;
      const x = val(si);
      if (heap.length < k || (top ? val(head) < x : val(head) > x) || Number.isNaN(val(head))) {
        if (heap.length === k) {
          if (k === 1) {
            heap[0] = si;
            continue;
          }
          heapPop(heap, less);
        }
        heapPush(heap, si, less);
      }
    }
    for (const g of order) {
      const heap = heaps[g] as number[];
      // sort.Sort(sort.Reverse(heap)): best first.
      const sorted = [...heap].sort((i, j) => (less(j, i) ? -1 : less(i, j) ? 1 : 0));
      for (const si of sorted) {
        if ((outIdx[si] as number) < 0) outIdx[si] = b.indexFor((series[si] as StepSeries).labels);
        b.set(outIdx[si] as number, step, val(si));
      }
    }
  }
  return b.finish();
}

function heapPush(h: number[], x: number, less: (i: number, j: number) => boolean): void {
  h.push(x);
  let j = h.length - 1;
  for (;;) {
    const i = Math.trunc((j - 1) / 2);
    if (i === j || !less(h[j] as number, h[i] as number)) break;
    [h[i], h[j]] = [h[j] as number, h[i] as number];
    j = i;
  }
}

function heapPop(h: number[], less: (i: number, j: number) => boolean): void {
  const n = h.length - 1;
  [h[0], h[n]] = [h[n] as number, h[0] as number];
  let i = 0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2] as number, h[j1] as number)) j = j2;
    if (!less(h[j] as number, h[i] as number)) break;
    [h[i], h[j]] = [h[j] as number, h[i] as number];
    i = j;
  }
  h.pop();
}

/** count_values: one output element per distinct value, the value written into `label`. */
function countValues(e: AggregateExpr, series: StepSeries[], param: AggregateParam, grid: Grid, limits: Limits): VectorValue {
  const label = param?.kind === 'string' ? param.value : '';
  if (!isValidLabelName(label)) throw execution(`invalid label name ${JSON.stringify(label)}`);
  const grouping = e.without ? e.grouping : [...e.grouping, label];
  const b = new VectorBuilder(grid.steps, limits);
  for (let step = 0; step < grid.steps; step++) {
    limits.checkTime();
    const counts = new Map<string, { labels: Labels; n: number }>();
    for (const s of series) {
      if (s.present[step] !== 1) continue;
      const withValue = setLabel(s.labels, label, formatFloatF(s.values[step] as number));
      const l = groupLabelsOf(withValue, grouping, e.without);
      const key = labelsKey(l);
      const c = counts.get(key);
      if (c === undefined) counts.set(key, { labels: l, n: 1 });
      else c.n++;
    }
    for (const [key, c] of counts) b.set(b.indexFor(c.labels, key), step, c.n);
  }
  return b.finish();
}
