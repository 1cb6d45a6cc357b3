/**
 * Binary operators, ported from Prometheus 2.42 (engine.go VectorBinop, VectorscalarBinop,
 * VectorAnd/Or/Unless, resultMetric). Matching signatures are interned to integers once per
 * series, so each step is a pass over typed arrays.
 */
import { isComparisonOp, type BinaryOp, type VectorMatching } from './ast.js';
import { execution } from './errors.js';
import { goPow } from './go-math.js';
import { dropMetricName, labelsKey, labelsString, METRIC_NAME, onlyLabels, setLabel, withoutLabels, type Labels } from './labels.js';
import { VectorBuilder, type Grid, type Limits, type ScalarValue, type StepSeries, type VectorValue } from './values.js';

/** Arithmetic drops the metric name; comparisons filter and keep it (shouldDropMetricName). */
const dropsName = (op: BinaryOp): boolean => op === '+' || op === '-' || op === '*' || op === '/' || op === '^' || op === '%';

function arithmetic(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    case '%':
      return l % r; // Go's math.Mod: same truncated remainder and special cases
    case '^':
      return goPow(l, r);
    case 'atan2':
      return Math.atan2(l, r);
    default:
      throw execution(`operator ${JSON.stringify(op)} not allowed for arithmetic`);
  }
}

function compare(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case '==':
      return l === r;
    case '!=':
      return l !== r;
    case '>':
      return l > r;
    case '<':
      return l < r;
    case '>=':
      return l >= r;
    case '<=':
      return l <= r;
    default:
      throw execution(`operator ${JSON.stringify(op)} is not a comparison`);
  }
}

export function scalarBinary(op: BinaryOp, lhs: ScalarValue, rhs: ScalarValue): ScalarValue {
  const values = new Float64Array(lhs.values.length);
  const cmp = isComparisonOp(op);
  for (let i = 0; i < values.length; i++) {
    const l = lhs.values[i] as number;
    const r = rhs.values[i] as number;
    values[i] = cmp ? (compare(op, l, r) ? 1 : 0) : arithmetic(op, l, r);
  }
  return { kind: 'scalar', values };
}

/** vector op scalar, or scalar op vector when `scalarOnLeft`. Comparisons keep the vector's value. */
export function vectorScalarBinary(
  op: BinaryOp,
  vec: VectorValue,
  scalar: ScalarValue,
  scalarOnLeft: boolean,
  returnBool: boolean,
  grid: Grid,
  limits: Limits,
): VectorValue {
  const cmp = isComparisonOp(op);
  const b = new VectorBuilder(grid.steps, limits);
  for (const s of vec.series) {
    limits.checkTime();
    let idx = -1;
    for (let i = 0; i < grid.steps; i++) {
      if (s.present[i] !== 1) continue;
      const x = s.values[i] as number;
      const k = scalar.values[i] as number;
      const l = scalarOnLeft ? k : x;
      const r = scalarOnLeft ? x : k;
      let value: number;
      let keep = true;
      if (cmp) {
        keep = compare(op, l, r);
        value = x;
      } else {
        value = arithmetic(op, l, r);
      }
      if (returnBool) {
        value = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) continue;
      if (idx < 0) idx = b.indexFor(dropsName(op) || returnBool ? dropMetricName(s.labels) : s.labels);
      b.set(idx, i, value);
    }
  }
  return b.finish();
}

/** Interns each series' matching signature: `on` keeps the listed labels, `ignoring` drops them and the name. */
function signatures(series: StepSeries[], m: VectorMatching, ids: Map<string, number>): Int32Array {
  const out = new Int32Array(series.length);
  series.forEach((s, i) => {
    const key = labelsKey(m.on ? onlyLabels(s.labels, m.labels) : withoutLabels(s.labels, [...m.labels, METRIC_NAME]));
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    out[i] = id;
  });
  return out;
}

const anyPresent = (series: StepSeries[], step: number): boolean => series.some((s) => s.present[step] === 1);

/** and / or / unless: elements pass through unchanged, matched by signature. */
export function setBinary(op: 'and' | 'or' | 'unless', lhs: VectorValue, rhs: VectorValue, m: VectorMatching, grid: Grid, limits: Limits): VectorValue {
  const ids = new Map<string, number>();
  const sigL = signatures(lhs.series, m, ids);
  const sigR = signatures(rhs.series, m, ids);
  const mark = new Int32Array(ids.size).fill(-1);
  const b = new VectorBuilder(grid.steps, limits);
  const idxL = lhs.series.map((s) => b.indexFor(s.labels));
  const idxR = rhs.series.map((s) => b.indexFor(s.labels));
  const emit = (series: StepSeries[], idx: number[], i: number, step: number): void =>
    b.set(idx[i] as number, step, (series[i] as StepSeries).values[step] as number);
  for (let step = 0; step < grid.steps; step++) {
    limits.checkTime();
    const hasL = anyPresent(lhs.series, step);
    const hasR = anyPresent(rhs.series, step);
    if (op === 'and') {
      if (!hasL || !hasR) continue;
      rhs.series.forEach((s, i) => s.present[step] === 1 && (mark[sigR[i] as number] = step));
      lhs.series.forEach((s, i) => s.present[step] === 1 && mark[sigL[i] as number] === step && emit(lhs.series, idxL, i, step));
    } else if (op === 'or') {
      lhs.series.forEach((s, i) => {
        if (s.present[step] !== 1) return;
        mark[sigL[i] as number] = step;
        emit(lhs.series, idxL, i, step);
      });
      rhs.series.forEach((s, i) => s.present[step] === 1 && mark[sigR[i] as number] !== step && emit(rhs.series, idxR, i, step));
    } else {
      if (hasR) rhs.series.forEach((s, i) => s.present[step] === 1 && (mark[sigR[i] as number] = step));
      lhs.series.forEach((s, i) => s.present[step] === 1 && (!hasR || mark[sigL[i] as number] !== step) && emit(lhs.series, idxL, i, step));
    }
  }
  return b.finish();
}

/**
 * Arithmetic and comparison between two vectors. The "one" side must have unique signatures at
 * every step; group_left/group_right let the other side have many; labels listed in the group
 * modifier are copied from the "one" side.
 */
export function vectorBinary(
  op: BinaryOp,
  lhsValue: VectorValue,
  rhsValue: VectorValue,
  m: VectorMatching,
  returnBool: boolean,
  grid: Grid,
  limits: Limits,
): VectorValue {
  const cmp = isComparisonOp(op);
  // For one-to-many, Prometheus swaps the sides and swaps the operands back when computing.
  const swapped = m.card === 'one-to-many';
  const many = swapped ? rhsValue.series : lhsValue.series;
  const one = swapped ? lhsValue.series : rhsValue.series;
  const ids = new Map<string, number>();
  const sigMany = signatures(many, m, ids);
  const sigOne = signatures(one, m, ids);
  const nSigs = ids.size;
  const oneAt = new Int32Array(nSigs);
  const oneStep = new Int32Array(nSigs).fill(-1);
  const matchedStep = new Int32Array(nSigs).fill(-1);
  const b = new VectorBuilder(grid.steps, limits);
  const outFor = new Map<number, number>();
  const outStep: number[] = [];
  const outSig: number[] = [];

  const resultIndex = (mi: number, oi: number): number => {
    const pair = mi * one.length + oi;
    let idx = outFor.get(pair);
    if (idx === undefined) {
      idx = b.indexFor(resultLabels((many[mi] as StepSeries).labels, (one[oi] as StepSeries).labels, op, m, returnBool));
      outFor.set(pair, idx);
    }
    return idx;
  };

  for (let step = 0; step < grid.steps; step++) {
    limits.checkTime();
    if (!anyPresent(many, step) || !anyPresent(one, step)) continue;
    for (let oi = 0; oi < one.length; oi++) {
      const s = one[oi] as StepSeries;
      if (s.present[step] !== 1) continue;
      const sig = sigOne[oi] as number;
      if (oneStep[sig] === step) {
        const earlier = one[oneAt[sig] as number] as StepSeries;
        const matched = m.on ? onlyLabels(s.labels, m.labels) : withoutLabels(s.labels, [...m.labels, METRIC_NAME]);
        throw execution(
          `found duplicate series for the match group ${labelsString(matched)} on the ${swapped ? 'left' : 'right'} hand-side of the operation: ` +
            `[${labelsString(s.labels)}, ${labelsString(earlier.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      oneStep[sig] = step;
      oneAt[sig] = oi;
    }
    for (let mi = 0; mi < many.length; mi++) {
      const s = many[mi] as StepSeries;
      if (s.present[step] !== 1) continue;
      const sig = sigMany[mi] as number;
      if (oneStep[sig] !== step) continue;
      const oi = oneAt[sig] as number;
      let vl = s.values[step] as number;
      let vr = (one[oi] as StepSeries).values[step] as number;
      if (swapped) [vl, vr] = [vr, vl];
      let value: number;
      let keep = true;
      if (cmp) {
        keep = compare(op, vl, vr);
        value = vl;
      } else {
        value = arithmetic(op, vl, vr);
      }
      if (returnBool) value = keep ? 1 : 0;
      else if (!keep) continue;
      const out = resultIndex(mi, oi);
      if (m.card === 'one-to-one') {
        if (matchedStep[sig] === step) throw execution('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
        matchedStep[sig] = step;
      } else {
        if (outStep[out] === step && outSig[out] === sig) throw execution('multiple matches for labels: grouping labels must ensure unique matches');
        outStep[out] = step;
        outSig[out] = sig;
      }
      b.set(out, step, value);
    }
  }
  return b.finish();
}

/** resultMetric: the "many" side's labels, trimmed by one-to-one matching, plus group_x labels from the "one" side. */
function resultLabels(manyLabels: Labels, oneLabels: Labels, op: BinaryOp, m: VectorMatching, returnBool: boolean): Labels {
  let l = manyLabels;
  if (dropsName(op)) l = dropMetricName(l);
  if (m.card === 'one-to-one') l = m.on ? onlyLabels(l, m.labels) : withoutLabels(l, m.labels);
  for (const name of m.include) l = setLabel(l, name, oneLabels[name] ?? '');
  if (returnBool) l = dropMetricName(l);
  return l;
}
