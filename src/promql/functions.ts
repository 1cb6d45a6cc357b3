/**
 * Functions over instant vectors and scalars, evaluated for all steps of a grid
 * (Prometheus 2.42 promql/functions.go). Every function that changes a value drops `__name__`;
 * label_replace, label_join, sort and the identity-like ones keep it.
 */
import { unwrapParens, type Call, type Expr } from './ast.js';
import { execution } from './errors.js';
import { goLog10, goLog2 } from './go-math.js';
import {
  BUCKET_LABEL,
  dropMetricName,
  EMPTY_LABELS,
  isValidLabelName,
  labelsKey,
  METRIC_NAME,
  normalizeLabels,
  setLabel,
  withoutLabels,
  type Labels,
} from './labels.js';
import { bucketQuantile, parseGoFloat, type Bucket } from './quantile.js';
import { compileAnchored, type AnchoredRegex, type RegexMatch } from './regex.js';
import { gridTime, VectorBuilder, type Grid, type Limits, type ScalarValue, type StepSeries, type Value, type VectorValue } from './values.js';

const MATH: ReadonlyMap<string, (x: number) => number> = new Map<string, (x: number) => number>([
  ['abs', Math.abs],
  ['ceil', Math.ceil],
  ['floor', Math.floor],
  ['exp', Math.exp],
  ['sqrt', Math.sqrt],
  ['ln', Math.log],
  ['log2', goLog2],
  ['log10', goLog10],
  ['sin', Math.sin],
  ['cos', Math.cos],
  ['tan', Math.tan],
  ['asin', Math.asin],
  ['acos', Math.acos],
  ['atan', Math.atan],
  ['sinh', Math.sinh],
  ['cosh', Math.cosh],
  ['tanh', Math.tanh],
  ['asinh', Math.asinh],
  ['acosh', Math.acosh],
  ['atanh', Math.atanh],
  ['rad', (x) => (x * Math.PI) / 180],
  ['deg', (x) => (x * 180) / Math.PI],
  ['sgn', (x) => (x < 0 ? -1 : x > 0 ? 1 : x)],
]);

/** Go's time.Time accessors on UTC, from whole seconds (time.Unix(int64(v), 0)). */
const DATE: ReadonlyMap<string, (d: Date) => number> = new Map<string, (d: Date) => number>([
  ['days_in_month', (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()],
  ['day_of_month', (d) => d.getUTCDate()],
  ['day_of_week', (d) => d.getUTCDay()],
  ['day_of_year', (d) => Math.round((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1],
  ['hour', (d) => d.getUTCHours()],
  ['minute', (d) => d.getUTCMinutes()],
  ['month', (d) => d.getUTCMonth() + 1],
  ['year', (d) => d.getUTCFullYear()],
]);

function dateOf(seconds: number, f: (d: Date) => number): number {
  const d = new Date(Math.trunc(seconds) * 1000);
  return Number.isNaN(d.getTime()) ? NaN : f(d);
}

export interface FunctionContext {
  grid: Grid;
  limits: Limits;
}

const scalarArg = (args: readonly Value[], i: number): Float64Array => (args[i] as ScalarValue).values;
const vectorArg = (args: readonly Value[], i: number): StepSeries[] => (args[i] as VectorValue).series;
const stringArg = (args: readonly Value[], i: number): string => (args[i] as Extract<Value, { kind: 'string' }>).value;

/** Applies a function without a range-vector argument. `args` are evaluated in call order. */
export function applyFunction(call: Call, args: readonly Value[], ctx: FunctionContext): Value {
  const { grid } = ctx;
  const name = call.func;
  const math = MATH.get(name);
  if (math !== undefined) return mapSeries(vectorArg(args, 0), ctx, () => math);
  const date = DATE.get(name);
  if (date !== undefined) {
    if (args.length === 0) return timeVector(ctx, (ms) => dateOf(ms / 1000, date));
    return mapSeries(vectorArg(args, 0), ctx, () => (v) => dateOf(v, date));
  }
  switch (name) {
    case 'time':
      return scalarOf(grid, (step) => gridTime(grid, step) / 1000);
    case 'pi':
      return scalarOf(grid, () => Math.PI);
    case 'vector': {
      const s = scalarArg(args, 0);
      return timeVector(ctx, (_ms, step) => s[step] as number);
    }
    case 'scalar':
      return scalarOfVector(vectorArg(args, 0), grid);
    case 'clamp': {
      const min = scalarArg(args, 1);
      const max = scalarArg(args, 2);
      return mapSeries(vectorArg(args, 0), ctx, (step) => {
        const lo = min[step] as number;
        const hi = max[step] as number;
        return hi < lo ? undefined : (x) => Math.max(lo, Math.min(hi, x));
      });
    }
    case 'clamp_min': {
      const min = scalarArg(args, 1);
      return mapSeries(vectorArg(args, 0), ctx, (step) => (x) => Math.max(min[step] as number, x));
    }
    case 'clamp_max': {
      const max = scalarArg(args, 1);
      return mapSeries(vectorArg(args, 0), ctx, (step) => (x) => Math.min(max[step] as number, x));
    }
    case 'round': {
      const nearest = args.length > 1 ? scalarArg(args, 1) : undefined;
      return mapSeries(vectorArg(args, 0), ctx, (step) => {
        // Prometheus multiplies by the inverse: fewer floating point surprises than dividing.
        const inverse = 1 / (nearest === undefined ? 1 : (nearest[step] as number));
        return (x) => Math.floor(x * inverse + 0.5) / inverse;
      });
    }
    case 'timestamp':
      return mapSeries(vectorArg(args, 0), ctx, (step) => () => gridTime(grid, step) / 1000);
    case 'sort':
    case 'sort_desc':
      return sortVector(vectorArg(args, 0), ctx, name === 'sort_desc');
    case 'absent':
      return absent(vectorArg(args, 0), call.args[0] as Expr, ctx);
    case 'label_replace':
      return relabel(vectorArg(args, 0), ctx, labelReplacer(stringArg(args, 1), stringArg(args, 2), stringArg(args, 3), stringArg(args, 4)));
    case 'label_join':
      return relabel(
        vectorArg(args, 0),
        ctx,
        labelJoiner(
          stringArg(args, 1),
          stringArg(args, 2),
          args.slice(3).map((_, i) => stringArg(args, i + 3)),
        ),
      );
    case 'histogram_quantile':
      return histogramQuantile(scalarArg(args, 0), vectorArg(args, 1), ctx);
    default:
      throw execution(`function ${JSON.stringify(name)} cannot be evaluated here`);
  }
}

function scalarOf(grid: Grid, f: (step: number) => number): ScalarValue {
  const values = new Float64Array(grid.steps);
  for (let i = 0; i < grid.steps; i++) values[i] = f(i);
  return { kind: 'scalar', values };
}

/** scalar(v): the single element's value, NaN when there are none or several. */
function scalarOfVector(series: StepSeries[], grid: Grid): ScalarValue {
  const values = new Float64Array(grid.steps);
  const counts = new Uint32Array(grid.steps);
  for (const s of series) {
    for (let i = 0; i < grid.steps; i++) {
      if (s.present[i] === 1) {
        counts[i] = (counts[i] as number) + 1;
        values[i] = s.values[i] as number;
      }
    }
  }
  for (let i = 0; i < grid.steps; i++) if (counts[i] !== 1) values[i] = NaN;
  return { kind: 'scalar', values };
}

/** A vector with one label-less element per step. */
function timeVector(ctx: FunctionContext, f: (ms: number, step: number) => number): VectorValue {
  const b = new VectorBuilder(ctx.grid.steps, ctx.limits);
  const idx = b.indexFor(EMPTY_LABELS);
  for (let i = 0; i < ctx.grid.steps; i++) b.set(idx, i, f(gridTime(ctx.grid, i), i));
  return b.finish();
}

/**
 * Maps every element to a new value under its labels without `__name__`. `perStep` returns the
 * step's mapping, or undefined to drop the whole step (clamp with max < min).
 */
function mapSeries(
  series: StepSeries[],
  ctx: FunctionContext,
  perStep: (step: number) => ((x: number) => number) | undefined,
): VectorValue {
  const { steps } = ctx.grid;
  const fns: Array<((x: number) => number) | undefined> = [];
  for (let i = 0; i < steps; i++) fns.push(perStep(i));
  const b = new VectorBuilder(steps, ctx.limits);
  for (const s of series) {
    ctx.limits.checkTime();
    let idx = -1;
    for (let i = 0; i < steps; i++) {
      const f = fns[i];
      if (s.present[i] !== 1 || f === undefined) continue;
      if (idx < 0) idx = b.indexFor(dropMetricName(s.labels));
      b.set(idx, i, f(s.values[i] as number));
    }
  }
  return b.finish();
}

/** Keeps values, rewrites labels once per series (label_replace, label_join). */
function relabel(series: StepSeries[], ctx: FunctionContext, relabelOne: (l: Labels) => Labels): VectorValue {
  const b = new VectorBuilder(ctx.grid.steps, ctx.limits);
  for (const s of series) {
    const idx = b.indexFor(relabelOne(s.labels));
    for (let i = 0; i < ctx.grid.steps; i++) if (s.present[i] === 1) b.set(idx, i, s.values[i] as number);
  }
  return b.finish();
}

function labelReplacer(dst: string, replacement: string, src: string, regex: string): (l: Labels) => Labels {
  let re: AnchoredRegex;
  try {
    re = compileAnchored(regex);
  } catch {
    throw execution(`invalid regular expression in label_replace(): ${regex}`);
  }
  if (!isValidLabelName(dst)) throw execution(`invalid destination label name in label_replace(): ${dst}`);
  return (l) => {
    const m = re.match(l[src] ?? '');
    if (m === null) return l;
    return setLabel(l, dst, expandGoTemplate(replacement, m));
  };
}

/**
 * Go's Regexp.ExpandString: `$1`, `${1}`, `$name`, `${name}`, `$$`. A name runs as long as
 * letters, digits and `_` do, so `$1x` means group "1x" (empty) — a well-known PromQL surprise.
 */
export function expandGoTemplate(template: string, m: RegexMatch): string {
  let out = '';
  let rest = template;
  for (;;) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    const ref = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u.exec(rest);
    if (ref === null) {
      out += '$'; // malformed: Go copies the "$" through
      continue;
    }
    rest = rest.slice(ref[0].length);
    const name = (ref[1] ?? ref[2]) as string;
    if (/^(0|[1-9][0-9]{0,7})$/.test(name)) {
      out += m.group(Number(name)) ?? '';
    } else {
      out += m.named(name) ?? '';
    }
  }
  return out + rest;
}

function labelJoiner(dst: string, separator: string, sources: string[]): (l: Labels) => Labels {
  for (const src of sources) {
    if (!isValidLabelName(src)) throw execution(`invalid source label name in label_join(): ${src}`);
  }
  if (!isValidLabelName(dst)) throw execution(`invalid destination label name in label_join(): ${dst}`);
  return (l) => setLabel(l, dst, sources.map((s) => l[s] ?? '').join(separator));
}

/**
 * sort/sort_desc only order an instant query's result; NaN goes last either way
 * (Prometheus sorts by its heap order, reversed).
 */
function sortVector(series: StepSeries[], ctx: FunctionContext, descending: boolean): VectorValue {
  const b = new VectorBuilder(ctx.grid.steps, ctx.limits);
  for (let i = 0; i < ctx.grid.steps; i++) {
    const here = series.filter((s) => s.present[i] === 1);
    here.sort((x, y) => {
      const a = x.values[i] as number;
      const c = y.values[i] as number;
      if (Number.isNaN(a) || Number.isNaN(c)) return Number.isNaN(a) === Number.isNaN(c) ? 0 : Number.isNaN(a) ? 1 : -1;
      return descending ? c - a : a - c;
    });
    for (const s of here) b.set(b.indexFor(s.labels), i, s.values[i] as number);
  }
  return b.finish();
}

/** absent(v): 1 with the selector's equality-matched labels when v is empty. */
function absent(series: StepSeries[], arg: Expr, ctx: FunctionContext): VectorValue {
  const b = new VectorBuilder(ctx.grid.steps, ctx.limits);
  const labels = absentLabels(arg);
  for (let i = 0; i < ctx.grid.steps; i++) {
    if (!series.some((s) => s.present[i] === 1)) b.set(b.indexFor(labels), i, 1);
  }
  return b.finish();
}

/**
 * createLabelsForAbsentFunction: labels the selector pins with `=`, except `__name__`; a label
 * matched twice is left out (historic behaviour of `absent(x{job="a",job="b"})`).
 */
export function absentLabels(arg: Expr): Labels {
  const e = unwrapParens(arg);
  const matchers = e.kind === 'vectorSelector' ? e.matchers : e.kind === 'matrixSelector' ? e.selector.matchers : [];
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const m of matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !seen.has(m.name)) {
      out[m.name] = m.value;
      seen.add(m.name);
    } else {
      delete out[m.name];
    }
  }
  return normalizeLabels(out);
}

/**
 * histogram_quantile over classic buckets: series are grouped by all labels but `le` (the
 * metric name included, as in Prometheus), and the result drops `le` and `__name__`.
 */
function histogramQuantile(q: Float64Array, series: StepSeries[], ctx: FunctionContext): VectorValue {
  const groupOf = new Int32Array(series.length).fill(-1);
  const bounds = new Float64Array(series.length);
  const groupLabels: Labels[] = [];
  const groupIndex = new Map<string, number>();
  series.forEach((s, si) => {
    const le = s.labels[BUCKET_LABEL];
    const bound = le === undefined ? undefined : parseGoFloat(le);
    if (bound === undefined) return; // not a bucket: skipped, as Prometheus does
    const key = labelsKey(withoutLabels(s.labels, [BUCKET_LABEL]));
    let g = groupIndex.get(key);
    if (g === undefined) {
      g = groupLabels.length;
      groupIndex.set(key, g);
      groupLabels.push(withoutLabels(s.labels, [BUCKET_LABEL, METRIC_NAME]));
    }
    groupOf[si] = g;
    bounds[si] = bound;
  });
  const b = new VectorBuilder(ctx.grid.steps, ctx.limits);
  const outIdx = new Int32Array(groupLabels.length).fill(-1);
  const buckets: Bucket[][] = groupLabels.map(() => []);
  for (let i = 0; i < ctx.grid.steps; i++) {
    ctx.limits.checkTime();
    for (const list of buckets) list.length = 0;
    series.forEach((s, si) => {
      const g = groupOf[si] as number;
      if (g >= 0 && s.present[i] === 1) (buckets[g] as Bucket[]).push({ upperBound: bounds[si] as number, count: s.values[i] as number });
    });
    buckets.forEach((list, g) => {
      if (list.length === 0) return;
      if ((outIdx[g] as number) < 0) outIdx[g] = b.indexFor(groupLabels[g] as Labels);
      b.set(outIdx[g] as number, i, bucketQuantile(q[i] as number, list));
    });
  }
  return b.finish();
}
